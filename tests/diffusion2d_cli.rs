//! `heatgpu solve diffusion2d` through its argument struct: files written (snapshots, final
//! field, colour map, animation) and one-line refusals.

mod common;

use std::path::PathBuf;

use clap::Parser;
use common::relative_error;
use heatgpu::problems::diffusion2d::cli::{run, Diffusion2dArgs};
use heatgpu::problems::diffusion2d::exact::exact_discrete;
use heatgpu::problems::diffusion2d::{Diffusion2D, Scheme};
use ndarray::{Array2, Array3};

#[derive(Parser)]
struct Wrapper {
    #[command(flatten)]
    args: Diffusion2dArgs,
}

fn args(line: &[&str]) -> Diffusion2dArgs {
    Wrapper::try_parse_from(std::iter::once("diffusion2d").chain(line.iter().copied()))
        .unwrap()
        .args
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("heatgpu-d2-{}-{name}", std::process::id()))
}

#[test]
fn snapshots_png_and_gif_are_written() {
    let (out, png, gif) = (temp("snaps.npy"), temp("final.png"), temp("anim.gif"));
    let line = [
        "--nx",
        "24",
        "--ny",
        "20",
        "--steps",
        "10",
        "--dt",
        "0.2",
        "--snapshot-every",
        "5",
        "--backend",
        "cpu",
        "--json",
        "--out",
        out.to_str().unwrap(),
        "--png",
        png.to_str().unwrap(),
        "--gif",
        gif.to_str().unwrap(),
    ];
    run(&args(&line)).unwrap();
    let snaps: Array3<f64> = ndarray_npy::read_npy(&out).unwrap();
    assert_eq!(snaps.dim(), (3, 20, 24));
    let p = Diffusion2D {
        ny: 20,
        nx: 24,
        dt: 0.2,
        steps: 10,
        ..Diffusion2D::book(0)
    };
    let u0 = p.initial_field();
    for (k, step) in [0, 5, 10].into_iter().enumerate() {
        let got: Vec<f64> = snaps
            .index_axis(ndarray::Axis(0), k)
            .iter()
            .copied()
            .collect();
        assert!(
            relative_error(&got, &exact_discrete(&p, &u0, step)) < 1e-12,
            "snapshot {k}"
        );
    }
    let png_bytes = std::fs::read(&png).unwrap();
    assert_eq!(&png_bytes[1..4], b"PNG");
    let mut decoder = gif::DecodeOptions::new()
        .read_info(std::fs::File::open(&gif).unwrap())
        .unwrap();
    let mut frames = 0;
    while decoder.read_next_frame().unwrap().is_some() {
        frames += 1;
    }
    assert_eq!(frames, 3);
    for path in [out, png, gif] {
        std::fs::remove_file(path).ok();
    }
}

#[test]
fn final_field_from_an_input_file_with_adi_and_dirichlet() {
    let (input, out) = (temp("in.npy"), temp("out.npy"));
    let field = Array2::from_shape_fn((9, 13), |(i, j)| ((i * 13 + j) % 7) as f64 * 0.1);
    ndarray_npy::write_npy(&input, &field).unwrap();
    let line = [
        "--input",
        input.to_str().unwrap(),
        "--steps",
        "6",
        "--dt",
        "2.5",
        "--scheme",
        "adi",
        "--boundary",
        "dirichlet",
        "--edge",
        "0.3",
        "--backend",
        "cpu",
        "--out",
        out.to_str().unwrap(),
    ];
    run(&args(&line)).unwrap();
    let got: Array2<f64> = ndarray_npy::read_npy(&out).unwrap();
    assert_eq!(got.dim(), (9, 13));
    let p = Diffusion2D {
        ny: 9,
        nx: 13,
        dt: 2.5,
        steps: 6,
        scheme: Scheme::Adi,
        boundary: heatgpu::problems::diffusion2d::Boundary::Dirichlet,
        edge: 0.3,
        ..Diffusion2D::book(0)
    };
    let mut u0: Vec<f64> = field.iter().copied().collect();
    p.apply_boundary(&mut u0);
    let got: Vec<f64> = got.iter().copied().collect();
    assert!(relative_error(&got, &exact_discrete(&p, &u0, 6)) < 1e-12);
    std::fs::remove_file(input).ok();
    std::fs::remove_file(out).ok();
}

#[test]
fn refusals_name_the_parameter_and_the_limit() {
    let err = run(&args(&["--n", "16", "--dt", "0.3", "--backend", "cpu"]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("r = D dt / h^2") && err.contains("0.25") && err.contains("adi"),
        "{err}"
    );
    let err = run(&args(&["--steps", "3"])).unwrap_err().to_string();
    assert!(err.contains("--n N"), "{err}");
    let err = run(&args(&["--n", "2", "--backend", "cpu"]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("ny = 2"), "{err}");
    let input = temp("nan.npy");
    let mut field = Array2::<f64>::zeros((5, 6));
    field[[2, 3]] = f64::NAN;
    ndarray_npy::write_npy(&input, &field).unwrap();
    let err = run(&args(&[
        "--input",
        input.to_str().unwrap(),
        "--backend",
        "cpu",
    ]))
    .unwrap_err();
    assert!(err.to_string().contains("u[2, 3]"), "{err}");
    let err = run(&args(&[
        "--input",
        input.to_str().unwrap(),
        "--n",
        "5",
        "--backend",
        "cpu",
    ]))
    .unwrap_err();
    assert!(
        err.to_string().contains("5 x 6 field for a 5 x 5 grid"),
        "{err}"
    );
    std::fs::remove_file(input).ok();
    let err = run(&args(&[
        "--n",
        "8",
        "--backend",
        "cpu",
        "--precision",
        "f32",
    ]))
    .unwrap_err();
    assert!(err.to_string().contains("precision"), "{err}");
}
