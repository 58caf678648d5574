//! The command line as a user runs it: exit codes, one-line errors, JSON, .npy output.

use std::process::Command;

fn heatgpu(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_heatgpu"))
        .args(args)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .output()
        .expect("run heatgpu")
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn solve_writes_json_and_npy() {
    let path = std::env::temp_dir().join(format!("heatgpu-cli-{}.npy", std::process::id()));
    let out = heatgpu(&[
        "solve",
        "--nt",
        "201",
        "--theta",
        "1",
        "--backend",
        "cpu",
        "--json",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON summary");
    assert_eq!(summary["label"]["backend"], "cpu");
    assert_eq!(summary["label"]["precision"], "f64");
    assert_eq!(summary["report"]["converged"], "rounding-floor");
    assert!(
        summary["verification"]["residual"].as_f64().unwrap()
            <= summary["verification"]["target"].as_f64().unwrap()
    );
    assert_eq!(summary["final_level"][0], 60.0);
    let field: ndarray::Array2<f64> = ndarray_npy::read_npy(&path).expect("numpy file");
    assert_eq!(field.dim(), (201, 11));
    std::fs::remove_file(path).ok();
}

#[test]
fn bad_input_exits_non_zero_with_one_line() {
    for (args, needle) in [
        (vec!["solve", "--nx", "2"], "nx = 2"),
        (vec!["solve", "--nt", "11", "--nx", "101"], "unstable"),
        (
            vec!["solve", "--backend", "cpu", "--precision", "f32"],
            "precision",
        ),
        (
            vec!["residual", "--input", "/nonexistent.npy"],
            "/nonexistent.npy",
        ),
    ] {
        let out = heatgpu(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
        assert!(lines[0].contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn residual_reports_blocks_and_levels() {
    let out = heatgpu(&["residual", "--nt", "1001", "--backend", "cpu", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    // The users' guess satisfies the boundary and initial rows exactly.
    assert_eq!(report["blocks"]["boundary_x0"]["max"], 0.0);
    assert_eq!(report["blocks"]["energy"]["rows"], 1000 * 9);
    assert!(report["per_time"].as_array().unwrap().len() >= 2);
}

#[test]
fn info_works_and_bench_measures_every_backend() {
    let out = heatgpu(&["info", "--json"]);
    assert!(out.status.success());
    let info: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let adapters = info["adapters"].as_array().unwrap().len();

    let json = std::env::temp_dir().join(format!("heatgpu-bench-{}.json", std::process::id()));
    let out = heatgpu(&[
        "bench",
        "--ops",
        "copy,residual",
        "--nt",
        "2001",
        "--repeats",
        "1",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2 * (1 + adapters), "{rows:?}");
    for row in rows {
        assert!(row["end_to_end"]["median_s"].as_f64().unwrap() > 0.0);
        assert!(row["percent_of_copy"].as_f64().unwrap() > 0.0);
        if row["label"]["backend"] == "gpu" {
            assert!(row["gpu_speedup"].as_f64().unwrap() > 0.0);
        }
    }
    assert!(stdout(&out).contains("GPU/CPU"));
    std::fs::remove_file(json).ok();
}

#[test]
fn sweep_members_equal_single_solves() {
    let path = std::env::temp_dir().join(format!("heatgpu-sweep-{}.npy", std::process::id()));
    let common = ["--nt", "501", "--theta", "1", "--backend", "cpu", "--json"];
    let mut args = vec![
        "solve",
        "--sweep",
        "alpha=0.005,0.01,0.02",
        "--out",
        path.to_str().unwrap(),
    ];
    args.extend(common);
    let out = heatgpu(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sweep: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let stacked: ndarray::Array3<f64> = ndarray_npy::read_npy(&path).unwrap();
    assert_eq!(stacked.dim(), (3, 501, 11));
    for (member, alpha) in ["0.005", "0.01", "0.02"].iter().enumerate() {
        let mut args = vec!["solve", "--alpha", alpha, "--mode", "march"];
        args.extend(common);
        let single: serde_json::Value = serde_json::from_str(&stdout(&heatgpu(&args))).unwrap();
        for j in 0..11 {
            let a = sweep["final_levels"][member][j].as_f64().unwrap();
            let b = single["final_level"][j].as_f64().unwrap();
            assert!((a - b).abs() < 1e-10, "alpha {alpha} point {j}: {a} vs {b}");
            // serde_json parses floats to within an ulp or two, not always exactly.
            assert!((stacked[[member, 500, j]] - a).abs() <= 1e-13 * a.abs());
        }
    }
    std::fs::remove_file(path).ok();
}

/// Files in `dir` other than `keep`.
fn others(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "keep.npy")
        .collect()
}

/// Ctrl-C in the middle of a long march: exit 130, the old output untouched, no temporary file.
#[test]
fn ctrl_c_stops_cleanly_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().join("keep.npy");
    std::fs::write(&keep, b"KEEP").unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_heatgpu"))
        .args([
            "solve",
            "--backend",
            "cpu",
            "--mode",
            "march",
            "--theta",
            "1",
        ])
        .args(["--nt", "200000001", "--snapshot-every", "1000", "--out"])
        .arg(&keep)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // SAFETY: signals a child we spawned and still own.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(std::fs::read(&keep).unwrap(), b"KEEP");
    assert!(others(dir.path()).is_empty(), "{:?}", others(dir.path()));
}

/// A write that fails (the file-size limit stands in for a full disk): exit 1 naming the file,
/// the old output untouched, no temporary file.
#[test]
fn a_failed_write_keeps_the_old_file_and_leaves_no_partial_one() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().join("keep.npy");
    std::fs::write(&keep, b"KEEP").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_heatgpu"));
    command
        .args([
            "solve",
            "--backend",
            "cpu",
            "--theta",
            "1",
            "--nt",
            "100001",
            "--out",
        ])
        .arg(&keep)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir());
    // SAFETY: an async-signal-safe call on the child's own limits. SIGXFSZ keeps its default
    // disposition: the binary itself must turn the overflow into a clean write error.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 1 << 20,
                rlim_max: 1 << 20,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
            Ok(())
        });
    }
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("keep.npy"), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("error:")).count(),
        1
    );
    assert_eq!(std::fs::read(&keep).unwrap(), b"KEEP");
    assert!(others(dir.path()).is_empty(), "{:?}", others(dir.path()));
}

/// A full stderr or stdout is reported through the exit code, never a panic (exit 101).
#[test]
fn full_output_streams_do_not_panic() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let failing = Command::new(env!("CARGO_BIN_EXE_heatgpu"))
        .args(["solve", "--nx", "2"])
        .stderr(full.try_clone().unwrap())
        .status()
        .unwrap();
    assert_eq!(failing.code(), Some(1));
    let report = Command::new(env!("CARGO_BIN_EXE_heatgpu"))
        .args(["info"])
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .stdout(full)
        .status()
        .unwrap();
    assert_eq!(report.code(), Some(1));
}

/// A failed step names its cause once (no "Newton ...: Newton ...").
#[test]
fn a_failed_step_prints_its_cause_once() {
    let out = heatgpu(&[
        "solve",
        "--backend",
        "cpu",
        "--mode",
        "march",
        "--theta",
        "1",
        "--nt",
        "201",
        "--beta",
        "0.3",
        "--max-iterations",
        "1",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("Newton").count(), 1, "{stderr}");
    assert!(stderr.contains("time step 1"), "{stderr}");
}
