//! `heatgpu bench`: the same operations on every available backend in one run, one table.
//!
//! Each problem contributes [`BenchCase`]s (one file per problem: `heat1d`, `burgers1d`,
//! `diffusion2d`); a case knows its size, the bytes each unknown must move, and how to time
//! itself on the CPU and on a GPU. Every problem includes a plain copy ([`copy::CopyCase`]) of
//! its field at each size, so throughput is judged against each backend's own copy bandwidth
//! measured in the same run. Each operation is timed end to end (wall clock, uploads and
//! downloads included) and, on a GPU with timestamp queries, also as kernel time (sum of its
//! compute passes). Warm-up runs are excluded; setup is reported separately. Host memory is
//! checked before a case runs ([`crate::memory::ensure_fits`]); a case that does not fit is
//! skipped with the figure; Ctrl-C is checked between repeats.

pub mod burgers1d;
pub mod copy;
pub mod diffusion2d;
pub mod heat1d;
pub mod tridiag;

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::backend::ComputeLabel;
use crate::error::Result;
use crate::gpu::{list_adapters, AdapterRequest, AdapterSummary, GpuContext};
use crate::memory::MemoryBudget;
use crate::precision::Precision;

/// What `heatgpu bench` measures (`--ops`); each problem runs the ones it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum BenchOp {
    /// Plain copy of the problem's field: the bandwidth reference of each backend.
    Copy,
    /// The P1 residual into a preallocated output (GPU: upload v, kernel, download r).
    Residual,
    /// The P1 Newton solve of the linear implicit problem (theta = 1) from the users' guess.
    Newton,
    /// Batched tridiagonal solve, a matrix per system (4096 systems of 1024; quick: 256).
    Batched,
    /// Batched tridiagonal solve, one matrix factorised once for all systems.
    BatchedShared,
    /// One tridiagonal system of 1e7 unknowns (quick: 1e6), partitioned on the GPU.
    Large,
    /// 100 linear backward-Euler steps of one grid of 1e6 points (quick: 1e5).
    March,
    /// The linear P1 solve by blocked powers, all levels at once, verified (issue 11).
    P1Blocked,
    /// The nonlinear P1 Newton direction (beta != 0): GPU scan of affine maps; CPU: the old
    /// Thomas march of the same direction.
    P1NewtonScan,
    /// Burgers: Crank-Nicolson steps of one grid of 1e6 points (quick: 1e5).
    BurgersMarch,
    /// Burgers: 4096 members (quick: 256) of 1024 points, Crank-Nicolson steps.
    BurgersSweep,
    /// 2D diffusion, explicit steps (CPU: temporally blocked).
    Diffusion2dExplicit,
    /// 2D diffusion, ADI steps.
    Diffusion2dAdi,
}

impl BenchOp {
    /// The kebab-case name (`--ops`, JSON, table).
    pub fn name(self) -> String {
        clap::ValueEnum::to_possible_value(&self).map_or_else(String::new, |v| v.get_name().into())
    }
}

/// The problems `heatgpu bench --problem` chooses from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BenchProblem {
    Heat1d,
    Burgers,
    Diffusion2d,
}

/// One timed operation at one size, on the CPU and on a GPU.
pub trait BenchCase {
    fn op(&self) -> BenchOp;
    /// The size in words ("nt=1000000", "4096x1024", "1024^2 x 10").
    fn size(&self) -> String;
    /// Unknowns (or point-steps) one run solves for: the throughput's numerator.
    fn unknowns(&self) -> usize;
    /// Bytes each unknown must at least move, with reals of `real` bytes.
    fn bytes_per_unknown(&self, real: usize) -> usize;
    /// Host bytes the case holds while it runs (checked against the memory budget first).
    fn host_bytes(&self) -> u64;
    /// Times `repeats` runs on the CPU after a warm-up; `None` when it has no CPU path.
    fn cpu(&self, repeats: usize) -> Result<Option<Measured>>;
    /// Times `repeats` runs on the GPU of `ctx` after a warm-up and gives the context back;
    /// `None` when it has no GPU path.
    fn gpu(&self, ctx: GpuContext, repeats: usize) -> Result<(Option<Measured>, GpuContext)>;
}

/// What a case's runner measured.
#[derive(Clone, Debug)]
pub struct Measured {
    /// Buffers, pipelines, uploads of fixed data (not in the timings).
    pub setup: Duration,
    pub end_to_end: Timing,
    pub kernel: Option<Timing>,
    /// What the run proved about its result ("residual 4.0e-14", "error 2e-5 vs Cole-Hopf").
    pub check: Option<String>,
}

impl Measured {
    pub fn new(
        setup: Duration,
        end_to_end: Timing,
        kernel: Option<Timing>,
        check: Option<String>,
    ) -> Measured {
        Measured {
            setup,
            end_to_end,
            kernel,
            check,
        }
    }
}

#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub problems: Vec<BenchProblem>,
    pub ops: Vec<BenchOp>,
    /// Time levels of the P1 problems (nx = 11): one row set per size.
    pub nts: Vec<usize>,
    /// Systems and rows of the batched tridiagonal solves.
    pub batch: (usize, usize),
    /// Unknowns of the single large tridiagonal system.
    pub large_n: usize,
    /// Points of the marched grid.
    pub march_nx: usize,
    /// Burgers: points of the single march, (members, points) of the sweep, steps of both.
    pub burgers_n: usize,
    pub burgers_sweep: (usize, usize),
    pub burgers_steps: usize,
    /// 2D diffusion: sides of the square grids, and steps per run.
    pub grid_sides: Vec<usize>,
    pub grid_steps: usize,
    pub repeats: usize,
    pub cpu: bool,
    pub gpu: bool,
    pub precision: Option<Precision>,
}

impl BenchOptions {
    /// The users' sizes (`quick`: small ones), every operation, the P1 problem only.
    pub fn standard(quick: bool) -> BenchOptions {
        fn pick<T>(quick: bool, small: T, full: T) -> T {
            if quick {
                small
            } else {
                full
            }
        }
        BenchOptions {
            problems: vec![BenchProblem::Heat1d],
            ops: <BenchOp as clap::ValueEnum>::value_variants().to_vec(),
            nts: pick(quick, vec![100_000], vec![1_000_000, 10_000_000]),
            batch: (pick(quick, 256, 4096), 1024),
            large_n: pick(quick, 1_000_000, 10_000_000),
            march_nx: pick(quick, 100_000, 1_000_000),
            burgers_n: pick(quick, 100_000, 1_000_000),
            burgers_sweep: (pick(quick, 256, 4096), 1024),
            burgers_steps: 20,
            grid_sides: pick(quick, vec![256, 512], vec![1024, 2048, 4096]),
            grid_steps: 10,
            repeats: pick(quick, 3, 5),
            cpu: true,
            gpu: true,
            precision: None,
        }
    }
}

/// Median and spread of repeated runs.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Timing {
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
}

impl Timing {
    pub fn of(mut samples: Vec<Duration>) -> Timing {
        samples.sort_unstable();
        Timing {
            median_s: samples[samples.len() / 2].as_secs_f64(),
            min_s: samples[0].as_secs_f64(),
            max_s: samples[samples.len() - 1].as_secs_f64(),
        }
    }
}

/// One measured operation on one backend.
#[derive(Clone, Debug, Serialize)]
pub struct BenchRow {
    pub problem: BenchProblem,
    pub op: BenchOp,
    /// The problem size in words ("nt = 1000000", "4096 x 1024").
    pub size: String,
    pub unknowns: usize,
    pub label: ComputeLabel,
    pub software: bool,
    /// Session, buffer and pipeline creation (not in the timings).
    pub setup_s: f64,
    pub end_to_end: Timing,
    /// GPU time of the compute passes (timestamp queries), when the adapter has them.
    pub kernel: Option<Timing>,
    pub bytes_per_unknown: usize,
    /// From the kernel time where there is one, else end to end.
    pub unknowns_per_s: f64,
    pub gb_per_s: f64,
    /// This row's GB/s over the same backend's copy GB/s for the same problem (the copy of the
    /// same size where there is one, else the largest).
    pub percent_of_copy: Option<f64>,
    /// This row's time per unknown over that copy's time per value (kernel time where both
    /// have one, else end to end): the time in copies of the field (p1-blocked at nt = 1e6: 2
    /// means it solves and verifies in two copy-times; 2D: per step).
    pub copy_times: Option<f64>,
    /// CPU median over this row's median, end to end (GPU rows only).
    pub gpu_speedup: Option<f64>,
    /// CPU median over this row's kernel median (GPU rows with timestamps only).
    pub gpu_kernel_speedup: Option<f64>,
    /// What the run proved about its result, where the case checks it.
    pub check: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub cpu_threads: usize,
    pub adapters: Vec<AdapterSummary>,
    pub rows: Vec<BenchRow>,
    /// Operations not run, with the reason (memory, no adapter).
    pub skipped: Vec<String>,
}

/// The cases of `problem` under `options`, in table order, filtered by `options.ops`.
fn cases_of(problem: BenchProblem, options: &BenchOptions) -> Vec<Box<dyn BenchCase>> {
    let cases = match problem {
        BenchProblem::Heat1d => heat1d::cases(options),
        BenchProblem::Burgers => burgers1d::cases(options),
        BenchProblem::Diffusion2d => diffusion2d::cases(options),
    };
    cases
        .into_iter()
        .filter(|c| options.ops.contains(&c.op()))
        .collect()
}

/// The operations the chosen problems have (whatever `options.ops` says), in table order.
pub fn operations_of(options: &BenchOptions) -> Vec<BenchOp> {
    let mut ops: Vec<BenchOp> = Vec::new();
    for &problem in &options.problems {
        let all = BenchOptions {
            ops: <BenchOp as clap::ValueEnum>::value_variants().to_vec(),
            ..options.clone()
        };
        for case in cases_of(problem, &all) {
            if !ops.contains(&case.op()) {
                ops.push(case.op());
            }
        }
    }
    ops
}

/// Times `repeats` runs of `f` (which returns its own timed span) after one warm-up run,
/// checking for Ctrl-C before each.
pub fn time_repeats(repeats: usize, mut f: impl FnMut() -> Result<Duration>) -> Result<Timing> {
    crate::cancel::check()?;
    f()?;
    let samples = (0..repeats.max(1))
        .map(|_| crate::cancel::check().and_then(|()| f()))
        .collect::<Result<Vec<_>>>()?;
    Ok(Timing::of(samples))
}

/// Wall time of `f`.
pub fn timed(f: impl FnOnce() -> Result<()>) -> Result<Duration> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed())
}

/// Kernel time of `repeats` runs of `f` on `state` (after a warm-up), from timestamp queries
/// around each compute pass; `None` when the adapter has none.
pub fn kernel_timing<S>(
    state: &mut S,
    ctx: impl Fn(&S) -> &GpuContext,
    repeats: usize,
    mut f: impl FnMut(&mut S) -> Result<()>,
) -> Result<Option<Timing>> {
    if !ctx(state).enable_pass_timing()? {
        return Ok(None);
    }
    f(state)?;
    let mut samples = Vec::new();
    for _ in 0..repeats.max(1) {
        crate::cancel::check()?;
        ctx(state).take_pass_time();
        f(state)?;
        samples.push(ctx(state).take_pass_time());
    }
    ctx(state).disable_pass_timing();
    Ok(samples
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .map(Timing::of))
}

/// Runs the benchmark; `progress` gets one line per measurement about to start.
pub fn run_bench(options: &BenchOptions, progress: &mut dyn FnMut(&str)) -> Result<BenchReport> {
    let adapters = if options.gpu {
        list_adapters()
    } else {
        Vec::new()
    };
    let mut report = BenchReport {
        cpu_threads: rayon::current_num_threads(),
        adapters: adapters.clone(),
        rows: Vec::new(),
        skipped: Vec::new(),
    };
    let work: Vec<(BenchProblem, Box<dyn BenchCase>)> = options
        .problems
        .iter()
        .flat_map(|&problem| {
            cases_of(problem, options)
                .into_iter()
                .map(move |c| (problem, c))
        })
        .collect();
    if options.cpu {
        for (problem, case) in &work {
            if !fits(case.as_ref(), "cpu", &mut report.skipped) {
                continue;
            }
            progress(&format!("cpu {} {}", case.op().name(), case.size()));
            if let Some(m) = case.cpu(options.repeats)? {
                report
                    .rows
                    .push(row(*problem, case.as_ref(), ComputeLabel::cpu(), false, m));
            }
        }
    }
    if options.gpu {
        if adapters.is_empty() {
            report.skipped.push("GPU: no adapter".to_string());
        }
        for adapter in &adapters {
            let request = AdapterRequest {
                adapter_name: Some(adapter.name.clone()),
                backends: Some(adapter.backend.clone()),
                ..AdapterRequest::default()
            };
            let mut ctx = match GpuContext::new(&request, options.precision) {
                Ok(ctx) => ctx,
                Err(e) => {
                    report.skipped.push(format!("{}: {e}", adapter.name));
                    continue;
                }
            };
            for (problem, case) in &work {
                if !fits(case.as_ref(), &adapter.name, &mut report.skipped) {
                    continue;
                }
                progress(&format!(
                    "gpu {} {} on {}",
                    case.op().name(),
                    case.size(),
                    adapter.name
                ));
                let software = ctx.summary().is_software;
                let label = ComputeLabel {
                    backend: "gpu",
                    device: ctx.summary().to_string(),
                    precision: ctx.precision(),
                };
                let (measured, back) = case.gpu(ctx, options.repeats)?;
                ctx = back;
                if let Some(m) = measured {
                    report
                        .rows
                        .push(row(*problem, case.as_ref(), label, software, m));
                }
            }
        }
    }
    derive_ratios(&mut report.rows);
    Ok(report)
}

/// Whether the host arrays of `case` fit in the memory budget now (read afresh: the previous
/// case's arrays are freed); if not, the refusal with its figures goes to `skipped`.
fn fits(case: &dyn BenchCase, backend: &str, skipped: &mut Vec<String>) -> bool {
    let what = format!("bench {} {} ({backend})", case.op().name(), case.size());
    let fix = "use --quick, smaller --nt, or --ops without it";
    match MemoryBudget::detect().ensure_fits(&what, case.host_bytes(), fix) {
        Ok(()) => true,
        Err(e) => {
            skipped.push(e.to_string());
            false
        }
    }
}

fn row(
    problem: BenchProblem,
    case: &dyn BenchCase,
    label: ComputeLabel,
    software: bool,
    m: Measured,
) -> BenchRow {
    let unknowns = case.unknowns();
    let bytes_per_unknown = case.bytes_per_unknown(label.precision.bytes());
    let seconds = m.kernel.map_or(m.end_to_end.median_s, |k| k.median_s);
    BenchRow {
        problem,
        op: case.op(),
        size: case.size(),
        unknowns,
        label,
        software,
        setup_s: m.setup.as_secs_f64(),
        end_to_end: m.end_to_end,
        kernel: m.kernel,
        bytes_per_unknown,
        unknowns_per_s: unknowns as f64 / seconds,
        gb_per_s: (unknowns * bytes_per_unknown) as f64 / seconds / 1e9,
        percent_of_copy: None,
        copy_times: None,
        gpu_speedup: None,
        gpu_kernel_speedup: None,
        check: m.check,
    }
}

/// Fills in percent-of-copy (same backend and problem: the copy of the same size, else the
/// largest) and the GPU/CPU ratios (same operation and size).
fn derive_ratios(rows: &mut [BenchRow]) {
    let snapshot = rows.to_vec();
    for row in rows.iter_mut() {
        let copies = || {
            snapshot.iter().filter(|r| {
                r.label == row.label && r.problem == row.problem && r.op == BenchOp::Copy
            })
        };
        let copy = copies()
            .find(|r| r.size == row.size)
            .or_else(|| copies().max_by_key(|r| r.unknowns));
        if let Some(copy) = copy {
            row.percent_of_copy = Some(100.0 * row.gb_per_s / copy.gb_per_s);
            let per_unknown = |r: &BenchRow| {
                let both_kernel = row.kernel.is_some() && copy.kernel.is_some();
                let t = match r.kernel {
                    Some(k) if both_kernel => k.median_s,
                    _ => r.end_to_end.median_s,
                };
                t / r.unknowns as f64
            };
            row.copy_times = Some(per_unknown(row) / per_unknown(copy));
        }
        if row.label.backend == "gpu" {
            let cpu = snapshot.iter().find(|r| {
                r.label.backend == "cpu"
                    && r.problem == row.problem
                    && r.op == row.op
                    && r.size == row.size
            });
            if let Some(cpu) = cpu {
                row.gpu_speedup = Some(cpu.end_to_end.median_s / row.end_to_end.median_s);
                row.gpu_kernel_speedup = row.kernel.map(|k| cpu.end_to_end.median_s / k.median_s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timed_row(op: BenchOp, size: &str, unknowns: usize, seconds: f64, gpu: bool) -> BenchRow {
        let timing = Timing {
            median_s: seconds,
            min_s: seconds,
            max_s: seconds,
        };
        let label = if gpu {
            ComputeLabel {
                backend: "gpu",
                device: "test adapter".into(),
                precision: Precision::F64,
            }
        } else {
            ComputeLabel::cpu()
        };
        BenchRow {
            problem: BenchProblem::Heat1d,
            op,
            size: size.into(),
            unknowns,
            label,
            software: false,
            setup_s: 0.0,
            end_to_end: timing,
            kernel: None,
            bytes_per_unknown: 16,
            unknowns_per_s: unknowns as f64 / seconds,
            gb_per_s: (unknowns * 16) as f64 / seconds / 1e9,
            percent_of_copy: None,
            copy_times: None,
            gpu_speedup: None,
            gpu_kernel_speedup: None,
            check: None,
        }
    }

    #[test]
    fn ratios_use_the_copy_of_the_same_size_and_backend() {
        let mut rows = vec![
            timed_row(BenchOp::Copy, "nt=10", 100, 1.0, false),
            timed_row(BenchOp::Copy, "nt=20", 200, 4.0, false),
            timed_row(BenchOp::P1Blocked, "nt=10", 100, 3.0, false),
            timed_row(BenchOp::Large, "n=50", 50, 1.0, false),
            timed_row(BenchOp::P1Blocked, "nt=10", 100, 0.5, true),
        ];
        derive_ratios(&mut rows);
        // Same size: 3 copy-times, a third of the copy's bandwidth.
        assert_eq!(rows[2].copy_times, Some(3.0));
        assert!((rows[2].percent_of_copy.unwrap() - 100.0 / 3.0).abs() < 1e-9);
        // No copy of its size: the largest (4 s for 200 values), per unknown: 0.02 / 0.02.
        assert_eq!(rows[3].copy_times, Some(1.0));
        // The GPU row has no GPU copy, and is 6 times faster than the CPU row of its size.
        assert_eq!(rows[4].copy_times, None);
        assert_eq!(rows[4].gpu_speedup, Some(6.0));
    }
}
