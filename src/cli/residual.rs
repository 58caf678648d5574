//! `heatgpu residual`: the P1 residual of the users' initial guess or of a `.npy` field, with
//! its norms per block and per time level, and the time one evaluation takes.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;

use crate::backend::ComputeLabel;
use crate::input::read_field;
use crate::memory::{bytes_for, ensure_fits};
use crate::output::Outputs;
use crate::problems::heat1d::gpu::session::GpuHeatSession;
use crate::problems::heat1d::kernels::{heat_residual_par, HeatParams};
use crate::problems::heat1d::solve::{Compute, Mode, WorkShape};

use super::args::{ComputeArgs, ProblemArgs};
use super::report::{emit, print_problem, say};

#[derive(Args, Debug)]
pub struct ResidualArgs {
    #[command(flatten)]
    pub problem: ProblemArgs,
    #[command(flatten)]
    pub compute: ComputeArgs,
    /// Field to evaluate: (nt, nx) or flat nt*nx f64 .npy; nt and nx follow a 2-D array's shape.
    #[arg(long, value_name = "FILE.npy")]
    pub input: Option<PathBuf>,
    /// Write the residual vector (nt*nx, f64) as .npy.
    #[arg(long, value_name = "FILE.npy")]
    pub out: Option<PathBuf>,
    /// Time levels listed in the per-time table.
    #[arg(long, default_value_t = 8, allow_negative_numbers = true)]
    pub levels: usize,
    #[arg(long)]
    pub json: bool,
}

/// Max-norm and 2-norm of a block of the residual.
fn block_norms(r: &[f64]) -> serde_json::Value {
    let max = r.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    let l2 = r.iter().map(|x| x * x).sum::<f64>().sqrt();
    json!({ "rows": r.len(), "max": max, "l2": l2 })
}

/// Residual evaluations timed by `heatgpu residual` (the median is reported).
const RESIDUAL_REPEATS: usize = 5;

/// Median wall time of `RESIDUAL_REPEATS` runs of `f` (the first run faults pages in too).
fn median_time(mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    let mut times = Vec::with_capacity(RESIDUAL_REPEATS);
    for _ in 0..RESIDUAL_REPEATS {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed());
    }
    times.sort_unstable();
    Ok(times[RESIDUAL_REPEATS / 2])
}

pub fn run(args: &ResidualArgs) -> anyhow::Result<()> {
    let mut out = String::new();
    let mut problem = args.problem.problem()?;
    problem.validate()?;
    // The field and the residual, plus (GPU) the session's host copies.
    let per_value = 8 + 16;
    let v = match &args.input {
        Some(path) => {
            let field = read_field("input", path, per_value)?;
            if let Some((nt, nx)) = field.shape_2d {
                (problem.nt, problem.nx) = (nt, nx);
                problem.validate()?;
            }
            field.values
        }
        None => {
            ensure_fits(
                "the residual of the initial guess",
                bytes_for(problem.unknowns(), 8 + per_value),
                "use fewer levels",
            )?;
            problem.initial_guess()
        }
    };
    problem.check_field("input", &v)?;
    let mut outputs = Outputs::new();
    let out_slot = outputs.reserve_opt("out", args.out.as_deref())?;
    let layout = problem.layout();
    let compute = args.compute.select(
        &WorkShape::of(&problem, Mode::AllAtOnce, 1),
        std::slice::from_ref(&problem),
    )?;
    let mut r = vec![0.0; problem.unknowns()];
    let (label, how, elapsed) = match compute {
        Compute::Cpu => {
            let params = HeatParams::new(&problem);
            let elapsed = median_time(|| {
                heat_residual_par(&params, &v, &mut r);
                Ok(())
            })?;
            let threads = rayon::current_num_threads();
            (
                ComputeLabel::cpu(),
                format!("preallocated output, {threads} threads"),
                elapsed,
            )
        }
        Compute::Gpu(ctx) => {
            let mut session = GpuHeatSession::new(*ctx, &problem, &v)?;
            let elapsed = median_time(|| Ok(session.residual_into(&mut r)?))?;
            (
                session.label(),
                "end to end: dispatch, download, reorder".to_string(),
                elapsed,
            )
        }
    };

    let energy = &r[layout.energy_start()..];
    let blocks = json!({
        "boundary_x0": block_norms(&r[..problem.nt]),
        "boundary_xl": block_norms(&r[problem.nt..2 * problem.nt]),
        "initial": block_norms(&r[2 * problem.nt..layout.energy_start()]),
        "energy": block_norms(energy),
    });
    // Energy rows of a few evenly spaced levels and of the worst level.
    let m = layout.interior();
    let level_max = |i: usize| {
        energy[i * m..(i + 1) * m]
            .iter()
            .fold(0.0_f64, |a, x| a.max(x.abs()))
    };
    let levels = problem.nt - 1;
    let worst = (0..levels)
        .max_by(|&a, &b| level_max(a).total_cmp(&level_max(b)))
        .unwrap_or(0);
    let mut shown: Vec<usize> = (0..args.levels.min(levels))
        .map(|k| k * levels / args.levels.min(levels).max(1))
        .collect();
    shown.push(worst);
    shown.sort_unstable();
    shown.dedup();
    let energy_scale = HeatParams::new(&problem).energy_scale;
    let per_time: Vec<_> = shown
        .iter()
        .map(|&i| json!({ "level": i, "t": i as f64 * problem.dt(), "energy_max": level_max(i), "energy_max_scaled": level_max(i) * energy_scale }))
        .collect();
    if let Some(slot) = out_slot {
        outputs.write_npy(slot, &ndarray::aview1(&r))?;
    }
    outputs.commit()?;
    if args.json {
        let summary = json!({
            "problem": problem,
            "label": label,
            "residual_ms": elapsed.as_secs_f64() * 1e3,
            "timing": how,
            "blocks": blocks,
            "per_time": per_time,
            "worst_level": worst,
        });
        say!(out, "{}", serde_json::to_string_pretty(&summary)?);
        return emit(&out);
    }
    print_problem(&mut out, &problem, &label);
    say!(
        out,
        "residual   {:.2} ms for {} rows (median of {RESIDUAL_REPEATS}, {how})",
        elapsed.as_secs_f64() * 1e3,
        r.len()
    );
    say!(
        out,
        "{:<12} {:>10} {:>14} {:>14}",
        "block",
        "rows",
        "max |r|",
        "|r|_2"
    );
    for name in ["boundary_x0", "boundary_xl", "initial", "energy"] {
        let b = &blocks[name];
        say!(
            out,
            "{name:<12} {:>10} {:>14.6e} {:>14.6e}",
            b["rows"].as_u64().unwrap_or(0),
            b["max"].as_f64().unwrap_or(f64::NAN),
            b["l2"].as_f64().unwrap_or(f64::NAN)
        );
    }
    say!(out, "energy rows per time level (worst level {worst}):");
    say!(
        out,
        "{:>10} {:>12} {:>14} {:>14}",
        "level",
        "t",
        "max |r|",
        "max |r|*scale"
    );
    for row in &per_time {
        say!(
            out,
            "{:>10} {:>12.6} {:>14.6e} {:>14.6e}",
            row["level"].as_u64().unwrap_or(0),
            row["t"].as_f64().unwrap_or(f64::NAN),
            row["energy_max"].as_f64().unwrap_or(f64::NAN),
            row["energy_max_scaled"].as_f64().unwrap_or(f64::NAN)
        );
    }
    if let Some(path) = &args.out {
        say!(out, "wrote      {} ({} f64)", path.display(), r.len());
    }
    emit(&out)
}
