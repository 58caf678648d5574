//! [`Burgers1D`] as a generic [`Problem`]: the march of its stepping (fixed theta steps on the
//! CPU or the GPU; adaptive TR-BDF2 on the CPU), keeping only the final level.

use super::exact::initial_level;
use super::params::{Burgers1D, Stepping};
use super::solve::{solve_cpu, solve_gpu};
use crate::backend::Compute;
use crate::error::{Error, Result};
use crate::problems::Problem;

impl Problem for Burgers1D {
    fn name(&self) -> &'static str {
        "burgers"
    }

    fn validate(&self) -> Result<()> {
        Burgers1D::validate(self)
    }

    fn level_shape(&self) -> Vec<usize> {
        vec![self.n]
    }

    fn initial_level(&self) -> Vec<f64> {
        initial_level(self)
    }

    fn end_time(&self) -> f64 {
        self.t_end
    }

    fn solve_final_level(&self, compute: Compute) -> Result<Vec<f64>> {
        let mut last = Vec::new();
        // Levels arrive in order: the final one is the last kept (every step's end is checked).
        let mut sink = |_member: usize, _kept: usize, _t: f64, level: &[f64]| -> Result<()> {
            last.clear();
            last.extend_from_slice(level);
            Ok(())
        };
        let members = std::slice::from_ref(self);
        let every = match self.stepping {
            Stepping::Fixed { steps } => steps,
            Stepping::Adaptive { .. } => 1,
        };
        match compute {
            Compute::Cpu => solve_cpu(members, every, &mut sink).map(|_| ())?,
            Compute::Gpu(_) if matches!(self.stepping, Stepping::Adaptive { .. }) => {
                return Err(Error::invalid(
                    "tol",
                    "adaptive",
                    "adaptive steps run on the CPU; use fixed --steps on the GPU",
                ))
            }
            Compute::Gpu(ctx) => solve_gpu(*ctx, members, every, &mut sink).map(|_| ())?,
        }
        Ok(last)
    }
}
