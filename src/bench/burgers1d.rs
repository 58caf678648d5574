//! Bench cases of the Burgers problem (P3), delegating to
//! [`crate::problems::burgers1d::bench::BurgersBenchCase`]: one grid of `burgers_n` points
//! (1e6; quick 1e5) and a sweep of `members x points` (4096 x 1024; quick 256 x 1024), both
//! with fixed Crank-Nicolson steps, on the CPU and the GPU, each with its max-norm error
//! against Cole-Hopf at t_end. Unknowns are point-steps; bytes per unknown: 2 reals (read the
//! old level, write the new one), the floor of any march, so %copy is an upper bound on how
//! well a step streams. Next to them, the copy of the largest field.

use super::copy::CopyCase;
use super::{BenchCase, BenchOp, BenchOptions, Measured};
use crate::error::Result;
use crate::gpu::GpuContext;
use crate::memory::bytes_for;
use crate::problems::burgers1d::bench::{BurgersBenchCase, BurgersBenchRow};

/// The Burgers cases under `options`, in table order.
pub fn cases(options: &BenchOptions) -> Vec<Box<dyn BenchCase>> {
    let steps = options.burgers_steps;
    let (members, points) = options.burgers_sweep;
    let march = BurgersBenchCase::March {
        n: options.burgers_n,
        steps,
    };
    let sweep = BurgersBenchCase::Sweep {
        members,
        n: points,
        steps,
    };
    let largest = options.burgers_n.max(members * points);
    vec![
        Box::new(CopyCase {
            size: format!("n={largest}"),
            len: largest,
        }),
        Box::new(Burgers(march)),
        Box::new(Burgers(sweep)),
    ]
}

struct Burgers(BurgersBenchCase);

impl Burgers {
    /// (members, points per member, steps).
    fn shape(&self) -> (usize, usize, usize) {
        match self.0 {
            BurgersBenchCase::March { n, steps } => (1, n, steps),
            BurgersBenchCase::Sweep { members, n, steps } => (members, n, steps),
            BurgersBenchCase::Adaptive { n, .. } => (1, n, 0),
        }
    }
}

fn measured(row: BurgersBenchRow) -> Measured {
    Measured {
        setup: std::time::Duration::from_secs_f64(row.setup_s),
        end_to_end: row.timing,
        kernel: None,
        check: Some(format!(
            "error {:.1e} vs Cole-Hopf, {} Newton its",
            row.error, row.newton_iterations
        )),
    }
}

impl BenchCase for Burgers {
    fn op(&self) -> BenchOp {
        match self.0 {
            BurgersBenchCase::Sweep { .. } => BenchOp::BurgersSweep,
            _ => BenchOp::BurgersMarch,
        }
    }

    fn size(&self) -> String {
        match self.shape() {
            (1, n, steps) => format!("{steps}x{n}"),
            (members, n, steps) => format!("{members}x{n}x{steps}"),
        }
    }

    fn unknowns(&self) -> usize {
        let (members, n, steps) = self.shape();
        members * n * steps
    }

    fn bytes_per_unknown(&self, real: usize) -> usize {
        2 * real
    }

    fn host_bytes(&self) -> u64 {
        // Levels, Newton arrays, bands and the exact solution: about 16 arrays of the field.
        let (members, n, _) = self.shape();
        bytes_for(members * n, 16 * 8)
    }

    fn cpu(&self, repeats: usize) -> Result<Option<Measured>> {
        Ok(Some(measured(self.0.cpu(repeats)?)))
    }

    fn gpu(&self, ctx: GpuContext, repeats: usize) -> Result<(Option<Measured>, GpuContext)> {
        let (row, ctx) = self.0.gpu(ctx, repeats)?;
        Ok((row.map(measured), ctx))
    }
}
