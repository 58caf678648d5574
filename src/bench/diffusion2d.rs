//! Bench cases of the 2D diffusion problem (P2), delegating to
//! [`crate::problems::diffusion2d::bench`]: `grid_steps` steps of the book's problem (periodic,
//! dt = 0.1) at each side `n` of the options (1024, 2048, 4096; quick 256, 512), explicit
//! (CPU: temporally blocked) and ADI, on the CPU and the GPU, next to a copy of the n^2 field.
//! Unknowns are point-steps; bytes per unknown by the one-step-per-pass traffic model of
//! `problems::diffusion2d::bench`: explicit 2 reals (read, write), ADI 4 (each half-step reads
//! and writes the field); a temporally blocked CPU march may beat 100% of the copy.

use std::time::{Duration, Instant};

use super::copy::CopyCase;
use super::{BenchCase, BenchOp, BenchOptions, Measured, Timing};
use crate::error::Result;
use crate::gpu::GpuContext;
use crate::memory::bytes_for;
use crate::problems::diffusion2d::bench::{time_cpu, time_gpu, Timing2d};
use crate::problems::diffusion2d::params::{Diffusion2D, Scheme};
use crate::problems::diffusion2d::team::default_threads;

/// The 2D cases under `options`, in table order.
pub fn cases(options: &BenchOptions) -> Vec<Box<dyn BenchCase>> {
    let mut cases: Vec<Box<dyn BenchCase>> = Vec::new();
    for &n in &options.grid_sides {
        cases.push(Box::new(CopyCase {
            size: format!("{n}^2"),
            len: n * n,
        }));
        for scheme in [Scheme::Explicit, Scheme::Adi] {
            cases.push(Box::new(Grid(Diffusion2D {
                steps: options.grid_steps,
                scheme,
                ..Diffusion2D::book(n)
            })));
        }
    }
    cases
}

struct Grid(Diffusion2D);

/// Median and spread of `repeats` single timed runs after a warm-up one, Ctrl-C checked
/// between; setup is the warm-up's time outside its march (construction, initial field).
fn repeat(repeats: usize, mut once: impl FnMut() -> Result<Timing2d>) -> Result<Measured> {
    crate::cancel::check()?;
    let start = Instant::now();
    let warm = once()?;
    let setup = start
        .elapsed()
        .saturating_sub(Duration::from_secs_f64(warm.median_s));
    let mut samples = Vec::with_capacity(repeats.max(1));
    for _ in 0..repeats.max(1) {
        crate::cancel::check()?;
        samples.push(Duration::from_secs_f64(once()?.median_s));
    }
    Ok(Measured {
        setup,
        end_to_end: Timing::of(samples),
        kernel: None,
        check: None,
    })
}

impl BenchCase for Grid {
    fn op(&self) -> BenchOp {
        match self.0.scheme {
            Scheme::Explicit => BenchOp::Diffusion2dExplicit,
            Scheme::Adi => BenchOp::Diffusion2dAdi,
        }
    }

    fn size(&self) -> String {
        format!("{}^2", self.0.nx)
    }

    fn unknowns(&self) -> usize {
        self.0.points() * self.0.steps
    }

    fn bytes_per_unknown(&self, real: usize) -> usize {
        match self.0.scheme {
            Scheme::Explicit => 2 * real,
            Scheme::Adi => 4 * real,
        }
    }

    fn host_bytes(&self) -> u64 {
        // Initial field, two march fields, ADI's sweep scratch.
        bytes_for(self.0.points(), 4 * 8)
    }

    fn cpu(&self, repeats: usize) -> Result<Option<Measured>> {
        self.0.validate()?;
        // One worker per 64 Ki points, as `heatgpu solve diffusion2d` does by default.
        let threads = default_threads().min((self.0.points() >> 16).max(1));
        repeat(repeats, || time_cpu(&self.0, threads, None, 1)).map(Some)
    }

    fn gpu(&self, ctx: GpuContext, repeats: usize) -> Result<(Option<Measured>, GpuContext)> {
        self.0.validate()?;
        let m = repeat(repeats, || time_gpu(&ctx, &self.0, 1))?;
        Ok((Some(m), ctx))
    }
}
