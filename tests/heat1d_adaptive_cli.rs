//! `heatgpu solve [heat1d] --mode march --tol E` as a user runs it: the JSON report (counts,
//! step range, step-size history), the .npy field and its times, the text report, and the
//! one-line refusals of flags that mean nothing with adaptive steps.

use std::path::PathBuf;
use std::process::Command;

fn heatgpu(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_heatgpu"))
        .args(args)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .output()
        .expect("run heatgpu")
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("heatgpu-adaptive-{}-{name}", std::process::id()))
}

#[test]
fn json_report_npy_and_times() {
    let out = temp("field.npy");
    let run = heatgpu(&[
        "solve",
        "heat1d",
        "--mode",
        "march",
        "--tol",
        "1e-3",
        "--beta",
        "0.02",
        "--snapshot-every",
        "10",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("auto: CPU: adaptive steps run on the CPU"),
        "{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).expect("JSON summary");
    let control = &summary["report"]["step_control"];
    let accepted = summary["accepted"].as_u64().unwrap() as usize;
    assert_eq!(control["accepted"].as_u64().unwrap() as usize, accepted);
    assert!(summary["rejected"].as_u64().is_some());
    let sizes: Vec<f64> = control["step_sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_f64().unwrap())
        .collect();
    assert_eq!(sizes.len(), accepted);
    assert!((sizes.iter().sum::<f64>() - 25.0).abs() < 1e-9);
    let (lo, hi) = (
        summary["smallest_step"].as_f64().unwrap(),
        summary["largest_step"].as_f64().unwrap(),
    );
    assert_eq!(lo, sizes.iter().copied().fold(f64::INFINITY, f64::min));
    assert_eq!(hi, sizes.iter().copied().fold(0.0, f64::max));
    assert!(lo < hi);
    assert!(
        summary["verification"]["residual"].as_f64().unwrap()
            <= summary["verification"]["target"].as_f64().unwrap()
    );
    let field: ndarray::Array2<f64> = ndarray_npy::read_npy(&out).unwrap();
    let times_path = temp("field.times.npy");
    let times: ndarray::Array1<f64> = ndarray_npy::read_npy(&times_path).unwrap();
    let kept = 1 + accepted.div_ceil(10);
    assert_eq!(field.dim(), (kept, 11));
    assert_eq!(times.len(), kept);
    assert_eq!((times[0], times[kept - 1]), (0.0, 25.0));
    assert_eq!(field[[kept - 1, 0]], 60.0);
    std::fs::remove_file(out).ok();
    std::fs::remove_file(times_path).ok();
}

#[test]
fn plain_solve_takes_tol_reports_in_text_and_draws() {
    let run = heatgpu(&[
        "solve",
        "--mode",
        "march",
        "--tol",
        "1e-4",
        "--backend",
        "cpu",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("adaptive TR-BDF2, tol = 1e-4"), "{text}");
    assert!(
        text.contains("accepted") && text.contains("rejected"),
        "{text}"
    );
    assert!(text.contains("verified"), "{text}");
}

#[test]
fn meaningless_combinations_are_refused_in_one_line() {
    for (args, needle) in [
        (vec!["solve", "--tol", "1e-3"], "--mode march"),
        (
            vec!["solve", "heat1d", "--mode", "all-at-once", "--tol", "1e-3"],
            "--mode march",
        ),
        (
            vec!["solve", "--mode", "march", "--tol", "1e-3", "--nt", "101"],
            "nt = 101",
        ),
        (
            vec!["solve", "--mode", "march", "--tol", "1e-3", "--theta", "1"],
            "theta = 1",
        ),
        (vec!["solve", "--mode", "march", "--tol", "-1"], "tol = -1"),
        (
            vec![
                "solve",
                "--mode",
                "march",
                "--tol",
                "1e-3",
                "--backend",
                "gpu",
            ],
            "backend",
        ),
        (
            vec![
                "solve",
                "--mode",
                "march",
                "--tol",
                "1e-3",
                "--sweep",
                "alpha=0.01,0.02",
            ],
            "sweep",
        ),
        (
            vec![
                "solve",
                "--mode",
                "march",
                "--tol",
                "1e-3",
                "--snapshot-every",
                "0",
            ],
            "snapshot_every",
        ),
    ] {
        let run = heatgpu(&args);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
}
