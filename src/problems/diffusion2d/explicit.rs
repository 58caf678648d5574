//! The explicit (forward Euler) march on the CPU: `u' = u + r (sum of 4 neighbours - 4 u)`,
//! multi-threaded over rows, two ping-pong fields allocated once, `block` steps per pass over
//! memory (temporal blocking, see `blocked`; `block = 1` is one plain step per pass).
//!
//! Bytes per point-step (f64): minimum 16 B (read u, write u') for one step per pass, reached
//! with non-temporal stores; `16 / block` B with temporal blocking.

use super::blocked::{self, default_block_steps, ring_len, Grid};
use super::march::Marcher2d;
use super::params::{Diffusion2D, Scheme};
use super::stencil::RowGeometry;
use super::team::{field_vec, team_size};
use crate::error::{Error, Result};
use crate::precision::Precision;

/// An explicit march on the CPU.
pub struct CpuExplicit {
    problem: Diffusion2D,
    grid: Grid,
    fields: [Vec<f64>; 2],
    current: usize,
    done: usize,
    block: usize,
    /// One ring of intermediate rows per worker thread.
    rings: Vec<Vec<f64>>,
}

impl CpuExplicit {
    /// Validates `problem` and `initial` (row-major `ny x nx`; Dirichlet edges are set to the edge
    /// value), then allocates everything the march needs. `block`: steps per pass (`None`: as
    /// many as fit in cache, see [`default_block_steps`]; `Some(1)`: plain steps).
    pub fn new(
        problem: &Diffusion2D,
        initial: &[f64],
        threads: usize,
        block: Option<usize>,
    ) -> Result<CpuExplicit> {
        problem.validate()?;
        if problem.scheme != Scheme::Explicit {
            return Err(Error::invalid(
                "scheme",
                "adi",
                "CpuExplicit runs --scheme explicit",
            ));
        }
        problem.check_field(initial, Precision::F64)?;
        let threads = team_size(threads, problem.ny);
        let block = block.unwrap_or_else(|| default_block_steps(problem.ny, problem.nx, threads));
        if !(1..=blocked::MAX_BLOCK_STEPS).contains(&block) {
            return Err(Error::invalid(
                "block steps",
                block,
                format!("must be 1..={}", blocked::MAX_BLOCK_STEPS),
            ));
        }
        let mut first = field_vec(initial.len());
        first.copy_from_slice(initial);
        problem.apply_boundary(&mut first);
        let mut second = field_vec(first.len());
        second.copy_from_slice(&first);
        Ok(CpuExplicit {
            grid: Grid {
                ny: problem.ny,
                row: RowGeometry {
                    nx: problem.nx,
                    r: problem.r(),
                    periodic: problem.is_periodic(),
                },
            },
            problem: problem.clone(),
            fields: [first, second],
            current: 0,
            done: 0,
            block,
            rings: vec![vec![0.0; ring_len(block, problem.nx)]; threads],
        })
    }

    /// The current field, row-major.
    pub fn field(&self) -> &[f64] {
        &self.fields[self.current]
    }

    /// Steps per pass over memory.
    pub fn block_steps(&self) -> usize {
        self.block
    }

    pub fn threads(&self) -> usize {
        self.rings.len()
    }
}

impl Marcher2d for CpuExplicit {
    fn problem(&self) -> &Diffusion2D {
        &self.problem
    }

    fn steps_done(&self) -> usize {
        self.done
    }

    fn advance(&mut self, steps: usize) -> Result<()> {
        blocked::advance(
            self.grid,
            &mut self.fields,
            &mut self.current,
            steps,
            self.block,
            &mut self.rings,
        );
        self.done += steps;
        Ok(())
    }

    fn read_field(&mut self, out: &mut [f64]) -> Result<()> {
        out.copy_from_slice(self.field());
        Ok(())
    }
}
