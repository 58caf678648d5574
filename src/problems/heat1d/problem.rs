//! [`Heat1D`] as a generic [`Problem`]: the all-at-once solve with default options.

use super::solve::{solve, SolveOptions};
use super::Heat1D;
use crate::backend::Compute;
use crate::error::Result;
use crate::problems::Problem;

impl Problem for Heat1D {
    fn name(&self) -> &'static str {
        "heat1d"
    }

    fn validate(&self) -> Result<()> {
        Heat1D::validate(self)
    }

    fn level_shape(&self) -> Vec<usize> {
        vec![self.nx]
    }

    fn initial_level(&self) -> Vec<f64> {
        Heat1D::initial_level(self)
    }

    fn end_time(&self) -> f64 {
        self.t_max
    }

    fn solve_final_level(&self, compute: Compute) -> Result<Vec<f64>> {
        let solution = solve(
            self,
            &SolveOptions::default(),
            compute,
            None,
            &mut |_, _| {},
        )?;
        let last = solution.field.nrows() - 1;
        Ok(solution.field.row(last).to_vec())
    }
}
