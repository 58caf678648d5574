//! Bench cases of the tridiagonal building blocks under P1 (rows of `--problem heat1d`):
//! `batched` (a matrix per system) and `batched-shared` (one matrix factored once), `large`
//! (one system, partitioned on the GPU), and `march` (100 linear backward-Euler steps of one
//! grid). Bytes per unknown (f64 reals): batched-shared 2 (right side, solution); batched,
//! large 5 (three bands, right side, solution); march 7 per point-step (right side: read T,
//! write rhs; the solve: 5).

use std::time::Instant;

use super::{kernel_timing, time_repeats, timed, BenchCase, BenchOp, BenchOptions, Measured};
use crate::error::Result;
use crate::gpu::GpuContext;
use crate::linalg::gpu_tridiag::{GpuBatchedTridiag, GpuLargeTridiag};
use crate::memory::bytes_for;
use crate::problems::heat1d::kernels::{
    thomas_batched, thomas_batched_factored, thomas_factor, thomas_solve, BatchParams,
    DEFAULT_BLOCK_ROWS,
};
use crate::problems::heat1d::params::Heat1D;
use crate::problems::heat1d::theta_march::{CpuThetaMarch, GpuThetaMarch};

/// Steps of the `march` operation.
const MARCH_STEPS: usize = 100;

/// The tridiagonal cases under `options`, in table order.
pub fn cases(options: &BenchOptions) -> Vec<Box<dyn BenchCase>> {
    let (systems, rows) = options.batch;
    let march = Heat1D {
        nt: MARCH_STEPS + 1,
        nx: options.march_nx,
        theta: 1.0,
        t_max: 1.0,
        ..Heat1D::default()
    };
    vec![
        Box::new(BatchCase {
            shared: false,
            systems,
            rows,
        }),
        Box::new(BatchCase {
            shared: true,
            systems,
            rows,
        }),
        Box::new(LargeCase { n: options.large_n }),
        Box::new(MarchCase(march)),
    ]
}

/// A diagonally dominant tridiagonal matrix of `len` rows (bands lower, diag, upper) and a right
/// side: diag in [4, 4.6), off-diagonals -1, so a pivot-free solve is safe.
fn tridiagonal_system(len: usize) -> [Vec<f64>; 4] {
    let diag = (0..len).map(|k| 4.0 + 0.1 * (k % 7) as f64).collect();
    let rhs = (0..len).map(|k| ((k * 37) % 101) as f64 / 101.0).collect();
    [vec![-1.0; len], diag, vec![-1.0; len], rhs]
}

/// `systems` tridiagonal systems of `rows` rows: a matrix each, or one shared (factored once).
struct BatchCase {
    shared: bool,
    systems: usize,
    rows: usize,
}

impl BenchCase for BatchCase {
    fn op(&self) -> BenchOp {
        if self.shared {
            BenchOp::BatchedShared
        } else {
            BenchOp::Batched
        }
    }

    fn size(&self) -> String {
        format!("{}x{}", self.systems, self.rows)
    }

    fn unknowns(&self) -> usize {
        self.systems * self.rows
    }

    fn bytes_per_unknown(&self, real: usize) -> usize {
        if self.shared {
            2 * real
        } else {
            5 * real
        }
    }

    fn host_bytes(&self) -> u64 {
        bytes_for(self.unknowns(), 6 * 8)
    }

    fn cpu(&self, repeats: usize) -> Result<Option<Measured>> {
        let (n, rows) = (self.unknowns(), self.rows);
        let start = Instant::now();
        let params = BatchParams {
            n: rows as u32,
            batch: self.systems as u32,
            offset: 0,
        };
        let [lower, diag, upper, rhs] = tridiagonal_system(n);
        let mut x = vec![0.0; n];
        let mut scratch = vec![0.0; if self.shared { 3 * rows } else { n }];
        if self.shared {
            thomas_factor(&lower[..rows], &diag[..rows], &upper[..rows], &mut scratch)?;
        }
        let setup = start.elapsed();
        let t = time_repeats(repeats, || {
            timed(|| {
                if self.shared {
                    thomas_batched_factored(&params, &scratch, &rhs, &mut x);
                } else {
                    thomas_batched(&params, &lower, &diag, &upper, &rhs, &mut x, &mut scratch);
                }
                Ok(())
            })
        })?;
        Ok(Some(Measured::new(setup, t, None, None)))
    }

    fn gpu(&self, ctx: GpuContext, repeats: usize) -> Result<(Option<Measured>, GpuContext)> {
        let (n, rows, systems) = (self.unknowns(), self.rows, self.systems);
        let start = Instant::now();
        let [lower, diag, upper, rhs] = tridiagonal_system(n);
        let mut x = vec![0.0; n];
        let mut solver = if self.shared {
            let (l, d, u) = (&lower[..rows], &diag[..rows], &upper[..rows]);
            GpuBatchedTridiag::shared(ctx, rows, systems, l, d, u)?
        } else {
            GpuBatchedTridiag::general(ctx, rows, systems, &lower, &diag, &upper)?
        };
        let setup = start.elapsed();
        let t = time_repeats(repeats, || timed(|| Ok(solver.solve(&rhs, &mut x)?)))?;
        let kernel = kernel_timing(
            &mut solver,
            |s| s.context(),
            repeats,
            |s| Ok(s.solve(&rhs, &mut x)?),
        )?;
        Ok((
            Some(Measured::new(setup, t, kernel, None)),
            solver.into_context(),
        ))
    }
}

/// One tridiagonal system of `n` unknowns (GPU: partitioned in blocks).
struct LargeCase {
    n: usize,
}

impl BenchCase for LargeCase {
    fn op(&self) -> BenchOp {
        BenchOp::Large
    }

    fn size(&self) -> String {
        format!("n={}", self.n)
    }

    fn unknowns(&self) -> usize {
        self.n
    }

    fn bytes_per_unknown(&self, real: usize) -> usize {
        5 * real
    }

    fn host_bytes(&self) -> u64 {
        bytes_for(self.n, 6 * 8)
    }

    fn cpu(&self, repeats: usize) -> Result<Option<Measured>> {
        let start = Instant::now();
        let [lower, diag, upper, rhs] = tridiagonal_system(self.n);
        let (mut x, mut scratch) = (vec![0.0; self.n], vec![0.0; self.n]);
        let setup = start.elapsed();
        let t = time_repeats(repeats, || {
            timed(|| {
                thomas_solve(&lower, &diag, &upper, &rhs, &mut x, &mut scratch);
                Ok(())
            })
        })?;
        Ok(Some(Measured::new(setup, t, None, None)))
    }

    fn gpu(&self, ctx: GpuContext, repeats: usize) -> Result<(Option<Measured>, GpuContext)> {
        let start = Instant::now();
        let [lower, diag, upper, rhs] = tridiagonal_system(self.n);
        let mut x = vec![0.0; self.n];
        let mut solver = GpuLargeTridiag::new(ctx, &lower, &diag, &upper, DEFAULT_BLOCK_ROWS)?;
        let setup = start.elapsed();
        let t = time_repeats(repeats, || timed(|| Ok(solver.solve(&rhs, &mut x)?)))?;
        let kernel = kernel_timing(
            &mut solver,
            |s| s.context(),
            repeats,
            |s| Ok(s.solve(&rhs, &mut x)?),
        )?;
        Ok((
            Some(Measured::new(setup, t, kernel, None)),
            solver.into_context(),
        ))
    }
}

/// `MARCH_STEPS` linear backward-Euler steps of one grid.
struct MarchCase(Heat1D);

impl BenchCase for MarchCase {
    fn op(&self) -> BenchOp {
        BenchOp::March
    }

    fn size(&self) -> String {
        format!("{}x{}", MARCH_STEPS, self.0.nx)
    }

    fn unknowns(&self) -> usize {
        // Point-steps: the unknowns the march solves for.
        MARCH_STEPS * self.0.nx
    }

    fn bytes_per_unknown(&self, real: usize) -> usize {
        // Per point and step: the right side (read T, write rhs) and the solve (5 reals).
        7 * real
    }

    fn host_bytes(&self) -> u64 {
        bytes_for(self.0.nx, 8 * 8)
    }

    fn cpu(&self, repeats: usize) -> Result<Option<Measured>> {
        let p = &self.0;
        let start = Instant::now();
        let mut march = CpuThetaMarch::new(std::slice::from_ref(p))?;
        let setup = start.elapsed();
        let t = time_repeats(repeats, || {
            timed(|| {
                march
                    .march(p.nt, MARCH_STEPS, &mut |_, _| Ok(()), &mut |_| {})
                    .map(drop)
            })
        })?;
        Ok(Some(Measured::new(setup, t, None, None)))
    }

    fn gpu(&self, ctx: GpuContext, repeats: usize) -> Result<(Option<Measured>, GpuContext)> {
        let p = &self.0;
        let start = Instant::now();
        let mut march = GpuThetaMarch::new(ctx, std::slice::from_ref(p))?;
        let setup = start.elapsed();
        let run = |m: &mut GpuThetaMarch| {
            m.march(p.nt, MARCH_STEPS, &mut |_, _| Ok(()), &mut |_| {})
                .map(drop)
        };
        let t = time_repeats(repeats, || timed(|| run(&mut march)))?;
        let kernel = kernel_timing(&mut march, |m| m.context(), repeats, run)?;
        Ok((
            Some(Measured::new(setup, t, kernel, None)),
            march.into_context(),
        ))
    }
}
