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
