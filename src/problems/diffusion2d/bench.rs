//! Timings of the 2D marches for `heatgpu bench` (rows `diffusion2d-explicit` and
//! `diffusion2d-adi`) and the criterion bench: median seconds of `steps` steps, and the bytes
//! the march moves by its traffic model, next to a same-run copy of the same bytes.
//!
//! Traffic models (f64, per point-step): explicit one step per pass 16 B (read, write), so
//! `16 / block` B with temporal blocking; ADI 32 B (each half-step reads and writes the field).
//! `bytes_one_pass` always counts 16 B (explicit) or 32 B (ADI) per point-step, so that its
//! rate compares directly with the copy's.

use std::time::Instant;

use serde::Serialize;

use super::adi::CpuAdi;
use super::explicit::CpuExplicit;
use super::march::Marcher2d;
use super::params::{Diffusion2D, Scheme};
use super::stencil::fence_streams;
use super::team::{run_team, share, PingPong};
use crate::error::Result;
use crate::gpu::GpuContext;

/// One timed configuration.
#[derive(Clone, Debug, Serialize)]
pub struct Timing2d {
    /// `diffusion2d-explicit` or `diffusion2d-adi`.
    pub case: String,
    pub ny: usize,
    pub nx: usize,
    pub steps: usize,
    /// `cpu` or the adapter's name.
    pub backend: String,
    pub threads: usize,
    /// Steps per pass over memory (explicit CPU), 1 otherwise.
    pub block_steps: usize,
    pub median_s: f64,
    pub repeats: usize,
    /// Bytes of the one-step-per-pass traffic model for the whole run.
    pub bytes_one_pass: u64,
}

impl Timing2d {
    /// `bytes_one_pass / median_s` in GB/s.
    pub fn gb_per_s(&self) -> f64 {
        self.bytes_one_pass as f64 / self.median_s / 1e9
    }
}

fn case_name(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Explicit => "diffusion2d-explicit",
        Scheme::Adi => "diffusion2d-adi",
    }
}

fn bytes_per_point_step(scheme: Scheme) -> u64 {
    match scheme {
        Scheme::Explicit => 16,
        Scheme::Adi => 32,
    }
}

fn median(mut seconds: Vec<f64>) -> f64 {
    seconds.sort_by(f64::total_cmp);
    seconds[seconds.len() / 2]
}

/// Times `problem.steps` steps of `problem` on the CPU from the book's initial field, `repeats`
/// times (each from a fresh march; construction not timed). `block`: explicit steps per pass
/// (`None`: the default depth).
pub fn time_cpu(
    problem: &Diffusion2D,
    threads: usize,
    block: Option<usize>,
    repeats: usize,
) -> Result<Timing2d> {
    let initial = problem.initial_field();
    let mut seconds = Vec::with_capacity(repeats);
    let (mut used_threads, mut block_steps) = (threads, 1);
    for _ in 0..repeats.max(1) {
        let mut march: Box<dyn Marcher2d> = match problem.scheme {
            Scheme::Explicit => {
                let m = CpuExplicit::new(problem, &initial, threads, block)?;
                (used_threads, block_steps) = (m.threads(), m.block_steps());
                Box::new(m)
            }
            Scheme::Adi => {
                let m = CpuAdi::new(problem, &initial, threads)?;
                used_threads = m.threads();
                Box::new(m)
            }
        };
        let start = Instant::now();
        march.advance(problem.steps)?;
        seconds.push(start.elapsed().as_secs_f64());
    }
    Ok(Timing2d {
        case: case_name(problem.scheme).into(),
        ny: problem.ny,
        nx: problem.nx,
        steps: problem.steps,
        backend: "cpu".into(),
        threads: used_threads,
        block_steps,
        median_s: median(seconds),
        repeats: repeats.max(1),
        bytes_one_pass: bytes_per_point_step(problem.scheme)
            * (problem.points() * problem.steps) as u64,
    })
}

/// Times `problem.steps` steps on the GPU of `ctx` (wall clock around the march, ending with a
/// wait; construction and upload not timed).
pub fn time_gpu(ctx: &GpuContext, problem: &Diffusion2D, repeats: usize) -> Result<Timing2d> {
    let initial = problem.initial_field();
    let mut seconds = Vec::with_capacity(repeats);
    for _ in 0..repeats.max(1) {
        let mut march = super::gpu::new_marcher(ctx, problem, &initial)?;
        ctx.wait()?;
        let start = Instant::now();
        march.advance(problem.steps)?;
        ctx.wait()?;
        seconds.push(start.elapsed().as_secs_f64());
    }
    Ok(Timing2d {
        case: case_name(problem.scheme).into(),
        ny: problem.ny,
        nx: problem.nx,
        steps: problem.steps,
        backend: ctx.summary().name.clone(),
        threads: 0,
        block_steps: 1,
        median_s: median(seconds),
        repeats: repeats.max(1),
        bytes_one_pass: bytes_per_point_step(problem.scheme)
            * (problem.points() * problem.steps) as u64
            * ctx.precision().bytes() as u64
            / 8,
    })
}

/// The `heatgpu bench` rows at `n x n` with the book's parameters (periodic, dt = 0.1, `steps`
/// steps): `diffusion2d-explicit` (temporally blocked) and `diffusion2d-adi` on the CPU, and on
/// `gpu` when given.
pub fn book_rows(
    n: usize,
    steps: usize,
    threads: usize,
    gpu: Option<&GpuContext>,
    repeats: usize,
) -> Result<Vec<Timing2d>> {
    let explicit = Diffusion2D {
        steps,
        ..Diffusion2D::book(n)
    };
    let adi = Diffusion2D {
        scheme: Scheme::Adi,
        ..explicit.clone()
    };
    let mut rows = Vec::with_capacity(4);
    for problem in [&explicit, &adi] {
        rows.push(time_cpu(problem, threads, None, repeats)?);
        if let Some(ctx) = gpu {
            rows.push(time_gpu(ctx, problem, repeats)?);
        }
    }
    Ok(rows)
}

/// Median seconds of one copy of `points` f64 values between two arrays on `threads` threads,
/// by `copy_from_slice` (`streaming = false`) or with non-temporal stores: the bandwidth
/// reference of a step (16 B per point).
pub fn time_copy(points: usize, threads: usize, streaming: bool, repeats: usize) -> f64 {
    let mut fields = [vec![1.0; points], vec![0.0; points]];
    let shared = PingPong::new(&mut fields);
    let threads = threads.clamp(1, points.max(1));
    let passes = repeats.max(1) + 1;
    let mut per_thread: Vec<Vec<f64>> = vec![Vec::with_capacity(passes); threads];
    run_team(&mut per_thread, |t, times, barrier| {
        let part = share(points, threads, t);
        for pass in 0..passes {
            barrier.wait();
            let start = Instant::now();
            // SAFETY: each thread copies its own part; barriers separate the passes.
            let (src, dst) = unsafe {
                (
                    shared.source(pass % 2),
                    shared.part(1 - pass % 2, part.clone()),
                )
            };
            if streaming {
                super::stencil::stream_copy(dst, &src[part.clone()]);
                fence_streams();
            } else {
                dst.copy_from_slice(&src[part.clone()]);
            }
            barrier.wait();
            times.push(start.elapsed().as_secs_f64());
        }
    });
    // Pass 0 warms up (page faults); a pass lasts as long as its slowest thread.
    let slowest: Vec<f64> = (1..passes)
        .map(|p| per_thread.iter().map(|t| t[p]).fold(0.0, f64::max))
        .collect();
    median(slowest)
}
