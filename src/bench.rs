//! `heatgpu bench`: the same operations on every available backend in one run, one table.
//!
//! Each operation is timed end to end (wall clock, uploads and downloads included) and, on a
//! GPU with timestamp queries, also as kernel time (sum of its compute passes). Warm-up runs
//! are excluded; session and pipeline creation is reported separately. Throughput is judged
//! against each backend's own copy bandwidth measured in the same run.

use std::time::{Duration, Instant};

use serde::Serialize;

use rayon::prelude::*;

use crate::backend::ComputeLabel;
use crate::error::Result;
use crate::gpu::layout::reals_to_bytes;
use crate::gpu::{list_adapters, shader_source, AdapterRequest, AdapterSummary, GpuContext};
use crate::linalg::gpu_tridiag::{GpuBatchedTridiag, GpuLargeTridiag};
use crate::memory::MemoryBudget;
use crate::precision::Precision;
use crate::problems::heat1d::cpu::CpuSpaceTime;
use crate::problems::heat1d::gpu::session::GpuHeatSession;
use crate::problems::heat1d::kernels::{
    heat_residual_par, thomas_batched, thomas_batched_factored, thomas_factor, thomas_solve,
    BatchParams, HeatParams, DEFAULT_BLOCK_ROWS,
};
use crate::problems::heat1d::params::Heat1D;
use crate::problems::heat1d::theta_march::{CpuThetaMarch, GpuThetaMarch};
use crate::solver::newton::{newton_solve_into, NewtonOptions, NewtonStats};

/// What `heatgpu bench` measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum BenchOp {
    /// Plain copy of nt*nx reals: the bandwidth reference of each backend.
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
}

impl BenchOp {
    /// Bytes each unknown must move (f64): the figure throughput is computed from.
    fn bytes_per_unknown(self, real: usize) -> usize {
        match self {
            BenchOp::Copy | BenchOp::Residual | BenchOp::BatchedShared => 2 * real,
            // Residual norm (read v), direction (read v, write dv), trial (read v, dv; write t).
            BenchOp::Newton => 6 * real,
            // Read three bands and the right side, write the solution.
            BenchOp::Batched | BenchOp::Large => 5 * real,
            // Per point and step: the right side (read T, write rhs) and the solve (5 reals).
            BenchOp::March => 7 * real,
        }
    }

    /// Operations on the P1 problem (run once per `nt`); the others have sizes of their own.
    fn is_p1(self) -> bool {
        matches!(self, BenchOp::Copy | BenchOp::Residual | BenchOp::Newton)
    }
}

#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub ops: Vec<BenchOp>,
    /// Time levels of the P1 problems (nx = 11): one row set per size.
    pub nts: Vec<usize>,
    /// Systems and rows of the batched tridiagonal solves.
    pub batch: (usize, usize),
    /// Unknowns of the single large tridiagonal system.
    pub large_n: usize,
    /// Points of the marched grid.
    pub march_nx: usize,
    pub repeats: usize,
    pub cpu: bool,
    pub gpu: bool,
    pub precision: Option<Precision>,
}

impl BenchOptions {
    pub fn standard(quick: bool) -> BenchOptions {
        BenchOptions {
            ops: vec![
                BenchOp::Copy,
                BenchOp::Residual,
                BenchOp::Newton,
                BenchOp::Batched,
                BenchOp::BatchedShared,
                BenchOp::Large,
                BenchOp::March,
            ],
            nts: if quick {
                vec![100_000]
            } else {
                vec![1_000_000, 10_000_000]
            },
            batch: (if quick { 256 } else { 4096 }, 1024),
            large_n: if quick { 1_000_000 } else { 10_000_000 },
            march_nx: if quick { 100_000 } else { 1_000_000 },
            repeats: if quick { 3 } else { 5 },
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
    fn of(mut samples: Vec<Duration>) -> Timing {
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
    /// This row's GB/s over the same backend's copy GB/s (at its largest size in this run).
    pub percent_of_copy: Option<f64>,
    /// CPU median over this row's median, end to end (GPU rows only).
    pub gpu_speedup: Option<f64>,
    /// CPU median over this row's kernel median (GPU rows with timestamps only).
    pub gpu_kernel_speedup: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub cpu_threads: usize,
    pub adapters: Vec<AdapterSummary>,
    pub rows: Vec<BenchRow>,
    /// Operations not run, with the reason (memory, no adapter).
    pub skipped: Vec<String>,
}

/// The users' P1 problem at `nt` levels, linear backward Euler (one Newton iteration).
fn bench_problem(nt: usize) -> Heat1D {
    Heat1D {
        nt,
        theta: 1.0,
        ..Heat1D::default()
    }
}

/// Steps of the `march` operation.
const MARCH_STEPS: usize = 100;

/// What one operation runs on.
enum Workload {
    P1(Heat1D),
    /// `systems` tridiagonal systems of `rows` rows.
    Batch {
        systems: usize,
        rows: usize,
    },
    Large {
        n: usize,
    },
    /// `MARCH_STEPS` steps of one linear grid.
    March(Heat1D),
}

impl Workload {
    fn size(&self) -> String {
        match self {
            Workload::P1(p) => format!("nt={}", p.nt),
            Workload::Batch { systems, rows } => format!("{systems}x{rows}"),
            Workload::Large { n } => format!("n={n}"),
            Workload::March(p) => format!("{}x{}", MARCH_STEPS, p.nx),
        }
    }

    fn unknowns(&self) -> usize {
        match self {
            Workload::P1(p) => p.unknowns(),
            Workload::Batch { systems, rows } => systems * rows,
            Workload::Large { n } => *n,
            // Point-steps: the unknowns the march solves for.
            Workload::March(p) => MARCH_STEPS * p.nx,
        }
    }

    fn p1(&self) -> &Heat1D {
        match self {
            Workload::P1(p) => p,
            _ => unreachable!("a P1 operation on a tridiagonal workload"),
        }
    }
}

/// A diagonally dominant tridiagonal matrix of `len` rows (bands lower, diag, upper) and a right
/// side: diag in [4, 4.6), off-diagonals -1, so a pivot-free solve is safe.
fn tridiagonal_system(len: usize) -> [Vec<f64>; 4] {
    let diag = (0..len).map(|k| 4.0 + 0.1 * (k % 7) as f64).collect();
    let rhs = (0..len).map(|k| ((k * 37) % 101) as f64 / 101.0).collect();
    [vec![-1.0; len], diag, vec![-1.0; len], rhs]
}

/// Times `repeats` runs of `f` (which returns its own timed span) after one warm-up run.
fn time_repeats(repeats: usize, mut f: impl FnMut() -> Result<Duration>) -> Result<Timing> {
    crate::cancel::check()?;
    f()?;
    let samples = (0..repeats.max(1))
        .map(|_| crate::cancel::check().and_then(|()| f()))
        .collect::<Result<Vec<_>>>()?;
    Ok(Timing::of(samples))
}

/// Wall time of `f`.
fn timed(f: impl FnOnce() -> Result<()>) -> Result<Duration> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed())
}

/// Runs the benchmark; `progress` gets one line per measurement about to start.
pub fn run_bench(options: &BenchOptions, progress: &mut dyn FnMut(&str)) -> Result<BenchReport> {
    let adapters = list_adapters();
    let mut report = BenchReport {
        cpu_threads: rayon::current_num_threads(),
        adapters: adapters.clone(),
        rows: Vec::new(),
        skipped: Vec::new(),
    };
    let mut work: Vec<(BenchOp, Workload)> = Vec::new();
    for &nt in &options.nts {
        for op in options.ops.iter().filter(|op| op.is_p1()) {
            work.push((*op, Workload::P1(bench_problem(nt))));
        }
    }
    for &op in options.ops.iter().filter(|op| !op.is_p1()) {
        let (systems, rows) = options.batch;
        let workload = match op {
            BenchOp::Large => Workload::Large { n: options.large_n },
            BenchOp::March => Workload::March(Heat1D {
                nt: MARCH_STEPS + 1,
                nx: options.march_nx,
                theta: 1.0,
                t_max: 1.0,
                ..Heat1D::default()
            }),
            _ => Workload::Batch { systems, rows },
        };
        work.push((op, workload));
    }
    // Host copies of every array an operation holds (at most five nt*nx arrays of f64).
    let budget = MemoryBudget::detect();
    work.retain(|(op, w)| {
        let needed = 8 * 6 * w.unknowns() as u64;
        let fits = budget.bytes.is_none_or(|avail| needed <= avail);
        if !fits {
            report.skipped.push(format!(
                "{op:?} {}: needs {} MiB of host memory",
                w.size(),
                needed >> 20
            ));
        }
        fits
    });
    for (op, workload) in &work {
        if let Workload::P1(p) = workload {
            p.validate()?;
        }
        if options.cpu {
            progress(&format!("cpu {op:?} {}", workload.size()));
            report.rows.push(cpu_row(*op, workload, options.repeats)?);
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
            for (op, workload) in &work {
                progress(&format!(
                    "gpu {op:?} {} on {}",
                    workload.size(),
                    adapter.name
                ));
                let (row, back) = gpu_row(*op, workload, ctx, options.repeats)?;
                report.rows.push(row);
                ctx = back;
            }
        }
    }
    derive_ratios(&mut report.rows);
    Ok(report)
}

fn row(
    op: BenchOp,
    workload: &Workload,
    label: ComputeLabel,
    software: bool,
    setup: Duration,
    end_to_end: Timing,
    kernel: Option<Timing>,
) -> BenchRow {
    let unknowns = workload.unknowns();
    let bytes_per_unknown = op.bytes_per_unknown(label.precision.bytes());
    let seconds = kernel.map_or(end_to_end.median_s, |k| k.median_s);
    BenchRow {
        op,
        size: workload.size(),
        unknowns,
        label,
        software,
        setup_s: setup.as_secs_f64(),
        end_to_end,
        kernel,
        bytes_per_unknown,
        unknowns_per_s: unknowns as f64 / seconds,
        gb_per_s: (unknowns * bytes_per_unknown) as f64 / seconds / 1e9,
        percent_of_copy: None,
        gpu_speedup: None,
        gpu_kernel_speedup: None,
    }
}

fn cpu_row(op: BenchOp, workload: &Workload, repeats: usize) -> Result<BenchRow> {
    let n = workload.unknowns();
    let setup_start = Instant::now();
    let mut x = vec![0.0; n];
    let (setup, end_to_end) = match op {
        BenchOp::Copy => {
            let src = workload.p1().initial_guess();
            let setup = setup_start.elapsed();
            // All threads, like the residual: the CPU's bandwidth, not one core's.
            let copy = || {
                x.par_chunks_mut(1 << 16)
                    .zip(src.par_chunks(1 << 16))
                    .for_each(|(d, s)| d.copy_from_slice(s));
                Ok(())
            };
            let mut copy = copy;
            (setup, time_repeats(repeats, || timed(&mut copy))?)
        }
        BenchOp::Residual => {
            let problem = workload.p1();
            let (v, params) = (problem.initial_guess(), HeatParams::new(problem));
            let setup = setup_start.elapsed();
            let timing = time_repeats(repeats, || {
                timed(|| {
                    heat_residual_par(&params, std::hint::black_box(&v), &mut x);
                    Ok(())
                })
            })?;
            (setup, timing)
        }
        BenchOp::Newton => {
            let problem = workload.p1();
            let guess = problem.initial_guess();
            let mut system = CpuSpaceTime::new(problem, guess.clone())?;
            let setup = setup_start.elapsed();
            let (opts, mut stats) = (NewtonOptions::default(), NewtonStats::default());
            let timing = time_repeats(repeats, || {
                system.set_iterate(&guess, problem)?;
                timed(|| newton_solve_into(&mut system, &opts, &mut stats).map(drop))
            })?;
            (setup, timing)
        }
        BenchOp::Batched | BenchOp::BatchedShared => {
            let Workload::Batch { systems, rows } = *workload else {
                unreachable!()
            };
            let params = BatchParams {
                n: rows as u32,
                batch: systems as u32,
                offset: 0,
            };
            let [lower, diag, upper, rhs] = tridiagonal_system(n);
            let mut scratch = vec![0.0; if op == BenchOp::Batched { n } else { 3 * rows }];
            if op == BenchOp::BatchedShared {
                thomas_factor(&lower[..rows], &diag[..rows], &upper[..rows], &mut scratch)?;
            }
            let setup = setup_start.elapsed();
            let timing = time_repeats(repeats, || {
                timed(|| {
                    if op == BenchOp::Batched {
                        thomas_batched(&params, &lower, &diag, &upper, &rhs, &mut x, &mut scratch);
                    } else {
                        thomas_batched_factored(&params, &scratch, &rhs, &mut x);
                    }
                    Ok(())
                })
            })?;
            (setup, timing)
        }
        BenchOp::March => {
            let Workload::March(p) = workload else {
                unreachable!()
            };
            let mut march = CpuThetaMarch::new(std::slice::from_ref(p))?;
            let setup = setup_start.elapsed();
            let timing = time_repeats(repeats, || {
                timed(|| {
                    march
                        .march(p.nt, MARCH_STEPS, &mut |_, _| Ok(()), &mut |_| {})
                        .map(drop)
                })
            })?;
            (setup, timing)
        }
        BenchOp::Large => {
            let [lower, diag, upper, rhs] = tridiagonal_system(n);
            let mut scratch = vec![0.0; n];
            let setup = setup_start.elapsed();
            let timing = time_repeats(repeats, || {
                timed(|| {
                    thomas_solve(&lower, &diag, &upper, &rhs, &mut x, &mut scratch);
                    Ok(())
                })
            })?;
            (setup, timing)
        }
    };
    Ok(row(
        op,
        workload,
        ComputeLabel::cpu(),
        false,
        setup,
        end_to_end,
        None,
    ))
}

/// Measures `op` on the GPU of `ctx` and gives the context back.
fn gpu_row(
    op: BenchOp,
    workload: &Workload,
    mut ctx: GpuContext,
    repeats: usize,
) -> Result<(BenchRow, GpuContext)> {
    let software = ctx.summary().is_software;
    let label = ComputeLabel {
        backend: "gpu",
        device: ctx.summary().to_string(),
        precision: ctx.precision(),
    };
    let n = workload.unknowns();
    let mut x = vec![0.0; n];
    let setup_start = Instant::now();
    let (setup, end_to_end, kernel, ctx) = match op {
        BenchOp::Copy => {
            let copy = DeviceCopy::new(&ctx, &workload.p1().initial_guess())?;
            let setup = setup_start.elapsed();
            let end_to_end = time_repeats(repeats, || timed(|| copy.run(&ctx)))?;
            let kernel = kernel_timing(&mut ctx, |c| c, repeats, |c| copy.run(c))?;
            (setup, end_to_end, kernel, ctx)
        }
        BenchOp::Residual => {
            let problem = workload.p1();
            let guess = problem.initial_guess();
            let mut session = GpuHeatSession::new(ctx, problem, &guess)?;
            let setup = setup_start.elapsed();
            let end_to_end = time_repeats(repeats, || {
                timed(|| {
                    session.set_iterate(&guess, problem)?;
                    session.residual_into(&mut x)
                })
            })?;
            let kernel = kernel_timing(
                &mut session,
                |s| s.context(),
                repeats,
                |s| s.residual_into(&mut x),
            )?;
            (setup, end_to_end, kernel, session.into_context())
        }
        BenchOp::Newton => {
            let problem = workload.p1();
            let guess = problem.initial_guess();
            let mut session = GpuHeatSession::new(ctx, problem, &guess)?;
            let setup = setup_start.elapsed();
            let (opts, mut stats) = (NewtonOptions::default(), NewtonStats::default());
            let mut solve = |session: &mut GpuHeatSession| -> Result<()> {
                session.set_iterate(&guess, problem)?;
                newton_solve_into(session, &opts, &mut stats)?;
                session.solution().map(drop)
            };
            let end_to_end = time_repeats(repeats, || timed(|| solve(&mut session)))?;
            let kernel = kernel_timing(&mut session, |s| s.context(), repeats, &mut solve)?;
            (setup, end_to_end, kernel, session.into_context())
        }
        BenchOp::Batched | BenchOp::BatchedShared => {
            let Workload::Batch { systems, rows } = *workload else {
                unreachable!()
            };
            let [lower, diag, upper, rhs] = tridiagonal_system(n);
            let mut solver = if op == BenchOp::Batched {
                GpuBatchedTridiag::general(ctx, rows, systems, &lower, &diag, &upper)?
            } else {
                GpuBatchedTridiag::shared(
                    ctx,
                    rows,
                    systems,
                    &lower[..rows],
                    &diag[..rows],
                    &upper[..rows],
                )?
            };
            let setup = setup_start.elapsed();
            let end_to_end = time_repeats(repeats, || timed(|| Ok(solver.solve(&rhs, &mut x)?)))?;
            let kernel = kernel_timing(
                &mut solver,
                |s| s.context(),
                repeats,
                |s| Ok(s.solve(&rhs, &mut x)?),
            )?;
            (setup, end_to_end, kernel, solver.into_context())
        }
        BenchOp::March => {
            let Workload::March(p) = workload else {
                unreachable!()
            };
            let mut march = GpuThetaMarch::new(ctx, std::slice::from_ref(p))?;
            let setup = setup_start.elapsed();
            let run = |m: &mut GpuThetaMarch| {
                m.march(p.nt, MARCH_STEPS, &mut |_, _| Ok(()), &mut |_| {})
                    .map(drop)
            };
            let end_to_end = time_repeats(repeats, || timed(|| run(&mut march)))?;
            let kernel = kernel_timing(&mut march, |m| m.context(), repeats, run)?;
            (setup, end_to_end, kernel, march.into_context())
        }
        BenchOp::Large => {
            let [lower, diag, upper, rhs] = tridiagonal_system(n);
            let mut solver = GpuLargeTridiag::new(ctx, &lower, &diag, &upper, DEFAULT_BLOCK_ROWS)?;
            let setup = setup_start.elapsed();
            let end_to_end = time_repeats(repeats, || timed(|| Ok(solver.solve(&rhs, &mut x)?)))?;
            let kernel = kernel_timing(
                &mut solver,
                |s| s.context(),
                repeats,
                |s| Ok(s.solve(&rhs, &mut x)?),
            )?;
            (setup, end_to_end, kernel, solver.into_context())
        }
    };
    Ok((
        row(op, workload, label, software, setup, end_to_end, kernel),
        ctx,
    ))
}

/// Kernel time of `repeats` runs of `f` on `state` (after a warm-up), from timestamp queries
/// around each compute pass; `None` when the adapter has none.
fn kernel_timing<S>(
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

/// `out = inp` on the device with `shaders/common/copy_real.wgsl`: the GPU's bandwidth reference.
struct DeviceCopy {
    pipeline: wgpu::ComputePipeline,
    group: wgpu::BindGroup,
    grid: [u32; 3],
}

impl DeviceCopy {
    fn new(ctx: &GpuContext, values: &[f64]) -> Result<DeviceCopy> {
        let precision = ctx.precision();
        let bytes = reals_to_bytes(values, precision);
        let storage = wgpu::BufferUsages::STORAGE;
        let inp = ctx.create_buffer_init("copy in", &bytes, storage)?;
        let out =
            ctx.create_storage_buffer("copy out", bytes.len() as u64, wgpu::BufferUsages::empty())?;
        let n = [values.len() as u32];
        let params = ctx.create_buffer_init(
            "copy params",
            bytemuck::cast_slice(&n),
            wgpu::BufferUsages::UNIFORM,
        )?;
        let pipeline = ctx.create_compute_pipeline(
            "copy_real",
            &shader_source("copy_real", precision)?,
            "main",
        )?;
        let group = ctx.bind_buffers("copy", &pipeline, &[&inp, &out, &params])?;
        Ok(DeviceCopy {
            grid: ctx.grid(values.len() as u64)?,
            pipeline,
            group,
        })
    }

    /// One copy, waited for.
    fn run(&self, ctx: &GpuContext) -> Result<()> {
        let mut encoder = ctx.create_encoder("copy");
        {
            let mut pass = ctx.begin_compute_pass(&mut encoder, "copy");
            ctx.dispatch(&mut pass, &self.pipeline, &self.group, self.grid);
        }
        ctx.submit(encoder)?;
        ctx.wait()?;
        Ok(())
    }
}

/// Fills in percent-of-copy (same backend, its copy at the largest size) and the GPU/CPU
/// ratios (same operation and size).
fn derive_ratios(rows: &mut [BenchRow]) {
    let snapshot = rows.to_vec();
    for row in rows.iter_mut() {
        let copy = snapshot
            .iter()
            .filter(|r| r.label == row.label && r.op == BenchOp::Copy)
            .max_by_key(|r| r.unknowns);
        if let Some(copy) = copy {
            row.percent_of_copy = Some(100.0 * row.gb_per_s / copy.gb_per_s);
        }
        if row.label.backend == "gpu" {
            let cpu = snapshot
                .iter()
                .find(|r| r.label.backend == "cpu" && r.op == row.op && r.size == row.size);
            if let Some(cpu) = cpu {
                row.gpu_speedup = Some(cpu.end_to_end.median_s / row.end_to_end.median_s);
                row.gpu_kernel_speedup = row.kernel.map(|k| cpu.end_to_end.median_s / k.median_s);
            }
        }
    }
}
