//! A catalogue of bad and extreme inputs, run as a user would run them: each case asserts the
//! exit code, that a failure is one line on stderr naming the parameter (or file, or limit),
//! and that no file was left behind or destroyed (every case runs in a fresh directory holding
//! fixtures and a `keep.npy` that failures must leave as it was).
//!
//! `HEATGPU_CATALOGUE_PRINT=1 cargo test --release --test cli_catalogue -- --nocapture` prints
//! every case's outcome.

use std::path::{Path, PathBuf};
use std::process::Command;

use heatgpu::gpu::GpuContext;

/// How a case must end.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Exit 1 with one `error:` line containing the needle.
    Fail(&'static str),
    /// Exit 2 (a usage error found by the argument parser) mentioning the needle.
    Usage(&'static str),
    /// Exit 0; the files named must exist afterwards (and load, for `.npy`).
    Solved(&'static [&'static str]),
}
use Expect::*;

struct Case {
    args: String,
    expect: Expect,
    env: Vec<(&'static str, &'static str)>,
    /// Needs a GPU adapter (skipped without one).
    gpu: bool,
    /// RLIMIT_AS for the child, bytes.
    address_space: Option<u64>,
}

fn case(args: impl Into<String>, expect: Expect) -> Case {
    Case {
        args: args.into(),
        expect,
        env: Vec::new(),
        gpu: false,
        address_space: None,
    }
}

fn gpu(args: impl Into<String>, expect: Expect) -> Case {
    Case {
        gpu: true,
        ..case(args, expect)
    }
}

fn with_env(mut c: Case, env: &[(&'static str, &'static str)]) -> Case {
    c.env.extend_from_slice(env);
    c
}

/// Small, fast problem settings that are valid, to which cases add one bad input.
const SMALL: &str = "--nt 201 --nx 11 --theta 1";

fn catalogue() -> Vec<Case> {
    let mut cases = Vec::new();
    // Every real parameter: non-finite, unparsable, empty, huge, tiny, negative, zero.
    let reals: [(&str, &str); 9] = [
        ("t-max", "t_max"),
        ("x-max", "x_max"),
        ("alpha", "alpha"),
        ("t-x0", "t_x0"),
        ("t-xl", "t_xl"),
        ("t-t0", "t_t0"),
        ("theta", "theta"),
        ("beta", "beta"),
        ("t-ref", "t_ref"),
    ];
    for (flag, name) in reals {
        for bad in ["nan", "inf", "-inf", "NaN"] {
            cases.push(case(
                format!("solve --backend cpu --{flag} {bad}"),
                Fail(name),
            ));
        }
        cases.push(case(
            format!("solve --backend cpu --{flag} abc"),
            Usage(flag),
        ));
        cases.push(case(
            format!("solve --backend cpu --{flag} <empty>"),
            Usage(flag),
        ));
        cases.push(case(
            format!("solve --backend cpu --{flag} 1e999"),
            Fail(name),
        ));
    }
    // Huge, tiny, negative and zero values: refused naming the parameter (or the unstable
    // ratio), or solved.
    for (args, expect) in [
        ("--t-max 1e308", Solved(&[])),
        ("--t-max -1e308", Fail("t_max")),
        ("--t-max 1e-320", Fail("t_max")),
        ("--t-max 0", Fail("t_max")),
        ("--t-max -1", Fail("t_max")),
        ("--x-max 1e308", Fail("x_max")),
        ("--x-max 1e-320", Fail("x_max")),
        ("--x-max 0", Fail("x_max")),
        ("--x-max -2", Fail("x_max")),
        ("--alpha 1e308", Fail("alpha")),
        ("--alpha 1e-320", Fail("alpha")),
        ("--alpha 0", Fail("alpha")),
        ("--alpha -0.01", Fail("alpha")),
        ("--t-x0 1e308", Fail("t_x0")),
        ("--t-x0 -1e308", Fail("t_x0")),
        ("--t-xl 1e308", Fail("t_xl")),
        ("--t-t0 1e308", Fail("t_t0")),
        ("--t-t0 -1e300", Solved(&[])),
        ("--t-ref 1e308", Fail("t_ref")),
        ("--beta -1", Fail("beta")),
        ("--beta 1e308", Fail("beta")),
        ("--beta -1e308", Fail("beta")),
        ("--t-x0 -10", Solved(&[])),
        ("--t-x0 0 --t-xl 0 --t-t0 0", Solved(&[])),
        ("--t-t0 1e-320", Solved(&[])),
        ("--t-x0 1e300 --t-xl 1e300 --t-t0 1e300", Solved(&[])),
        ("--t-x0 1e303 --t-xl 1e300 --t-t0 1e300", Fail("t_x0")),
        ("--beta 1e-320", Solved(&[])),
    ] {
        cases.push(case(format!("solve --backend cpu {SMALL} {args}"), expect));
    }
    // Sizes.
    for (args, expect) in [
        ("--nt 0", Fail("nt")),
        ("--nt 1", Fail("nt")),
        ("--nt 2 --theta 1", Solved(&[])),
        ("--nt -5", Usage("--nt")),
        ("--nt 1e3", Usage("--nt")),
        ("--nt abc", Usage("--nt")),
        ("--nt 18446744073709551616", Usage("--nt")),
        ("--nt 4294967296", Fail("nt*nx")),
        ("--nx 0", Fail("nx")),
        ("--nx 2", Fail("nx")),
        ("--nx 3 --nt 201 --theta 1", Solved(&[])),
        ("--nx -1", Usage("--nx")),
        ("--nx 4294967296", Fail("nt*nx")),
        ("--nt 390000000 --nx 11", Fail("MiB")),
        ("--theta 1 --nt 1000000000 --nx 3", Fail("MiB")),
        ("--nt 100000000", Fail("MiB")),
        (
            "--theta 1 --nt 1000000000 --nx 3 --mode march",
            Fail("--snapshot-every"),
        ),
        ("--nt 11 --nx 101", Fail("unstable")),
        ("--nt 200 --nx 200001 --theta 1 --mode march", Solved(&[])),
        (
            "--nt 21 --nx 20001 --theta 1 --beta 0.01 --mode march",
            Solved(&[]),
        ),
        ("--nt 2 --nx 3 --theta 1 --t-max 1e9", Solved(&[])),
        ("--nt 201 --theta 1.5", Fail("theta")),
        ("--nt 201 --theta -0.5", Fail("theta")),
        ("--nt 201 --theta 1e-320 --t-max 0.01", Solved(&[])),
        (
            "--nt 201 --theta 1 --sweep alpha=0.01:0.02:1000000 --nx 100001",
            Fail("MiB"),
        ),
    ] {
        cases.push(case(format!("solve --backend cpu {args}"), expect));
    }
    // Tolerances, iterations, snapshots, modes.
    for (args, expect) in [
        ("--atol inf", Fail("atol")),
        ("--atol nan", Fail("atol")),
        ("--atol -1e-9", Fail("atol")),
        ("--atol 1e308", Fail("atol")),
        ("--atol 1", Fail("atol")),
        ("--atol abc", Usage("--atol")),
        ("--atol 1e-6", Solved(&[])),
        ("--atol 0", Solved(&[])),
        ("--rtol 1e308", Fail("rtol")),
        ("--rtol -1", Fail("rtol")),
        ("--rtol inf", Fail("rtol")),
        ("--rtol 1e-6", Solved(&[])),
        ("--max-iterations 0", Fail("max_iterations")),
        ("--max-iterations 1000000", Fail("max_iterations")),
        ("--max-iterations -1", Usage("--max-iterations")),
        ("--snapshot-every 0", Fail("snapshot_every")),
        ("--snapshot-every 0 --mode march", Fail("snapshot_every")),
        ("--snapshot-every -3", Usage("--snapshot-every")),
        ("--snapshot-every 1000000000", Solved(&[])),
        ("--mode sideways", Usage("--mode")),
        ("--backend quantum", Usage("--backend")),
        ("--precision f16", Usage("--precision")),
        ("--precision f32", Fail("precision")),
        ("--beta 0.3 --max-iterations 1", Fail("Newton")),
        (
            "--beta 0.3 --max-iterations 1 --mode march",
            Fail("time step 1"),
        ),
        ("--no-line-search --beta 0.01", Solved(&[])),
        ("--unknown-flag 3", Usage("--unknown-flag")),
        ("--theta 1 --theta 0", Usage("--theta")),
    ] {
        cases.push(case(format!("solve --backend cpu {SMALL} {args}"), expect));
    }
    // Sweeps.
    for (args, expect) in [
        (
            "--sweep alpha=0.01:0.02:18446744073709551615",
            Usage("COUNT"),
        ),
        ("--sweep alpha=0.01:0.02:0", Usage("COUNT")),
        ("--sweep alpha=0.01:0.02:99999999999", Usage("COUNT")),
        ("--sweep beta=1:2:3", Usage("PARAM")),
        ("--sweep alpha", Usage("PARAM=")),
        ("--sweep alpha=1:x:3", Usage("numbers")),
        ("--sweep alpha=nan", Usage("finite")),
        ("--sweep alpha=inf,0.01", Usage("finite")),
        ("--sweep alpha=1e308,0.01", Fail("alpha")),
        ("--sweep alpha=-0.01,0.01", Fail("alpha")),
        ("--sweep t_t0=1e308", Fail("t_t0")),
        ("--sweep t_x0=1e308,60", Fail("t_x0")),
        ("--sweep t_xl=-1e308", Fail("t_xl")),
        ("--sweep alpha=0.01,0.02 --beta 0.01", Fail("beta")),
        ("--sweep alpha=0.01,0.02 --png {d}/keep.npy", Fail("png")),
        (
            "--sweep alpha=0.005:0.02:16 --out {d}/sweep.npy",
            Solved(&["sweep.npy"]),
        ),
        (
            "--sweep t_x0=-10,0,10 --snapshot-every 50 --out {d}/sweep.npy",
            Solved(&["sweep.npy"]),
        ),
    ] {
        cases.push(case(format!("solve --backend cpu {SMALL} {args}"), expect));
    }
    // Output files: checked before any compute; failures leave nothing and keep keep.npy.
    for (args, expect) in [
        ("--out {d}/no/such/dir/x.npy", Fail("does not exist")),
        ("--out {d}/subdir", Fail("directory")),
        ("--out {d}", Fail("directory")),
        ("--out <empty>", Usage("--out")),
        ("--out {d}/a.npy --png {d}/a.npy", Fail("out")),
        ("--png {d}/no/such/x.png", Fail("png")),
        ("--out /proc/heatgpu.npy", Fail("out")),
        ("--out {d}/keep.npy --t-max -1", Fail("t_max")),
        (
            "--out {d}/keep.npy --beta 0.3 --max-iterations 1",
            Fail("Newton"),
        ),
        (
            "--out {d}/keep.npy --png {d}/x.png --atol inf",
            Fail("atol"),
        ),
        (
            "--out {d}/new.npy --png {d}/new.png",
            Solved(&["new.npy", "new.png"]),
        ),
        ("--out {d}/keep.npy", Solved(&["keep.npy"])),
        (
            "--mode march --snapshot-every 7 --out {d}/m.npy --png {d}/m.png --json",
            Solved(&["m.npy", "m.png"]),
        ),
    ] {
        cases.push(case(format!("solve --backend cpu {SMALL} {args}"), expect));
    }
    // Configuration files.
    for (args, expect) in [
        ("--config {d}/missing.toml", Fail("missing.toml")),
        ("--config /dev/zero", Fail("config")),
        ("--config {d}/subdir", Fail("subdir")),
        ("--config {d}/bad.toml", Fail("bad.toml")),
        ("--config {d}/unknown.toml", Fail("n_t")),
        ("--config {d}/types.toml", Fail("types.toml")),
        ("--config {d}/neg.toml", Fail("neg.toml")),
        ("--config {d}/big.toml", Fail("config")),
        ("--config {d}/good.toml", Solved(&[])),
        ("--config {d}/good.toml --nt 1", Fail("nt")),
    ] {
        cases.push(case(format!("solve --backend cpu {args}"), expect));
    }
    // The residual command and its input files.
    for (args, expect) in [
        ("--input {d}/missing.npy", Fail("missing.npy")),
        ("--input {d}/junk.npy", Fail("input")),
        ("--input {d}/huge.npy", Fail("928 bytes")),
        ("--input {d}/truncated.npy", Fail("truncated")),
        ("--input {d}/f32.npy", Fail("float64")),
        ("--input {d}/fortran.npy", Fail("Fortran")),
        ("--input {d}/rank3.npy", Fail("shape")),
        ("--input {d}/nan.npy", Fail("T[3, 4]")),
        ("--input {d}/flat7.npy", Fail("7 values")),
        ("--input {d}/subdir", Fail("subdir")),
        (
            "--input {d}/good.npy --out {d}/no/dir/r.npy",
            Fail("does not exist"),
        ),
        ("--input {d}/good.npy --out {d}/r.npy", Solved(&["r.npy"])),
        ("--input {d}/good.npy --levels 0", Solved(&[])),
        ("--nt 300000000", Fail("MiB")),
        ("--nt 1", Fail("nt")),
        ("--precision f32", Fail("precision")),
    ] {
        cases.push(case(format!("residual --backend cpu {args}"), expect));
    }
    // Bench and info.
    for (args, expect) in [
        ("bench --repeats 0", Usage("--repeats")),
        ("bench --repeats -1", Usage("--repeats")),
        ("bench --nt 1", Usage("--nt")),
        ("bench --ops nothing", Usage("--ops")),
        ("bench --cpu-only --gpu-only", Usage("--gpu-only")),
        (
            "bench --quick --cpu-only --ops copy --json {d}/no/dir/b.json",
            Fail("does not exist"),
        ),
        (
            "bench --quick --cpu-only --ops copy --repeats 1 --json {d}/b.json",
            Solved(&["b.json"]),
        ),
        ("info --json", Solved(&[])),
        ("info --bogus", Usage("--bogus")),
        ("frobnicate", Usage("frobnicate")),
    ] {
        cases.push(case(args, expect));
    }
    // Environment: adapter selection, and limits on what the process may allocate.
    cases.push(with_env(
        case(format!("solve --backend gpu {SMALL}"), Fail("WGPU_BACKEND")),
        &[("WGPU_BACKEND", "quantum")],
    ));
    cases.push(with_env(
        case(
            format!("solve --backend gpu {SMALL}"),
            Fail("WGPU_POWER_PREF"),
        ),
        &[("WGPU_POWER_PREF", "maximum")],
    ));
    cases.push(with_env(
        case(
            format!("solve --backend gpu {SMALL}"),
            Fail("WGPU_ADAPTER_NAME"),
        ),
        &[("WGPU_ADAPTER_NAME", "no-such-adapter")],
    ));
    cases.push(with_env(
        case(format!("solve --backend gpu {SMALL}"), Fail("adapter")),
        &[
            ("VK_ICD_FILENAMES", "/nonexistent.json"),
            ("VK_DRIVER_FILES", "/nonexistent.json"),
        ],
    ));
    cases.push(with_env(
        case(
            "solve --backend auto --theta 1 --mode march --nx 20001 --nt 3",
            Solved(&[]),
        ),
        &[
            ("VK_ICD_FILENAMES", "/nonexistent.json"),
            ("VK_DRIVER_FILES", "/nonexistent.json"),
        ],
    ));
    cases.push(Case {
        address_space: Some(2 << 30),
        ..case(
            "solve --backend cpu --theta 1 --nt 20000001",
            Fail("RLIMIT_AS"),
        )
    });
    cases.push(Case {
        address_space: Some(2 << 30),
        ..case(
            "solve --backend cpu --theta 1 --nt 20000001 --mode march --snapshot-every 100000",
            Solved(&[]),
        )
    });
    // The GPU path (lavapipe in CI): the same refusals in f32, and the regressions.
    for (args, expect) in [
        ("--nt 3 --nx 65537 --theta 1", Solved(&[])),
        (
            "--nt 20 --nx 100001 --theta 1 --mode march --precision f32",
            Fail("precision"),
        ),
        ("--mode march --t-t0 1e308 --theta 1 --nt 201", Fail("t_t0")),
        (
            "--precision f32 --t-x0 1e39 --theta 1 --nt 201",
            Fail("t_x0"),
        ),
        ("--precision f32 --nt 1000000 --theta 1", Fail("precision")),
        ("--beta 0.01 --mode march --theta 1 --nt 201", Fail("beta")),
        (
            "--sweep alpha=0.01:0.02:37 --theta 0.5 --nt 301 --out {d}/g.npy",
            Solved(&["g.npy"]),
        ),
        ("--sweep alpha=1e308,0.01 --theta 1 --nt 201", Fail("alpha")),
        (
            "--nt 201 --nx 5001 --theta 1 --mode march --out {d}/g.npy",
            Solved(&["g.npy"]),
        ),
        (
            "--precision f32 --nt 201 --nx 1001 --theta 0.5",
            Solved(&[]),
        ),
        (
            "--precision f32 --nt 2001 --theta 1 --mode march",
            Solved(&[]),
        ),
    ] {
        cases.push(gpu(format!("solve --backend gpu {args}"), expect));
    }
    // The other problems' folders: the same promises through their own arguments.
    for (args, expect) in [
        ("burgers --n 2", Fail("n = 2")),
        ("burgers --nu nan", Fail("nu")),
        ("burgers --nu -1", Fail("nu")),
        ("burgers --t-end inf", Fail("t_end")),
        ("burgers --a 1 --b 1", Fail("a = 1")),
        ("burgers --steps 0", Fail("steps")),
        ("burgers --tol 0", Fail("tol")),
        ("burgers --tol 1e-6 --steps 10", Usage("--tol")),
        ("burgers --n 1000000000000", Fail("n = ")),
        ("burgers --snapshot-every 0", Fail("snapshot_every")),
        ("burgers --sweep nu=0:1:3", Fail("nu")),
        (
            "burgers --sweep nu=0.01:0.02:18446744073709551615",
            Usage("COUNT"),
        ),
        ("burgers --out {d}/nodir/x.npy", Fail("out")),
        ("burgers --out {d}/keep.npy --png {d}/keep.npy", Fail("png")),
        // The steep case (cell Reynolds 2.8, Jacobian not dominant): pivoting on the CPU.
        (
            "burgers --n 32 --a 1.01 --theta 1 --steps 1 --t-end 2 --backend cpu",
            Solved(&[]),
        ),
        (
            "burgers --n 256 --steps 20 --out {d}/u.npy --png {d}/u.png",
            Solved(&["u.npy", "u.png"]),
        ),
        ("burgers --n 256 --tol 1e-5 --json", Solved(&[])),
        ("diffusion2d --n 2", Fail("ny = 2")),
        ("diffusion2d --n 100 --dt 1", Fail("r = D dt / h^2")),
        ("diffusion2d --n 100 --dt nan", Fail("dt")),
        ("diffusion2d --n 64 --d -1", Fail("D = -1")),
        ("diffusion2d --n 64 --h 0", Fail("h = 0")),
        (
            "diffusion2d --n 64 --edge nan --boundary dirichlet",
            Fail("edge"),
        ),
        ("diffusion2d --n 100000000", Fail("ny * nx")),
        ("diffusion2d --n 40000 --scheme adi --steps 1", Fail("memory")),
        ("diffusion2d --n 64 --steps 0", Usage("--steps")),
        ("diffusion2d --n 64 --threads 0", Usage("--threads")),
        ("diffusion2d --nx 64", Usage("--ny")),
        ("diffusion2d --n 64 --gif {d}/a.gif", Fail("--snapshot-every")),
        ("diffusion2d --input {d}/junk.npy", Fail("input")),
        ("diffusion2d --input {d}/huge.npy", Fail("input")),
        ("diffusion2d --input {d}/nan.npy", Fail("")),
        ("diffusion2d --n 64 --precision f32 --backend cpu", Fail("precision")),
        ("diffusion2d --n 64 --out {d}/subdir", Fail("out")),
        (
            "diffusion2d --input {d}/good.npy --steps 3 --out {d}/u.npy",
            Solved(&["u.npy"]),
        ),
        (
            "diffusion2d --n 24 --steps 10 --snapshot-every 5 --out {d}/s.npy --png {d}/s.png --gif {d}/s.gif",
            Solved(&["s.npy", "s.png", "s.gif"]),
        ),
        (
            "diffusion2d --n 24 --steps 4 --scheme adi --dt 3 --boundary dirichlet --edge -1",
            Solved(&[]),
        ),
    ] {
        cases.push(case(format!("solve {args}"), expect));
    }
    // ... and refused, naming the cell Reynolds number, by the GPU's partitioned solver.
    cases.push(gpu(
        "solve burgers --n 32 --a 1.01 --theta 1 --steps 1 --t-end 2 --backend gpu",
        Fail("cell Reynolds"),
    ));
    cases
}

/// The files every case directory starts with.
fn write_fixtures(dir: &Path) {
    use ndarray::{Array1, Array2, Array3};
    std::fs::write(dir.join("keep.npy"), b"KEEP").unwrap();
    ndarray_npy::write_npy(dir.join("good.npy"), &Array2::from_elem((101, 11), 25.0)).unwrap();
    ndarray_npy::write_npy(dir.join("f32.npy"), &Array2::<f32>::zeros((101, 11))).unwrap();
    let mut fortran = Array2::<f64>::zeros((101, 11).f());
    fortran[[0, 0]] = 1.0;
    ndarray_npy::write_npy(dir.join("fortran.npy"), &fortran).unwrap();
    ndarray_npy::write_npy(dir.join("rank3.npy"), &Array3::<f64>::zeros((2, 3, 4))).unwrap();
    let mut nan = Array2::from_elem((101, 11), 25.0);
    nan[[3, 4]] = f64::NAN;
    ndarray_npy::write_npy(dir.join("nan.npy"), &nan).unwrap();
    ndarray_npy::write_npy(dir.join("flat7.npy"), &Array1::<f64>::zeros(7)).unwrap();
    let good = std::fs::read(dir.join("good.npy")).unwrap();
    std::fs::write(dir.join("truncated.npy"), &good[..500]).unwrap();
    std::fs::write(dir.join("junk.npy"), b"hello").unwrap();
    let mut dict =
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 11), }".to_string();
    while !(10 + dict.len() + 1).is_multiple_of(64) {
        dict.push(' ');
    }
    dict.push('\n');
    let mut huge = b"\x93NUMPY\x01\x00".to_vec();
    huge.extend((dict.len() as u16).to_le_bytes());
    huge.extend(dict.as_bytes());
    huge.resize(928, 0);
    std::fs::write(dir.join("huge.npy"), huge).unwrap();
    std::fs::write(dir.join("bad.toml"), "nt = = 3\n").unwrap();
    std::fs::write(dir.join("unknown.toml"), "n_t = 3\n").unwrap();
    std::fs::write(dir.join("types.toml"), "nt = \"many\"\n").unwrap();
    std::fs::write(dir.join("neg.toml"), "nt = -3\n").unwrap();
    std::fs::write(dir.join("good.toml"), "nt = 2001\ntheta = 1.0\n").unwrap();
    std::fs::write(dir.join("big.toml"), "# padding\n".repeat(10_000)).unwrap();
    std::fs::create_dir(dir.join("subdir")).unwrap();
}

use ndarray::ShapeBuilder;

/// Names of the entries of `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn run(c: &Case, dir: &Path) -> std::process::Output {
    let args: Vec<String> = c
        .args
        .split_whitespace()
        .map(|a| {
            if a == "<empty>" {
                String::new()
            } else {
                a.replace("{d}", &dir.display().to_string())
            }
        })
        .collect();
    let mut command = Command::new(env!("CARGO_BIN_EXE_heatgpu"));
    command
        .args(&args)
        .current_dir(dir)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir());
    for (k, v) in &c.env {
        command.env(k, v);
    }
    if let Some(bytes) = c.address_space {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe and touches only the child's limits.
        unsafe {
            command.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: bytes as libc::rlim_t,
                    rlim_max: bytes as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    }
    command.output().expect("run heatgpu")
}

/// Checks one case; returns a description of what went wrong, if anything.
fn check(c: &Case, out: &std::process::Output, dir: &Path, before: &[String]) -> Option<String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    let after = listing(dir);
    let keep = std::fs::read(dir.join("keep.npy")).unwrap_or_default();
    match c.expect {
        Fail(needle) => {
            if code != Some(1) {
                return Some(format!("exit {code:?}, expected 1; stderr: {stderr}"));
            }
            if errors.len() != 1 || !errors[0].contains(needle) {
                return Some(format!(
                    "expected one error line with {needle:?}; stderr: {stderr}"
                ));
            }
            if stderr.contains("panicked") {
                return Some(format!("panic: {stderr}"));
            }
            if after != before {
                return Some(format!("files changed: {before:?} -> {after:?}"));
            }
            if keep != b"KEEP" {
                return Some("keep.npy was changed by a failed run".to_string());
            }
        }
        Usage(needle) => {
            if code != Some(2) || !stderr.contains(needle) {
                return Some(format!(
                    "expected exit 2 naming {needle:?}, got {code:?}: {stderr}"
                ));
            }
            if after != before {
                return Some(format!("files changed: {before:?} -> {after:?}"));
            }
        }
        Solved(files) => {
            if code != Some(0) {
                return Some(format!("exit {code:?}, expected success; stderr: {stderr}"));
            }
            for f in files {
                let path: PathBuf = dir.join(f);
                if !path.exists() {
                    return Some(format!("{f} was not written"));
                }
                if f.ends_with(".npy") {
                    if let Err(e) = ndarray_npy::read_npy::<_, ndarray::ArrayD<f64>>(&path) {
                        return Some(format!("{f} does not load: {e}"));
                    }
                }
            }
            if let Some(stray) = after.iter().find(|n| n.starts_with(".heatgpu-")) {
                return Some(format!("temporary file {stray} left behind"));
            }
        }
    }
    None
}

#[test]
fn every_bad_or_extreme_input_is_refused_cleanly_or_solved() {
    let have_gpu = GpuContext::for_tests().is_some();
    let print = std::env::var_os("HEATGPU_CATALOGUE_PRINT").is_some();
    let cases = catalogue();
    let (mut tried, mut failures) = (0, Vec::new());
    for c in &cases {
        if c.gpu && !have_gpu {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        write_fixtures(dir.path());
        let before = listing(dir.path());
        let out = run(c, dir.path());
        tried += 1;
        let problem = check(c, &out, dir.path(), &before);
        if print {
            let first = String::from_utf8_lossy(&out.stderr)
                .lines()
                .find(|l| l.starts_with("error:"))
                .unwrap_or("")
                .chars()
                .take(200)
                .collect::<String>();
            eprintln!(
                "{} [{:?}] {} :: {first}",
                if problem.is_none() { "ok  " } else { "FAIL" },
                out.status.code(),
                c.args
            );
        }
        if let Some(p) = problem {
            failures.push(format!("{}: {p}", c.args));
        }
    }
    eprintln!(
        "catalogue: {tried} cases tried, {} clean, {} failed",
        tried - failures.len(),
        failures.len()
    );
    assert!(tried >= 150 || !have_gpu, "the catalogue has {tried} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
