//! `heatgpu solve burgers`: viscous Burgers (P3) from the command line.
//!
//! Inputs are validated (values, combinations, output paths) before anything is allocated; the
//! field goes to `--out` as `.npy` (kept levels x n; a sweep: members x levels x n) with the
//! times beside it (`NAME.times.npy`), a PNG x-t heat map to `--png`; outputs are written to
//! temporary files renamed when the run has succeeded. The report says what was solved, where,
//! how (steps, Newton iterations, adaptive step sizes), its verification and its error against
//! Cole-Hopf at `t_end`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use ndarray::{Array1, Array2};
use serde_json::json;

use crate::backend::Compute;
use crate::cli::report::{emit, format_row, note, say};
use crate::cli::ComputeArgs;
use crate::error::Error;
use crate::memory::{bytes_for, ensure_fits};
use crate::output::Outputs;

use super::exact::cole_hopf_level;
use super::params::{Burgers1D, Stepping};
use super::select::select_compute;
use super::solve::{kept_times, solve_cpu, solve_gpu, BurgersReport};
use super::sweep::BurgersSweep;

/// Steps when neither --steps nor --tol is given.
pub const DEFAULT_STEPS: usize = 100;
pub use super::select::GPU_MIN_UNKNOWNS;

/// Arguments of `heatgpu solve burgers`.
#[derive(Args, Debug, Clone)]
// Negative values parse without `=` (`--edge -1`); validation names the parameter.
#[command(allow_negative_numbers = true)]
pub struct BurgersArgs {
    /// Grid points on [0, 2 pi) (dx = 2 pi / n, periodic).
    #[arg(long, default_value_t = 1024)]
    pub n: usize,
    /// Viscosity.
    #[arg(long, default_value_t = 0.05, allow_negative_numbers = true)]
    pub nu: f64,
    /// Cole-Hopf initial level u = 2 nu k b sin(kx) / (a + b cos(kx)), a > b > 0.
    #[arg(long, default_value_t = 1.05, allow_negative_numbers = true)]
    pub a: f64,
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub b: f64,
    /// Wavenumber of the initial level.
    #[arg(long, default_value_t = 1)]
    pub k: u32,
    /// End time.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub t_end: f64,
    /// Fixed theta steps (default 100).
    #[arg(long, conflicts_with = "tol")]
    pub steps: Option<usize>,
    /// Adaptive TR-BDF2 steps, global error target (max-norm, units of u); CPU only.
    #[arg(long, allow_negative_numbers = true)]
    pub tol: Option<f64>,
    /// Time weighting of fixed steps: 0.5 Crank-Nicolson, 1 backward Euler.
    #[arg(
        long,
        default_value_t = 0.5,
        allow_negative_numbers = true,
        conflicts_with = "tol"
    )]
    pub theta: f64,
    /// Keep every k-th level (adaptive: every k-th accepted step) and the last.
    #[arg(long, default_value_t = 1, value_name = "K")]
    pub snapshot_every: usize,
    /// Members at once differing in one parameter: PARAM=START:END:COUNT or PARAM=V1,V2,...
    /// (PARAM: nu, a, b); fixed steps.
    #[arg(long, value_name = "PARAM=RANGE")]
    pub sweep: Option<BurgersSweep>,
    /// The kept levels as .npy (levels x n; with --sweep members x levels x n), and their
    /// times as NAME.times.npy.
    #[arg(long, value_name = "FILE.npy")]
    pub out: Option<PathBuf>,
    /// A heat map of u(x, t) (time down, space across) as PNG.
    #[arg(long, value_name = "FILE.png")]
    pub png: Option<PathBuf>,
    /// Print a machine-readable summary instead of text.
    #[arg(long)]
    pub json: bool,
    /// --backend and --precision (auto: the problem's cost model, said in one line).
    #[command(flatten)]
    pub compute: ComputeArgs,
}

impl BurgersArgs {
    /// The problem the flags describe (not yet validated).
    pub fn problem(&self) -> Burgers1D {
        let stepping = match self.tol {
            Some(tol) => Stepping::Adaptive { tol },
            None => Stepping::Fixed {
                steps: self.steps.unwrap_or(DEFAULT_STEPS),
            },
        };
        Burgers1D {
            n: self.n,
            nu: self.nu,
            a: self.a,
            b: self.b,
            k: self.k,
            t_end: self.t_end,
            theta: self.theta,
            stepping,
        }
    }
}

/// `NAME.npy` -> `NAME.times.npy`.
fn times_path(out: &Path) -> PathBuf {
    let stem = out.file_stem().unwrap_or_default().to_string_lossy();
    out.with_file_name(format!("{stem}.times.npy"))
}

/// Runs `heatgpu solve burgers`.
pub fn run(args: &BurgersArgs) -> anyhow::Result<()> {
    let base = args.problem();
    base.validate()?;
    crate::solver::march::check_snapshot_every(args.snapshot_every)?;
    let members = match &args.sweep {
        Some(sweep) => sweep.members(&base)?,
        None => vec![base.clone()],
    };
    if members.len() > 1 && args.png.is_some() {
        return Err(Error::invalid(
            "png",
            args.png.as_deref().unwrap_or(Path::new("")).display(),
            "draws one field; a sweep's members go to --out (members x levels x n)",
        )
        .into());
    }
    let mut outputs = Outputs::new();
    let out = outputs.reserve_opt("out", args.out.as_deref())?;
    let times_out = match &args.out {
        Some(path) => Some(outputs.reserve("out", &times_path(path))?),
        None => None,
    };
    let png = outputs.reserve_opt("png", args.png.as_deref())?;
    let (compute, notice) = select_compute(args.compute.backend, args.compute.precision, &members)?;
    if let Some(notice) = notice {
        note(&notice);
    }

    // Kept levels: streamed row by row to a fixed-step .npy; held in memory for a PNG or an
    // adaptive run (whose number of levels is known only at the end).
    let known_times = kept_times(&base, args.snapshot_every);
    let hold = png.is_some() || (out.is_some() && known_times.is_none());
    if hold {
        let levels = known_times.as_ref().map_or(1 << 12, Vec::len);
        ensure_fits(
            "kept levels (for --png or an adaptive --out)",
            bytes_for(levels.saturating_mul(base.n), 8),
            "raise --snapshot-every",
        )?;
    }
    let mut file = match (out, &known_times) {
        (Some(slot), Some(times)) if !hold => {
            let shape = if members.len() == 1 {
                vec![times.len(), base.n]
            } else {
                vec![members.len(), times.len(), base.n]
            };
            Some(outputs.npy_rows(slot, &shape)?)
        }
        _ => None,
    };
    let mut held: Vec<f64> = Vec::new();
    let kept_count = known_times.as_ref().map_or(0, Vec::len);
    let mut last = vec![Vec::new(); members.len()];
    let mut sink = |member: usize, kept: usize, _t: f64, level: &[f64]| {
        last[member].clear();
        last[member].extend_from_slice(level);
        if hold {
            held.extend_from_slice(level);
        }
        match &mut file {
            Some(f) => f.write_row(member * kept_count + kept, level),
            None => Ok(()),
        }
    };
    let start = std::time::Instant::now();
    let (report, f32_bound) = match compute {
        Compute::Cpu => (solve_cpu(&members, args.snapshot_every, &mut sink)?, None),
        Compute::Gpu(ctx) => solve_gpu(*ctx, &members, args.snapshot_every, &mut sink)?,
    };
    let elapsed = start.elapsed();
    if let Some(f) = file.take() {
        f.finish()?;
    }
    drop(file);
    let levels = report.times.len();
    if hold {
        let field = Array2::from_shape_vec((levels, base.n), held)
            .context("kept levels do not form a field")?;
        if let Some(slot) = out {
            outputs.write_npy(slot, &field)?;
        }
        if let Some(slot) = png {
            let title = format!(
                "u(x, t): Burgers, n = {}, nu = {}, a = {}, b = {}, {}",
                base.n, base.nu, base.a, base.b, report.label.backend
            );
            crate::plot::heat_map_png(
                outputs.temp_path(slot),
                &field,
                &report.times,
                2.0 * std::f64::consts::PI,
                &title,
            )?;
        }
    }
    if let Some(slot) = times_out {
        outputs.write_npy(slot, &Array1::from(report.times.clone()))?;
    }
    outputs.commit()?;
    let errors: Vec<f64> = members
        .iter()
        .zip(&last)
        .map(|(p, u)| cole_hopf_error(p, u))
        .collect();
    print_report(
        args,
        &members,
        &report,
        f32_bound.as_ref(),
        &errors,
        &last,
        elapsed,
    )
}

/// Max-norm distance of `u` from Cole-Hopf at `t_end`.
fn cole_hopf_error(p: &Burgers1D, u: &[f64]) -> f64 {
    let mut exact = vec![0.0; p.n];
    cole_hopf_level(p, p.t_end, &mut exact);
    u.iter()
        .zip(&exact)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

fn print_report(
    args: &BurgersArgs,
    members: &[Burgers1D],
    report: &BurgersReport,
    f32_bound: Option<&super::gpu::F32Bound>,
    errors: &[f64],
    last: &[Vec<f64>],
    elapsed: std::time::Duration,
) -> anyhow::Result<()> {
    let p = &members[0];
    let mut text = String::new();
    if args.json {
        let summary = json!({
            "problem": p,
            "sweep": args.sweep,
            "report": report,
            "f32_error_bound": f32_bound,
            "cole_hopf_error": errors,
            "cell_reynolds": p.cell_reynolds(),
            "elapsed_s": elapsed.as_secs_f64(),
            "final_levels": if members.len() <= 4 { Some(last) } else { None },
            "out": args.out,
            "png": args.png,
        });
        say!(text, "{}", serde_json::to_string_pretty(&summary)?);
        return emit(&text);
    }
    say!(text, "backend    {}", report.label);
    say!(
        text,
        "problem    Burgers, n = {}, dx = {:.4e}, nu = {}, a = {}, b = {}, k = {}, t_end = {}, \
         max|u0| = {:.4e}, cell Reynolds = {:.3}",
        p.n,
        p.dx(),
        p.nu,
        p.a,
        p.b,
        p.k,
        p.t_end,
        p.max_velocity(),
        p.cell_reynolds()
    );
    if let Some(sweep) = &args.sweep {
        say!(
            text,
            "sweep      {} = {} members from {} to {}",
            sweep.param,
            sweep.values.len(),
            sweep.values[0],
            sweep.values[sweep.values.len() - 1]
        );
    }
    match &report.step_control {
        Some(control) => {
            let (h_min, h_max) = control.step_range();
            say!(
                text,
                "steps      adaptive TR-BDF2, tol = {:e}: {} accepted, {} rejected, {} failed \
                 solves, h from {h_min:.3e} to {h_max:.3e}; {} Newton iterations",
                control.tol,
                control.accepted,
                control.rejected,
                control.failed_solves,
                report.newton_iterations
            );
        }
        None => say!(
            text,
            "steps      {} theta steps (theta = {}, dt = {:.4e}, Courant {:.3}); {} Newton \
             iterations (at most {} per step)",
            report.steps,
            p.theta,
            p.t_end / report.steps as f64,
            p.courant(p.t_end / report.steps as f64),
            report.newton_iterations,
            report.max_iterations_per_step
        ),
    }
    let v = &report.verification;
    say!(
        text,
        "verified   |G|_scaled = {:.3e} <= target {:.3e} (rounding floor {:.3e}; {})",
        v.residual,
        v.target,
        v.floor,
        v.evaluated
    );
    if let Some(bound) = f32_bound {
        say!(
            text,
            "f32 error  at most {:.3e} from the f64 solution ({:.2e} relative, a-priori bound)",
            bound.absolute,
            bound.relative
        );
    }
    let worst = errors.iter().copied().fold(0.0, f64::max);
    say!(
        text,
        "exact      max |u - Cole-Hopf| at t_end = {worst:.3e}"
    );
    say!(text, "time       {:.3} s", elapsed.as_secs_f64());
    for (member, u) in members.iter().zip(last).take(4) {
        say!(
            text,
            "u(x, t_end) [nu = {}, a = {}, b = {}] = {}",
            member.nu,
            member.a,
            member.b,
            format_row(u)
        );
    }
    if let Some(path) = &args.out {
        say!(
            text,
            "wrote      {} ({}{} x {} f64) and {}",
            path.display(),
            if members.len() > 1 {
                format!("{} x ", members.len())
            } else {
                String::new()
            },
            report.times.len(),
            p.n,
            times_path(path).display()
        );
    }
    if let Some(path) = &args.png {
        say!(text, "wrote      {}", path.display());
    }
    emit(&text)
}
