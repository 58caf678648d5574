//! `heatgpu solve`: the space-time heat system (all-at-once or marched), or a sweep of members.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::error::Error;
use crate::memory::ensure_fits;
use crate::output::Outputs;
use crate::problems::burgers1d::cli::BurgersArgs;
use crate::problems::diffusion2d::cli::Diffusion2dArgs;
use crate::problems::heat1d::params::Heat1D;
use crate::problems::heat1d::solve::{
    host_bytes_needed, linear_march, linear_march_host_bytes, solve, Mode, SolveOptions,
    SolveReport, WorkShape,
};
use crate::problems::heat1d::sweep::Sweep;
use crate::solver::march::kept_level_count;

use super::args::{ComputeArgs, NewtonArgs, ProblemArgs};
use super::report::{emit, format_row, note, print_problem, say, DelayedProgress};

/// `heatgpu solve [PROBLEM]`: the users' P1 heat problem by default (`heat1d` names it), or
/// another problem's folder with its own arguments.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SolveArgs {
    #[command(subcommand)]
    pub problem: Option<SolveProblem>,
    #[command(flatten)]
    pub heat1d: Heat1dArgs,
}

/// The problems `heatgpu solve` knows, one folder each under `src/problems/`.
#[derive(Subcommand, Debug)]
pub enum SolveProblem {
    /// P1: the 1D heat equation as one space-time system (the default problem).
    Heat1d(Heat1dArgs),
    /// P3: viscous Burgers' equation, periodic, implicit theta steps or adaptive TR-BDF2.
    Burgers(BurgersArgs),
    /// P2: 2D diffusion on an ny x nx grid, explicit or ADI, periodic or Dirichlet.
    Diffusion2d(Diffusion2dArgs),
}

/// `heatgpu solve heat1d` (and plain `heatgpu solve`): the space-time heat system.
#[derive(Args, Debug)]
pub struct Heat1dArgs {
    #[command(flatten)]
    pub problem: ProblemArgs,
    #[command(flatten)]
    pub compute: ComputeArgs,
    #[arg(long, value_enum, default_value_t = Mode::AllAtOnce)]
    pub mode: Mode,
    /// Keep every k-th time level (and the last) in the output; k >= 1.
    #[arg(
        long,
        default_value_t = 1,
        value_name = "K",
        allow_negative_numbers = true
    )]
    pub snapshot_every: usize,
    #[command(flatten)]
    pub newton: NewtonArgs,
    /// With --mode march: adaptive TR-BDF2 steps, global error target (max-norm, temperature
    /// units); on the CPU; nt and theta unused.
    #[arg(long, allow_hyphen_values = true)]
    pub tol: Option<f64>,
    /// Write the solved field (levels x nx, f64; with --sweep: members x levels x nx) as .npy.
    #[arg(long, value_name = "FILE.npy")]
    pub out: Option<PathBuf>,
    /// Write a heat map of T(x, t) (time down, space across) as PNG.
    #[arg(long, value_name = "FILE.png")]
    pub png: Option<PathBuf>,
    /// Solve many members at once, differing in one parameter: PARAM=START:END:COUNT or
    /// PARAM=V1,V2,... (PARAM: alpha, t_x0, t_xl, t_t0). Marches the linear problem.
    #[arg(long, value_name = "PARAM=RANGE")]
    pub sweep: Option<Sweep>,
    /// Print a machine-readable summary instead of text.
    #[arg(long)]
    pub json: bool,
}

impl Heat1dArgs {
    fn options(&self) -> SolveOptions {
        SolveOptions {
            mode: self.mode,
            snapshot_every: self.snapshot_every,
            newton: self.newton.options(),
        }
    }
}

pub fn run(args: &SolveArgs) -> anyhow::Result<()> {
    match &args.problem {
        None => run_heat1d(&args.heat1d),
        Some(SolveProblem::Heat1d(heat1d)) => run_heat1d(heat1d),
        Some(SolveProblem::Burgers(burgers)) => crate::problems::burgers1d::cli::run(burgers),
        Some(SolveProblem::Diffusion2d(d2)) => crate::problems::diffusion2d::cli::run(d2),
    }
}

fn run_heat1d(args: &Heat1dArgs) -> anyhow::Result<()> {
    let problem = args.problem.problem()?;
    if let Some(tol) = args.tol {
        return super::solve_adaptive::run(args, &problem, tol);
    }
    let options = args.options();
    // Values and combinations first, then the files, then the device, memory and the work.
    problem.validate()?;
    options.validate(&problem)?;
    if let Some(sweep) = &args.sweep {
        return run_sweep(args, &problem, sweep);
    }
    let mut outputs = Outputs::new();
    let out = outputs.reserve_opt("out", args.out.as_deref())?;
    let png = outputs.reserve_opt("png", args.png.as_deref())?;
    let compute = args.compute.select(
        &WorkShape::of(&problem, args.mode, 1),
        std::slice::from_ref(&problem),
    )?;
    let (needed, what, fix) = host_bytes_needed(&problem, &options, &compute);
    ensure_fits(what, needed, fix)?;
    let unit = match args.mode {
        Mode::AllAtOnce => "Newton iterations",
        Mode::March => "steps",
    };
    let mut progress = DelayedProgress::new(unit);
    let start = Instant::now();
    let solution = solve(&problem, &options, compute, None, &mut |done, total| {
        progress.update(done, total)
    })?;
    let elapsed = start.elapsed();
    drop(progress);
    if let Some(slot) = out {
        outputs.write_npy(slot, &solution.field)?;
    }
    if let Some(slot) = png {
        let title = format!(
            "T(x, t): nt = {}, nx = {}, theta = {}, {}",
            problem.nt, problem.nx, problem.theta, solution.label.backend
        );
        crate::plot::heat_map_png(
            outputs.temp_path(slot),
            &solution.field,
            &solution.times(&problem),
            problem.x_max,
            &title,
        )?;
    }
    outputs.commit()?;
    if let Some(warning) = solution.f32_bound.as_ref().and_then(|b| b.warning.as_ref()) {
        note(warning);
    }
    let last = solution.field.row(solution.field.nrows() - 1).to_vec();
    let mut text = String::new();
    if args.json {
        let summary = json!({
            "problem": problem,
            "label": solution.label,
            "unknowns": problem.unknowns(),
            "dt": problem.dt(),
            "dx": problem.dx(),
            "r": problem.mesh_ratio(),
            "report": solution.report,
            "stopping_reason": solution.report.stopping_reason(),
            "verification": solution.verification,
            "f32_error_bound": solution.f32_bound,
            "elapsed_s": elapsed.as_secs_f64(),
            "levels_kept": solution.levels.len(),
            "final_level": last,
            "out": args.out,
            "png": args.png,
        });
        say!(text, "{}", serde_json::to_string_pretty(&summary)?);
        return emit(&text);
    }
    print_problem(&mut text, &problem, &solution.label);
    match &solution.report {
        SolveReport::AllAtOnce { newton, .. } => {
            say!(
                text,
                "mode       all-at-once Newton, {} iteration(s)",
                newton.iterations
            );
            for (k, r) in newton.residual_history.iter().enumerate() {
                let lambda = if k == 0 {
                    String::new()
                } else {
                    format!("  lambda = {}", newton.lambda_history[k - 1])
                };
                say!(text, "  iteration {k:2}: |F|_scaled = {r:.3e}{lambda}");
            }
        }
        SolveReport::Blocked {
            levels,
            block_levels,
            ..
        } => say!(
            text,
            "mode       blocked direct solve: {levels} levels in blocks of {block_levels}, every level one mat-vec from its block's start"
        ),
        SolveReport::LinearMarch { steps, .. } => say!(
            text,
            "mode       linear march: {steps} steps, one tridiagonal solve each"
        ),
        SolveReport::March(stats) => say!(
            text,
            "mode       march: {} steps, {} Newton iterations (max {} per step)",
            stats.steps,
            stats.newton_iterations,
            stats.max_iterations_per_step
        ),
    }
    let v = &solution.verification;
    say!(text, "stopped    {}", solution.report.stopping_reason());
    say!(
        text,
        "verified   |F|_scaled = {:.3e} <= target {:.3e} (rounding floor {:.3e}; {})",
        v.residual,
        v.target,
        v.floor,
        v.evaluated
    );
    if let Some(bound) = &solution.f32_bound {
        say!(
            text,
            "f32 error  at most {:.3e} from the f64 solution ({:.2e} relative, a-priori bound)",
            bound.absolute,
            bound.relative
        );
    }
    say!(text, "time       {:.3} s", elapsed.as_secs_f64());
    say!(text, "T(x, t_max) = {}", format_row(&last));
    if let Some(path) = &args.out {
        let (rows, cols) = solution.field.dim();
        say!(text, "wrote      {} ({rows} x {cols} f64)", path.display());
    }
    if let Some(path) = &args.png {
        say!(text, "wrote      {}", path.display());
    }
    emit(&text)
}

/// `solve --sweep`: every member marched at once, kept levels streamed to a stacked .npy.
fn run_sweep(args: &Heat1dArgs, base: &Heat1D, sweep: &Sweep) -> anyhow::Result<()> {
    if args.png.is_some() {
        return Err(Error::invalid(
            "png",
            args.png
                .as_deref()
                .unwrap_or(std::path::Path::new(""))
                .display(),
            "draws one field; a sweep's members go to --out (members x levels x nx)",
        )
        .into());
    }
    if base.beta != 0.0 {
        return Err(Error::invalid(
            "beta",
            base.beta,
            "a sweep marches the linear problem (beta = 0)",
        )
        .into());
    }
    let members = sweep.members(base)?;
    let kept = kept_level_count(base.nt, args.snapshot_every);
    let mut outputs = Outputs::new();
    let out = outputs.reserve_opt("out", args.out.as_deref())?;
    let compute = args
        .compute
        .select(&WorkShape::of(base, Mode::March, members.len()), &members)?;
    ensure_fits(
        "sweep (work arrays of every member)",
        linear_march_host_bytes(members.len(), base.nx),
        "use fewer members or a coarser grid",
    )?;
    let mut file = match out {
        Some(slot) => Some(outputs.npy_rows(slot, &[members.len(), kept, base.nx])?),
        None => None,
    };
    let mut progress = DelayedProgress::new("steps");
    let start = Instant::now();
    let march = linear_march(
        &members,
        args.snapshot_every,
        compute,
        &mut |member, row, level| match &mut file {
            Some(f) => f.write_row(member * kept + row, level),
            None => Ok(()),
        },
        &mut |done, total| progress.update(done, total),
    )?;
    let elapsed = start.elapsed();
    drop(progress);
    file.map(|f| f.finish()).transpose()?;
    outputs.commit()?;
    let v = &march.verification;
    let mut text = String::new();
    if args.json {
        let summary = json!({
            "problem": base,
            "sweep": sweep,
            "label": march.label,
            "levels_kept": march.levels.len(),
            "verification": v,
            "elapsed_s": elapsed.as_secs_f64(),
            "final_levels": march.final_levels,
            "out": args.out,
        });
        say!(text, "{}", serde_json::to_string_pretty(&summary)?);
        return emit(&text);
    }
    print_problem(&mut text, base, &march.label);
    say!(
        text,
        "sweep      {} = {} members from {} to {}",
        sweep.param,
        sweep.values.len(),
        sweep.values[0],
        sweep.values[sweep.values.len() - 1]
    );
    say!(
        text,
        "verified   every step of every member: |F|_scaled <= {:.3e} (rounding floor {:.3e}; {})",
        v.residual,
        v.floor,
        v.evaluated
    );
    say!(
        text,
        "time       {:.3} s ({} steps, {} levels kept)",
        elapsed.as_secs_f64(),
        base.nt - 1,
        march.levels.len()
    );
    for (value, last) in sweep.values.iter().zip(&march.final_levels).take(4) {
        say!(
            text,
            "{} = {value}: T(x, t_max) = {}",
            sweep.param,
            format_row(last)
        );
    }
    if let Some(path) = &args.out {
        say!(
            text,
            "wrote      {} ({} x {kept} x {} f64)",
            path.display(),
            members.len(),
            base.nx
        );
    }
    emit(&text)
}
