//! `heatgpu bench --problem`: every problem's rows run and give finite positive times (CPU at
//! the --quick sizes through the binary; CPU and GPU at tiny sizes through the library, on
//! whatever adapter exists), and bad choices are refused in one line.

use std::process::Command;

use heatgpu::bench::{run_bench, BenchOp, BenchOptions, BenchProblem, BenchReport};

fn heatgpu(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_heatgpu"))
        .args(args)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .output()
        .expect("run heatgpu")
}

fn first_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

fn assert_positive_times(rows: &[serde_json::Value], what: &str) {
    for row in rows {
        for key in ["median_s", "min_s", "max_s"] {
            let t = row["end_to_end"][key].as_f64().unwrap();
            assert!(t.is_finite() && t > 0.0, "{what}: {key} = {t} in {row}");
        }
        let gbs = row["gb_per_s"].as_f64().unwrap();
        assert!(gbs.is_finite() && gbs > 0.0, "{what}: GB/s {gbs} in {row}");
        let copy = row["percent_of_copy"].as_f64().unwrap();
        assert!(copy.is_finite() && copy > 0.0, "{what}: %copy in {row}");
        let copies = row["copy_times"].as_f64().unwrap();
        assert!(
            copies.is_finite() && copies > 0.0,
            "{what}: copies in {row}"
        );
    }
}

#[test]
fn quick_cpu_run_of_each_problem_times_its_operations() {
    let dir = std::env::temp_dir();
    for (problem, ops) in [
        (
            "heat1d",
            &[
                "copy",
                "residual",
                "newton",
                "p1-blocked",
                "p1-newton-scan",
                "march",
            ][..],
        ),
        ("burgers", &["copy", "burgers-march", "burgers-sweep"][..]),
        (
            "diffusion2d",
            &["copy", "diffusion2d-explicit", "diffusion2d-adi"][..],
        ),
    ] {
        let json = dir.join(format!(
            "heatgpu-bench-{problem}-{}.json",
            std::process::id()
        ));
        let out = heatgpu(&[
            "bench",
            "--quick",
            "--problem",
            problem,
            "--cpu-only",
            "--repeats",
            "1",
            "--json",
            json.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{problem}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        std::fs::remove_file(&json).ok();
        let rows = report["rows"].as_array().unwrap();
        for op in ops {
            assert!(
                rows.iter().any(|r| r["op"] == *op),
                "{problem}: no {op} row in {rows:?}"
            );
        }
        for row in rows {
            assert_eq!(row["problem"], problem, "{row}");
            assert_eq!(row["label"]["backend"], "cpu", "{row}");
        }
        assert_positive_times(rows, problem);
        if problem == "diffusion2d" {
            // Two sizes in --quick, each with its own copy reference.
            let sizes: Vec<_> = rows.iter().filter(|r| r["op"] == "copy").collect();
            assert_eq!(sizes.len(), 2, "{rows:?}");
        }
    }
}

#[test]
fn unknown_problem_and_foreign_operation_are_refused_in_one_line() {
    let out = heatgpu(&["bench", "--problem", "nothing"]);
    assert_eq!(out.status.code(), Some(2));
    let line = first_line(&out.stderr);
    assert!(
        line.contains("'nothing'") && line.contains("--problem"),
        "{line}"
    );

    let out = heatgpu(&["bench", "--cpu-only", "--ops", "burgers-sweep"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("--ops") && stderr.contains("heat1d"),
        "{stderr}"
    );
}

/// Every problem at sizes a software adapter runs in moments.
fn tiny(problems: Vec<BenchProblem>) -> BenchOptions {
    BenchOptions {
        problems,
        nts: vec![2001],
        batch: (8, 64),
        large_n: 4096,
        march_nx: 1024,
        burgers_n: 512,
        burgers_sweep: (4, 128),
        burgers_steps: 4,
        grid_sides: vec![64],
        grid_steps: 4,
        repeats: 1,
        ..BenchOptions::standard(true)
    }
}

fn rows_of<'a>(report: &'a BenchReport, backend: &str) -> Vec<&'a heatgpu::bench::BenchRow> {
    report
        .rows
        .iter()
        .filter(|r| r.label.backend == backend)
        .collect()
}

#[test]
fn gpu_rows_of_every_problem_at_tiny_sizes() {
    if heatgpu::gpu::GpuContext::for_tests().is_none() {
        eprintln!("no GPU adapter: GPU bench rows not checked");
        return;
    }
    let options = tiny(vec![
        BenchProblem::Heat1d,
        BenchProblem::Burgers,
        BenchProblem::Diffusion2d,
    ]);
    let report = run_bench(&options, &mut |_| {}).unwrap();
    let cpu = rows_of(&report, "cpu");
    let gpu = rows_of(&report, "gpu");
    // Every operation has a CPU row; each adapter times every one of them too.
    let ops = heatgpu::bench::operations_of(&options);
    assert_eq!(cpu.len(), ops.len() + 2, "{:?}", report.rows); // and the copies of burgers and 2D
    assert_eq!(gpu.len() % cpu.len(), 0, "{:?}", report.rows);
    for row in &report.rows {
        let t = row.end_to_end.median_s;
        assert!(t.is_finite() && t > 0.0, "{row:?}");
        assert!(row.gb_per_s.is_finite() && row.gb_per_s > 0.0, "{row:?}");
    }
    for row in gpu {
        let speedup = row.gpu_speedup.unwrap();
        assert!(speedup.is_finite() && speedup > 0.0, "{row:?}");
        if matches!(row.op, BenchOp::P1Blocked | BenchOp::P1NewtonScan) {
            assert!(row.check.is_some(), "{row:?}");
        }
    }
}
