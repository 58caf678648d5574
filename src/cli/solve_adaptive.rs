//! `heatgpu solve [heat1d] --mode march --tol E`: P1 marched with adaptive TR-BDF2 steps
//! ([`crate::problems::heat1d::adaptive`]), on the CPU. Outputs: `--out` the kept levels (rows
//! at accepted step times) and `NAME.times.npy` their times; `--png` the heat map.

use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::{Array1, Array2};
use serde_json::json;

use crate::backend::Backend;
use crate::error::Error;
use crate::memory::{bytes_for, ensure_fits};
use crate::output::Outputs;
use crate::precision::Precision;
use crate::problems::heat1d::adaptive::{
    check_options, check_problem, solve_adaptive, AdaptiveOptions,
};
use crate::problems::heat1d::params::Heat1D;
use crate::problems::heat1d::solve::Mode;

use super::report::{emit, format_row, note, say, DelayedProgress};
use super::solve::Heat1dArgs;

/// `NAME.npy` -> `NAME.times.npy`.
fn times_path(out: &Path) -> PathBuf {
    let stem = out.file_stem().unwrap_or_default().to_string_lossy();
    out.with_file_name(format!("{stem}.times.npy"))
}

/// Refusals of flags that mean nothing with adaptive steps, each in one line.
fn check_flags(args: &Heat1dArgs, tol: f64) -> Result<(), Error> {
    if args.mode != Mode::March {
        return Err(Error::invalid(
            "tol",
            tol,
            "chooses the steps of a march: use it with --mode march (the all-at-once solve \
             has the nt levels it is given)",
        ));
    }
    if args.sweep.is_some() {
        return Err(Error::invalid(
            "tol",
            tol,
            "a sweep marches all members with the same fixed steps: drop --tol or --sweep",
        ));
    }
    if let Some(nt) = args.problem.nt {
        return Err(Error::invalid(
            "nt",
            nt,
            "fixes the steps; --tol chooses them (TR-BDF2): give one of the two",
        ));
    }
    if let Some(theta) = args.problem.theta {
        return Err(Error::invalid(
            "theta",
            theta,
            "picks a fixed-step theta scheme; --tol steps with TR-BDF2: give one of the two",
        ));
    }
    if let Some(rtol) = args.newton.rtol {
        return Err(Error::invalid(
            "rtol",
            rtol,
            "is relative to a solve's first residual; adaptive stages stop at 1e-3 tol (raise \
             it with --atol)",
        ));
    }
    match (args.compute.backend, args.compute.precision) {
        (Backend::Gpu, _) => Err(Error::invalid(
            "backend",
            "gpu",
            "adaptive steps (--tol) run on the CPU; use --nt for the GPU march",
        )),
        (_, Some(Precision::F32)) => Err(Error::invalid(
            "precision",
            "f32",
            "adaptive steps (--tol) run on the CPU in f64",
        )),
        _ => Ok(()),
    }
}

/// Rows of the heat map: adaptive steps crowd where the solution changes fast, and the map
/// spreads its rows evenly, so it is drawn from the kept level nearest to each of
/// [`PICTURE_ROWS`] evenly spaced times (labelled with the kept levels' own times; no
/// interpolation).
pub const PICTURE_ROWS: usize = 256;

fn evenly_in_time(field: &Array2<f64>, times: &[f64]) -> anyhow::Result<(Array2<f64>, Vec<f64>)> {
    let nx = field.ncols();
    ensure_fits(
        "heat map rows",
        bytes_for(PICTURE_ROWS, nx * 8),
        "drop --png",
    )?;
    let t_end = times[times.len() - 1];
    let picked: Vec<usize> = (0..PICTURE_ROWS)
        .map(|r| {
            let t = t_end * r as f64 / (PICTURE_ROWS - 1) as f64;
            let after = times.partition_point(|&s| s < t).min(times.len() - 1);
            match after {
                0 => 0,
                k if t - times[k - 1] < times[k] - t => k - 1,
                k => k,
            }
        })
        .collect();
    let rows = Array2::from_shape_fn((PICTURE_ROWS, nx), |(r, j)| field[[picked[r], j]]);
    Ok((rows, picked.iter().map(|&k| times[k]).collect()))
}

pub(super) fn run(args: &Heat1dArgs, problem: &Heat1D, tol: f64) -> anyhow::Result<()> {
    check_flags(args, tol)?;
    let options = AdaptiveOptions {
        newton: args.newton.options(),
        snapshot_every: args.snapshot_every,
        ..AdaptiveOptions::new(tol)
    };
    check_problem(problem)?;
    check_options(problem, &options)?;
    let mut outputs = Outputs::new();
    let out = outputs.reserve_opt("out", args.out.as_deref())?;
    let times_out = match &args.out {
        Some(path) => Some(outputs.reserve("out", &times_path(path))?),
        None => None,
    };
    let png = outputs.reserve_opt("png", args.png.as_deref())?;
    if args.compute.backend == Backend::Auto {
        note("auto: CPU: adaptive steps run on the CPU");
    }
    let mut progress = DelayedProgress::new("per-mille of t_max");
    let start = Instant::now();
    let solution = solve_adaptive(problem, &options, &mut |done, total| {
        progress.update(done, total)
    })?;
    let elapsed = start.elapsed();
    drop(progress);
    if let Some(slot) = out {
        outputs.write_npy(slot, &solution.field)?;
    }
    if let Some(slot) = times_out {
        outputs.write_npy(slot, &Array1::from(solution.times.clone()))?;
    }
    if let Some(slot) = png {
        let title = format!(
            "T(x, t): nx = {}, adaptive TR-BDF2, tol = {tol:e}",
            problem.nx
        );
        let (field, times) = evenly_in_time(&solution.field, &solution.times)?;
        crate::plot::heat_map_png(
            outputs.temp_path(slot),
            &field,
            &times,
            problem.x_max,
            &title,
        )?;
    }
    outputs.commit()?;
    let control = &solution.report.step_control;
    let (h_min, h_max) = control.step_range();
    let last = solution.field.row(solution.field.nrows() - 1).to_vec();
    let v = &solution.verification;
    let mut text = String::new();
    if args.json {
        let summary = json!({
            "problem": problem,
            "unused": ["nt", "theta"],
            "label": solution.label,
            "mode": "march-adaptive",
            "dx": problem.dx(),
            "report": solution.report,
            "accepted": control.accepted,
            "rejected": control.rejected,
            "failed_solves": control.failed_solves,
            "smallest_step": h_min,
            "largest_step": h_max,
            "verification": v,
            "elapsed_s": elapsed.as_secs_f64(),
            "levels_kept": solution.times.len(),
            "times": solution.times,
            "final_level": last,
            "out": args.out,
            "times_out": args.out.as_deref().map(times_path),
            "png": args.png,
        });
        say!(text, "{}", serde_json::to_string_pretty(&summary)?);
        return emit(&text);
    }
    say!(text, "backend    {}", solution.label);
    say!(
        text,
        "problem    nx = {}, dx = {:.4e}, t_max = {:?}, alpha = {:?}, beta = {:?} (nt and theta \
         unused: steps chosen adaptively)",
        problem.nx,
        problem.dx(),
        problem.t_max,
        problem.alpha,
        problem.beta
    );
    say!(
        text,
        "steps      adaptive TR-BDF2, tol = {tol:e}: {} accepted, {} rejected, {} failed solves, \
         h from {h_min:.3e} to {h_max:.3e}; {} Newton iterations in {} stage solves",
        control.accepted,
        control.rejected,
        control.failed_solves,
        solution.report.stages.newton_iterations,
        solution.report.stages.stage_solves
    );
    say!(
        text,
        "verified   |F|_scaled = {:.3e} <= target {:.3e} (rounding floor {:.3e}; {})",
        v.residual,
        v.target,
        v.floor,
        v.evaluated
    );
    say!(text, "time       {:.3} s", elapsed.as_secs_f64());
    say!(text, "T(x, t_max) = {}", format_row(&last));
    if let Some(path) = &args.out {
        let (rows, cols) = solution.field.dim();
        say!(
            text,
            "wrote      {} ({rows} x {cols} f64, rows at accepted step times) and {}",
            path.display(),
            times_path(path).display()
        );
    }
    if let Some(path) = &args.png {
        say!(text, "wrote      {}", path.display());
    }
    emit(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picture_rows_are_the_kept_levels_nearest_to_even_times() {
        // Kept levels crowded early: t = 0, 0.1, 0.2, 0.3, 10.
        let times = [0.0, 0.1, 0.2, 0.3, 10.0];
        let field = Array2::from_shape_fn((5, 3), |(i, j)| (10 * i + j) as f64);
        let (rows, labels) = evenly_in_time(&field, &times).unwrap();
        assert_eq!(rows.dim(), (PICTURE_ROWS, 3));
        assert_eq!((labels[0], labels[PICTURE_ROWS - 1]), (0.0, 10.0));
        for (r, label) in labels.iter().enumerate() {
            let t = 10.0 * r as f64 / (PICTURE_ROWS - 1) as f64;
            let nearest = times
                .iter()
                .copied()
                .min_by(|a, b| (a - t).abs().total_cmp(&(b - t).abs()))
                .unwrap();
            assert_eq!(*label, nearest, "row {r} at t = {t}");
            let k = times.iter().position(|&s| s == nearest).unwrap();
            assert_eq!(rows.row(r), field.row(k));
        }
        // Rows after t = 5.15 (halfway from 0.3 to 10) show the last level.
        assert_eq!(labels.iter().filter(|&&l| l == 10.0).count(), 124);
    }
}
