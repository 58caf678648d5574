//! `heatgpu solve burgers` through its arguments and `run` (the lead wires them into the
//! binary): files and their shapes, times beside them, one-line refusals naming the parameter.

use clap::Parser;
use heatgpu::problems::burgers1d::cli::{run, BurgersArgs};

#[derive(Parser)]
struct Wrapper {
    #[command(flatten)]
    args: BurgersArgs,
}

fn burgers(args: &[&str]) -> anyhow::Result<()> {
    let mut argv = vec!["burgers"];
    argv.extend_from_slice(args);
    run(&Wrapper::try_parse_from(argv)?.args)
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("heatgpu-burgers-{}-{name}", std::process::id()))
}

#[test]
fn fixed_steps_write_levels_times_and_a_heat_map() {
    let (out, png) = (temp("fixed.npy"), temp("fixed.png"));
    burgers(&[
        "--n",
        "256",
        "--steps",
        "40",
        "--snapshot-every",
        "10",
        "--backend",
        "cpu",
        "--out",
        out.to_str().unwrap(),
        "--png",
        png.to_str().unwrap(),
        "--json",
    ])
    .unwrap();
    let field: ndarray::Array2<f64> = ndarray_npy::read_npy(&out).unwrap();
    assert_eq!(field.dim(), (5, 256));
    let times: ndarray::Array1<f64> = ndarray_npy::read_npy(temp("fixed.times.npy")).unwrap();
    assert_eq!(times.to_vec(), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);
    for p in [out, png, temp("fixed.times.npy")] {
        std::fs::remove_file(p).ok();
    }
}

#[test]
fn adaptive_runs_and_sweeps_write_their_shapes() {
    let out = temp("adaptive.npy");
    burgers(&[
        "--n",
        "256",
        "--tol",
        "1e-5",
        "--out",
        out.to_str().unwrap(),
    ])
    .unwrap();
    let field: ndarray::Array2<f64> = ndarray_npy::read_npy(&out).unwrap();
    let times: ndarray::Array1<f64> = ndarray_npy::read_npy(temp("adaptive.times.npy")).unwrap();
    assert_eq!(field.nrows(), times.len());
    assert_eq!(times[times.len() - 1], 1.0);
    let sweep = temp("sweep.npy");
    burgers(&[
        "--n",
        "128",
        "--steps",
        "10",
        "--snapshot-every",
        "5",
        "--sweep",
        "nu=0.02:0.06:3",
        "--backend",
        "cpu",
        "--out",
        sweep.to_str().unwrap(),
    ])
    .unwrap();
    let field: ndarray::Array3<f64> = ndarray_npy::read_npy(&sweep).unwrap();
    assert_eq!(field.dim(), (3, 3, 128));
    for p in [
        out,
        temp("adaptive.times.npy"),
        sweep,
        temp("sweep.times.npy"),
    ] {
        std::fs::remove_file(p).ok();
    }
}

#[test]
fn bad_inputs_are_refused_naming_the_parameter() {
    for (args, name) in [
        (vec!["--theta", "0.2"], "theta"),
        (vec!["--a", "0.9"], "a"),
        (vec!["--tol", "1e-5", "--backend", "gpu"], "backend"),
        (vec!["--steps", "0"], "steps"),
        (vec!["--backend", "cpu", "--precision", "f32"], "precision"),
        (vec!["--sweep", "k=1:2:3"], "sweep"),
        (vec!["--snapshot-every", "0"], "snapshot_every"),
    ] {
        let err = burgers(&args).unwrap_err().to_string();
        assert!(
            err.contains(&format!("parameter {name} ")),
            "{args:?}: {err}"
        );
    }
    let png = temp("never.png");
    let err = burgers(&["--sweep", "nu=0.02,0.03", "--png", png.to_str().unwrap()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("parameter png"), "{err}");
    assert!(!png.exists());
    // --steps and --tol exclude each other.
    assert!(burgers(&["--steps", "10", "--tol", "1e-5"]).is_err());
}
