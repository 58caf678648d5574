//! The command line: `heatgpu solve | residual | info`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ndarray::{Array1, Array2};
use ndarray_npy::{read_npy, write_npy};
use serde_json::json;

use crate::backend::gpu::GpuHeatSession;
use crate::backend::ComputeLabel;
use crate::kernels::{heat_residual_par, HeatParams};
use crate::newton::NewtonOptions;
use crate::precision::Precision;
use crate::problem::Heat1D;
use crate::solve::{
    linear_march, solve, Backend, Compute, Mode, SolveOptions, SolveReport, WorkShape,
};
use crate::sweep::Sweep;

#[derive(Parser, Debug)]
#[command(
    name = "heatgpu",
    version,
    about = "Heat-equation systems: residuals, Newton and implicit time marching"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Solve the space-time heat system (defaults: the users' problem, 11 million unknowns).
    Solve(SolveArgs),
    /// Evaluate the residual on the users' initial guess or a .npy field: norms per block and time.
    Residual(ResidualArgs),
    /// List the compute devices (works with none).
    Info(InfoArgs),
    /// Time the same operations on every backend (CPU, each adapter) in one run.
    Bench(BenchArgs),
}

/// Problem parameters; each overrides the config file, which overrides the defaults.
#[derive(Args, Debug, Clone)]
pub struct ProblemArgs {
    /// TOML file with any of the parameters below.
    #[arg(long, value_name = "FILE.toml")]
    pub config: Option<PathBuf>,
    /// End time (dt = t_max / (nt - 1)).
    #[arg(long)]
    pub t_max: Option<f64>,
    /// Rod length (dx = x_max / (nx - 1)).
    #[arg(long)]
    pub x_max: Option<f64>,
    /// Time points (N1).
    #[arg(long)]
    pub nt: Option<usize>,
    /// Space points (N2).
    #[arg(long)]
    pub nx: Option<usize>,
    /// Diffusivity alpha0.
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Dirichlet value at x = 0.
    #[arg(long)]
    pub t_x0: Option<f64>,
    /// Dirichlet value at x = x_max.
    #[arg(long)]
    pub t_xl: Option<f64>,
    /// Initial value inside the rod.
    #[arg(long)]
    pub t_t0: Option<f64>,
    /// 0 forward Euler, 0.5 Crank-Nicolson, 1 backward Euler.
    #[arg(long)]
    pub theta: Option<f64>,
    /// alpha(T) = alpha (1 + beta (T - t_ref)); 0 keeps the problem linear.
    #[arg(long, allow_hyphen_values = true)]
    pub beta: Option<f64>,
    /// Reference temperature of alpha(T).
    #[arg(long)]
    pub t_ref: Option<f64>,
}

impl ProblemArgs {
    pub fn problem(&self) -> anyhow::Result<Heat1D> {
        let mut p = match &self.config {
            Some(path) => Heat1D::from_toml_file(path)?,
            None => Heat1D::default(),
        };
        let overrides = [
            (&mut p.t_max, self.t_max),
            (&mut p.x_max, self.x_max),
            (&mut p.alpha, self.alpha),
            (&mut p.t_x0, self.t_x0),
            (&mut p.t_xl, self.t_xl),
            (&mut p.t_t0, self.t_t0),
            (&mut p.theta, self.theta),
            (&mut p.beta, self.beta),
            (&mut p.t_ref, self.t_ref),
        ];
        for (field, value) in overrides {
            if let Some(v) = value {
                *field = v;
            }
        }
        p.nt = self.nt.unwrap_or(p.nt);
        p.nx = self.nx.unwrap_or(p.nx);
        Ok(p)
    }
}

/// Where to compute.
#[derive(Args, Debug, Clone)]
pub struct ComputeArgs {
    /// auto: CPU or a hardware GPU, chosen by a cost model from the problem's shape (said in one line).
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    pub backend: Backend,
    /// GPU precision; default f64 where the adapter has SHADER_F64, else f32. The CPU is f64.
    #[arg(long, value_enum)]
    pub precision: Option<Precision>,
}

impl ComputeArgs {
    /// The chosen backend; the reason for an automatic choice goes to stderr as one line.
    fn select(&self, shape: &WorkShape) -> anyhow::Result<Compute> {
        let (compute, notice) = Compute::select(self.backend, self.precision, shape)?;
        if let Some(notice) = notice {
            eprintln!("note: {notice}");
        }
        Ok(compute)
    }
}

#[derive(Args, Debug)]
pub struct SolveArgs {
    #[command(flatten)]
    pub problem: ProblemArgs,
    #[command(flatten)]
    pub compute: ComputeArgs,
    #[arg(long, value_enum, default_value_t = Mode::AllAtOnce)]
    pub mode: Mode,
    /// Keep every k-th time level (and the last) in the output.
    #[arg(long, default_value_t = 1, value_name = "K")]
    pub snapshot_every: usize,
    /// Absolute tolerance on the scaled residual max-norm (energy rows times dt).
    #[arg(long, default_value_t = NewtonOptions::default().atol)]
    pub atol: f64,
    #[arg(long, default_value_t = NewtonOptions::default().rtol)]
    pub rtol: f64,
    #[arg(long, default_value_t = NewtonOptions::default().max_iterations)]
    pub max_iterations: usize,
    /// Take full Newton steps (no backtracking).
    #[arg(long)]
    pub no_line_search: bool,
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
    #[arg(long, default_value_t = 8)]
    pub levels: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Small sizes (nt = 1e5) and 3 repeats.
    #[arg(long)]
    pub quick: bool,
    /// Operations to run.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub ops: Option<Vec<crate::bench::BenchOp>>,
    /// Time levels of the P1 problems (nx = 11), e.g. --nt 1000000,10000000.
    #[arg(long, value_delimiter = ',')]
    pub nt: Option<Vec<usize>>,
    /// Timed runs per measurement (after one warm-up).
    #[arg(long)]
    pub repeats: Option<usize>,
    /// Skip the CPU or the GPU side.
    #[arg(long, conflicts_with = "gpu_only")]
    pub cpu_only: bool,
    #[arg(long)]
    pub gpu_only: bool,
    /// GPU precision (default: f64 where the adapter has it).
    #[arg(long, value_enum)]
    pub precision: Option<Precision>,
    /// Also write the report as JSON.
    #[arg(long, value_name = "FILE.json")]
    pub json: Option<PathBuf>,
    /// Also draw the comparison as a bar chart (PNG, log scale).
    #[arg(long, value_name = "FILE.png")]
    pub png: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    #[arg(long)]
    pub json: bool,
}

/// Appends one line to a report; reports are written in one piece by [`emit`].
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Writes a report to stdout; a closed pipe (`| head`) ends the output quietly, not in a panic.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing to stdout"),
        _ => Ok(()),
    }
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Solve(args) => solve_command(&args),
        Command::Residual(args) => residual_command(&args),
        Command::Info(args) => info_command(&args),
        Command::Bench(args) => bench_command(&args),
    }
}

/// A progress bar that appears only on runs longer than about a second, and only on a terminal.
struct DelayedProgress {
    bar: ProgressBar,
    start: Instant,
    shown: bool,
}

impl DelayedProgress {
    fn new(unit: &str) -> DelayedProgress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let template =
            format!("{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {unit} (eta {{eta}})");
        bar.set_style(ProgressStyle::with_template(&template).expect("valid template"));
        DelayedProgress {
            bar,
            start: Instant::now(),
            shown: false,
        }
    }

    fn update(&mut self, done: u64, total: u64) {
        if !self.shown && self.start.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        self.bar.set_length(total);
        self.bar.set_position(done);
    }
}

impl Drop for DelayedProgress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

fn solve_command(args: &SolveArgs) -> anyhow::Result<()> {
    let mut out = String::new();
    let problem = args.problem.problem()?;
    let options = SolveOptions {
        mode: args.mode,
        snapshot_every: args.snapshot_every,
        newton: NewtonOptions {
            atol: args.atol,
            rtol: args.rtol,
            max_iterations: args.max_iterations,
            line_search: !args.no_line_search,
            ..NewtonOptions::default()
        },
    };
    let unit = match args.mode {
        Mode::AllAtOnce => "Newton iterations",
        Mode::March => "steps",
    };
    if let Some(sweep) = &args.sweep {
        return sweep_command(args, &problem, sweep);
    }
    let compute = args
        .compute
        .select(&WorkShape::of(&problem, args.mode, 1))?;
    let mut progress = DelayedProgress::new(unit);
    let start = Instant::now();
    let solution = solve(&problem, &options, compute, None, &mut |done, total| {
        progress.update(done, total)
    })?;
    let elapsed = start.elapsed();
    drop(progress);
    if let Some(path) = &args.out {
        write_array(path, &solution.field)?;
    }
    if let Some(path) = &args.png {
        let title = format!(
            "T(x, t): nt = {}, nx = {}, theta = {}, {}",
            problem.nt, problem.nx, problem.theta, solution.label.backend
        );
        crate::plot::heat_map_png(
            path,
            &solution.field,
            &solution.times(&problem),
            problem.x_max,
            &title,
        )?;
    }
    let last = solution.field.row(solution.field.nrows() - 1).to_vec();
    if args.json {
        let summary = json!({
            "problem": problem,
            "label": solution.label,
            "unknowns": problem.unknowns(),
            "dt": problem.dt(),
            "dx": problem.dx(),
            "report": solution.report,
            "elapsed_s": elapsed.as_secs_f64(),
            "levels_kept": solution.levels.len(),
            "final_level": last,
            "out": args.out,
        });
        say!(out, "{}", serde_json::to_string_pretty(&summary)?);
        return emit(&out);
    }
    print_problem(&mut out, &problem, &solution.label);
    match &solution.report {
        SolveReport::AllAtOnce { converged, newton } => {
            say!(out, "mode       all-at-once Newton: {converged:?} after {} iteration(s)", newton.iterations);
            for (k, r) in newton.residual_history.iter().enumerate() {
                let lambda = if k == 0 { String::new() } else { format!("  lambda = {}", newton.lambda_history[k - 1]) };
                say!(out, "  iteration {k:2}: |F|_scaled = {r:.3e}{lambda}");
            }
        }
        SolveReport::LinearMarch { steps, .. } => say!(
            out,
            "mode       linear march: {steps} steps, one tridiagonal solve each"
        ),
        SolveReport::March(stats) => say!(
        out,
            "mode       march: {} steps, {} Newton iterations (max {} per step), max step residual {:.3e}",
            stats.steps, stats.newton_iterations, stats.max_iterations_per_step, stats.max_step_residual
        ),
    }
    say!(out, "time       {:.3} s", elapsed.as_secs_f64());
    say!(out, "T(x, t_max) = {}", format_row(&last));
    if let Some(path) = &args.out {
        let (rows, cols) = solution.field.dim();
        say!(out, "wrote      {} ({rows} x {cols} f64)", path.display());
    }
    emit(&out)
}

fn print_problem(out: &mut String, p: &Heat1D, label: &ComputeLabel) {
    say!(out, "backend    {label}");
    say!(
        out,
        "problem    nt = {}, nx = {} ({} unknowns), dt = {:.4e}, dx = {:.4e}, alpha = {}, beta = {}, theta = {}",
        p.nt,
        p.nx,
        p.unknowns(),
        p.dt(),
        p.dx(),
        p.alpha,
        p.beta,
        p.theta
    );
}

fn format_row(row: &[f64]) -> String {
    let shown: Vec<String> = row.iter().take(12).map(|t| format!("{t:.4}")).collect();
    let more = if row.len() > 12 {
        format!(" ... ({} values)", row.len())
    } else {
        String::new()
    };
    format!("[{}]{more}", shown.join(", "))
}

fn write_array(path: &Path, field: &Array2<f64>) -> anyhow::Result<()> {
    write_npy(path, field).with_context(|| format!("writing {}", path.display()))
}

/// Reads a field for `problem`: a 2-D array sets nt and nx from its shape.
fn read_field(path: &Path, problem: &mut Heat1D) -> anyhow::Result<Vec<f64>> {
    if let Ok(array) = read_npy::<_, Array2<f64>>(path) {
        (problem.nt, problem.nx) = array.dim();
        return Ok(array.iter().copied().collect());
    }
    let flat: Array1<f64> =
        read_npy(path).with_context(|| format!("reading {} (f64, 1-D or 2-D)", path.display()))?;
    Ok(flat.to_vec())
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

fn residual_command(args: &ResidualArgs) -> anyhow::Result<()> {
    let mut out = String::new();
    let mut problem = args.problem.problem()?;
    let v = match &args.input {
        Some(path) => read_field(path, &mut problem)?,
        None => {
            problem.validate()?;
            problem.initial_guess()
        }
    };
    problem.validate()?;
    problem.check_field("input", &v)?;
    let layout = problem.layout();
    let mut r = vec![0.0; problem.unknowns()];
    let (label, how, elapsed) =
        match args
            .compute
            .select(&WorkShape::of(&problem, Mode::AllAtOnce, 1))?
        {
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
        .map(|&i| json!({ "level": i, "t": i as f64 * problem.dt(), "energy_max": level_max(i), "energy_max_scaled": level_max(i) * HeatParams::new(&problem).energy_scale }))
        .collect();
    if let Some(path) = &args.out {
        write_npy(path, &Array1::from_vec(r.clone()))
            .with_context(|| format!("writing {}", path.display()))?;
    }
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

fn info_command(args: &InfoArgs) -> anyhow::Result<()> {
    let mut out = String::new();
    let threads = rayon::current_num_threads();
    let memory = crate::problem::memory::available_memory_bytes();
    let adapters = crate::gpu::list_adapters();
    if args.json {
        let report = json!({ "cpu_threads": threads, "available_memory_bytes": memory, "adapters": adapters });
        say!(out, "{}", serde_json::to_string_pretty(&report)?);
        return emit(&out);
    }
    say!(
        out,
        "cpu        {threads} threads, f64 (the reference backend; always available)"
    );
    match memory {
        Some(bytes) => say!(
            out,
            "memory     {:.1} GiB available",
            bytes as f64 / (1u64 << 30) as f64
        ),
        None => say!(out, "memory     unknown"),
    }
    if adapters.is_empty() {
        say!(
            out,
            "adapters   none: GPU commands fall back to the CPU (install mesa-vulkan-drivers for lavapipe)"
        );
    }
    for a in &adapters {
        say!(out, "adapter    {a}");
        say!(
            out,
            "           shader_f64 {}, timestamp_query {}, max buffer {} MiB, max storage binding {} MiB, workgroup <= {} invocations, {} workgroups per dimension",
            a.shader_f64,
            a.timestamp_query,
            a.max_buffer_size >> 20,
            a.max_storage_buffer_binding_size >> 20,
            a.max_compute_invocations_per_workgroup,
            a.max_compute_workgroups_per_dimension
        );
        if a.is_software {
            say!(
                out,
                "           software adapter: timings say nothing about GPU speed"
            );
        }
    }
    emit(&out)
}

fn bench_command(args: &BenchArgs) -> anyhow::Result<()> {
    use crate::bench::{run_bench, BenchOptions};
    let mut options = BenchOptions::standard(args.quick);
    if let Some(ops) = &args.ops {
        options.ops = ops.clone();
    }
    if let Some(nt) = &args.nt {
        options.nts = nt.clone();
    }
    options.repeats = args.repeats.unwrap_or(options.repeats);
    options.cpu = !args.gpu_only;
    options.gpu = !args.cpu_only;
    options.precision = args.precision;
    let report = run_bench(&options, &mut |what| eprintln!("measuring {what}"))?;
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.png {
        let bars: Vec<crate::plot::Bar> = report
            .rows
            .iter()
            .map(|row| crate::plot::Bar {
                label: format!(
                    "{} {}",
                    serde_json::to_value(row.op)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    row.size
                ),
                value: row.end_to_end.median_s,
                group: if row.label.backend == "cpu" {
                    format!("cpu ({} threads)", report.cpu_threads)
                } else {
                    format!(
                        "{}{}",
                        short_device(&row.label.device),
                        if row.software { " (software)" } else { "" }
                    )
                },
            })
            .collect();
        let title = "heatgpu bench: median wall time, lower is better";
        crate::plot::bar_chart_png(path, title, "s", &bars, crate::plot::BarScale::Log10)?;
    }
    let mut out = String::new();
    say!(
        out,
        "cpu: {} threads; adapters: {}",
        report.cpu_threads,
        adapter_names(&report.adapters)
    );
    say!(
        out,
        "{:<14} {:>12} {:>10} {:<34} {:>10} {:>10} {:>21} {:>10} {:>9} {:>7} {:>6} {:>8}",
        "op",
        "size",
        "unknowns",
        "backend",
        "setup",
        "median",
        "spread (min..max)",
        "kernel",
        "Munk/s",
        "GB/s",
        "%copy",
        "GPU/CPU"
    );
    for row in &report.rows {
        let backend = format!(
            "{} {}{}",
            if row.label.backend == "cpu" {
                format!("cpu ({} thr)", report.cpu_threads)
            } else {
                short_device(&row.label.device)
            },
            row.label.precision,
            if row.software { " software" } else { "" }
        );
        let ms = |s: f64| format!("{:.2} ms", s * 1e3);
        say!(
            out,
            "{:<14} {:>12} {:>10.3e} {:<34} {:>10} {:>10} {:>21} {:>10} {:>9.1} {:>7.2} {:>6} {:>8}",
            serde_json::to_value(row.op)?.as_str().unwrap_or("?"),
            row.size,
            row.unknowns as f64,
            backend,
            ms(row.setup_s),
            ms(row.end_to_end.median_s),
            format!("{}..{}", ms(row.end_to_end.min_s), ms(row.end_to_end.max_s)),
            row.kernel.map_or("-".to_string(), |k| ms(k.median_s)),
            row.unknowns_per_s / 1e6,
            row.gb_per_s,
            row.percent_of_copy
                .map_or("-".to_string(), |p| format!("{p:.0}%")),
            row.gpu_speedup
                .map_or("-".to_string(), |r| format!("{r:.2}x")),
        );
    }
    for note in &report.skipped {
        say!(out, "skipped: {note}");
    }
    say!(
        out,
        "setup: buffers, pipelines and uploads of fixed data, once (not in the timings); median/spread: wall time of a\n\
         run incl. uploads and downloads, warm-up excluded; kernel: GPU time of the compute passes (timestamp queries);\n\
         GB/s from the minimum bytes per unknown (copy, residual, batched-shared: 2 reals; batched, large: 5; Newton: 6; march: 7 per point-step)\n\
         and the kernel time where measured; %copy: against the same backend's copy (largest size, all CPU threads);\n\
         GPU/CPU: CPU median over GPU median (end to end). The CPU Newton and tridiagonal solves run on one thread.\n\
         A software adapter (llvmpipe) runs on the CPU: its figures say nothing about GPU speed."
    );
    emit(&out)
}

fn adapter_names(adapters: &[crate::gpu::AdapterSummary]) -> String {
    if adapters.is_empty() {
        return "none".to_string();
    }
    adapters
        .iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The adapter name without its details in brackets and parentheses.
fn short_device(device: &str) -> String {
    let name = device
        .split([' '])
        .take_while(|w| !w.starts_with(['(', '[']))
        .collect::<Vec<_>>()
        .join(" ");
    name.chars().take(24).collect()
}

/// `solve --sweep`: every member marched at once, kept levels streamed to a stacked .npy.
fn sweep_command(args: &SolveArgs, base: &Heat1D, sweep: &Sweep) -> anyhow::Result<()> {
    let members = sweep.members(base);
    let compute = args
        .compute
        .select(&WorkShape::of(base, Mode::March, members.len()))?;
    let kept = crate::march::snapshot_levels(base.nt, args.snapshot_every).len();
    let mut file = match &args.out {
        Some(path) => Some(crate::output::NpyRows::create(
            path,
            &[members.len(), kept, base.nx],
        )?),
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
    let mut out = String::new();
    if args.json {
        let summary = json!({
            "problem": base,
            "sweep": sweep,
            "label": march.label,
            "levels_kept": march.levels.len(),
            "elapsed_s": elapsed.as_secs_f64(),
            "final_levels": march.final_levels,
            "out": args.out,
        });
        say!(out, "{}", serde_json::to_string_pretty(&summary)?);
        return emit(&out);
    }
    print_problem(&mut out, base, &march.label);
    say!(
        out,
        "sweep      {} = {} members from {} to {}",
        sweep.param,
        sweep.values.len(),
        sweep.values[0],
        sweep.values[sweep.values.len() - 1]
    );
    say!(
        out,
        "time       {:.3} s ({} steps, {} levels kept)",
        elapsed.as_secs_f64(),
        base.nt - 1,
        march.levels.len()
    );
    for (value, last) in sweep.values.iter().zip(&march.final_levels).take(4) {
        say!(
            out,
            "{} = {value}: T(x, t_max) = {}",
            sweep.param,
            format_row(last)
        );
    }
    if let Some(path) = &args.out {
        say!(
            out,
            "wrote      {} ({} x {kept} x {} f64)",
            path.display(),
            members.len(),
            base.nx
        );
    }
    emit(&out)
}
