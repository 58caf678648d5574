//! `heatgpu bench`: the same operations on every available backend in one run, one table.
//!
//! Each operation is timed end to end (wall clock, uploads and downloads included) and, on a
//! GPU with timestamp queries, also as kernel time (sum of its compute passes). Warm-up runs
//! are excluded; session and pipeline creation is reported separately. Throughput is judged
//! against each backend's own copy bandwidth measured in the same run.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::backend::cpu::CpuSpaceTime;
use crate::backend::gpu::GpuHeatSession;
use crate::backend::ComputeLabel;
use crate::error::Result;
use crate::gpu::layout::reals_to_bytes;
use crate::gpu::{list_adapters, shader_source, AdapterRequest, AdapterSummary, GpuContext};
use crate::kernels::{heat_residual_par, HeatParams};
use crate::newton::{newton_solve_into, NewtonOptions, NewtonStats};
use crate::precision::Precision;
use crate::problem::memory::available_memory_bytes;
use crate::problem::Heat1D;

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
}

impl BenchOp {
    /// Bytes each unknown must move (f64): the figure throughput is computed from.
    fn bytes_per_unknown(self, real: usize) -> usize {
        match self {
            BenchOp::Copy | BenchOp::Residual => 2 * real,
            // Residual norm (read v), direction (read v, write dv), trial (read v, dv; write t).
            BenchOp::Newton => 6 * real,
        }
    }
}

#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub ops: Vec<BenchOp>,
    /// Time levels of the P1 problems (nx = 11): one row set per size.
    pub nts: Vec<usize>,
    pub repeats: usize,
    pub cpu: bool,
    pub gpu: bool,
    pub precision: Option<Precision>,
}

impl BenchOptions {
    pub fn standard(quick: bool) -> BenchOptions {
        BenchOptions {
            ops: vec![BenchOp::Copy, BenchOp::Residual, BenchOp::Newton],
            nts: if quick {
                vec![100_000]
            } else {
                vec![1_000_000, 10_000_000]
            },
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
    pub nt: usize,
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
    /// This row's GB/s over the same backend's copy GB/s at the same size.
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

/// Times `repeats` runs of `f` (which returns its own timed span) after one warm-up run.
fn time_repeats(repeats: usize, mut f: impl FnMut() -> Result<Duration>) -> Result<Timing> {
    f()?;
    let samples = (0..repeats.max(1))
        .map(|_| f())
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
    for &nt in &options.nts {
        let problem = bench_problem(nt);
        problem.validate()?;
        // The CPU Newton holds three arrays and the GPU session four; both need host copies.
        let needed = 8 * 5 * problem.unknowns() as u64;
        if available_memory_bytes().is_some_and(|avail| needed > avail) {
            report.skipped.push(format!(
                "nt = {nt}: needs {} MiB of host memory",
                needed >> 20
            ));
            continue;
        }
        if options.cpu {
            for &op in &options.ops {
                progress(&format!("cpu {op:?} nt = {nt}"));
                report.rows.push(cpu_row(op, &problem, options.repeats)?);
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
                for &op in &options.ops {
                    progress(&format!("gpu {op:?} nt = {nt} on {}", adapter.name));
                    let (row, back) = gpu_row(op, &problem, ctx, options.repeats)?;
                    report.rows.push(row);
                    ctx = back;
                }
            }
        }
    }
    derive_ratios(&mut report.rows);
    Ok(report)
}

fn row(
    op: BenchOp,
    problem: &Heat1D,
    label: ComputeLabel,
    software: bool,
    setup: Duration,
    end_to_end: Timing,
    kernel: Option<Timing>,
) -> BenchRow {
    let unknowns = problem.unknowns();
    let bytes_per_unknown = op.bytes_per_unknown(label.precision.bytes());
    let seconds = kernel.map_or(end_to_end.median_s, |k| k.median_s);
    BenchRow {
        op,
        nt: problem.nt,
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

fn cpu_row(op: BenchOp, problem: &Heat1D, repeats: usize) -> Result<BenchRow> {
    let n = problem.unknowns();
    let setup_start = Instant::now();
    let guess = problem.initial_guess();
    let (setup, end_to_end) = match op {
        BenchOp::Copy => {
            let mut dst = vec![0.0; n];
            let setup = setup_start.elapsed();
            let timing = time_repeats(repeats, || {
                timed(|| Ok(dst.copy_from_slice(std::hint::black_box(&guess))))
            })?;
            (setup, timing)
        }
        BenchOp::Residual => {
            let (mut r, params) = (vec![0.0; n], HeatParams::new(problem));
            let setup = setup_start.elapsed();
            let timing = time_repeats(repeats, || {
                timed(|| {
                    Ok(heat_residual_par(
                        &params,
                        std::hint::black_box(&guess),
                        &mut r,
                    ))
                })
            })?;
            (setup, timing)
        }
        BenchOp::Newton => {
            let mut system = CpuSpaceTime::new(problem, guess.clone())?;
            let setup = setup_start.elapsed();
            let (opts, mut stats) = (NewtonOptions::default(), NewtonStats::default());
            let timing = time_repeats(repeats, || {
                system.set_iterate(&guess, problem)?;
                timed(|| newton_solve_into(&mut system, &opts, &mut stats).map(drop))
            })?;
            (setup, timing)
        }
    };
    Ok(row(
        op,
        problem,
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
    problem: &Heat1D,
    mut ctx: GpuContext,
    repeats: usize,
) -> Result<(BenchRow, GpuContext)> {
    let software = ctx.summary().is_software;
    let label = ComputeLabel {
        backend: "gpu",
        device: ctx.summary().to_string(),
        precision: ctx.precision(),
    };
    let guess = problem.initial_guess();
    let setup_start = Instant::now();
    let (setup, end_to_end, kernel, ctx) = match op {
        BenchOp::Copy => {
            let copy = DeviceCopy::new(&ctx, &guess)?;
            let setup = setup_start.elapsed();
            let end_to_end = time_repeats(repeats, || timed(|| copy.run(&ctx)))?;
            let kernel = kernel_timing(&mut ctx, |c| c, repeats, |c| copy.run(c))?;
            (setup, end_to_end, kernel, ctx)
        }
        BenchOp::Residual => {
            let mut session = GpuHeatSession::new(ctx, problem, &guess)?;
            let setup = setup_start.elapsed();
            let mut r = vec![0.0; problem.unknowns()];
            let end_to_end = time_repeats(repeats, || {
                timed(|| {
                    session.set_iterate(&guess, problem)?;
                    session.residual_into(&mut r)
                })
            })?;
            let kernel = kernel_timing(
                &mut session,
                |s| s.context(),
                repeats,
                |s| s.residual_into(&mut r),
            )?;
            (setup, end_to_end, kernel, session.into_context())
        }
        BenchOp::Newton => {
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
    };
    Ok((
        row(op, problem, label, software, setup, end_to_end, kernel),
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

/// `out = inp` on the device with `shaders/copy_real.wgsl`: the GPU's bandwidth reference.
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

/// Fills in percent-of-copy (same backend and size) and the GPU/CPU ratios (same op and size).
fn derive_ratios(rows: &mut [BenchRow]) {
    let snapshot = rows.to_vec();
    for row in rows.iter_mut() {
        let same_device = |r: &&BenchRow| r.label == row.label && r.nt == row.nt;
        if let Some(copy) = snapshot
            .iter()
            .filter(same_device)
            .find(|r| r.op == BenchOp::Copy)
        {
            row.percent_of_copy = Some(100.0 * row.gb_per_s / copy.gb_per_s);
        }
        if row.label.backend == "gpu" {
            let cpu = snapshot
                .iter()
                .find(|r| r.label.backend == "cpu" && r.op == row.op && r.nt == row.nt);
            if let Some(cpu) = cpu {
                row.gpu_speedup = Some(cpu.end_to_end.median_s / row.end_to_end.median_s);
                row.gpu_kernel_speedup = row.kernel.map(|k| cpu.end_to_end.median_s / k.median_s);
            }
        }
    }
}
