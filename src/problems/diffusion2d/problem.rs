//! [`Diffusion2D`] as a generic [`Problem`]: its scheme marched to the last step on the CPU
//! (all threads) or the GPU, from the book's initial field.

use super::march::{run_to_end, Marcher2d};
use super::params::{Diffusion2D, Scheme};
use super::team::default_threads;
use super::{gpu, CpuAdi, CpuExplicit};
use crate::backend::Compute;
use crate::error::Result;
use crate::problems::Problem;

impl Problem for Diffusion2D {
    fn name(&self) -> &'static str {
        "diffusion2d"
    }

    fn validate(&self) -> Result<()> {
        Diffusion2D::validate(self)
    }

    fn level_shape(&self) -> Vec<usize> {
        vec![self.ny, self.nx]
    }

    fn initial_level(&self) -> Vec<f64> {
        self.initial_field()
    }

    fn end_time(&self) -> f64 {
        self.steps as f64 * self.dt
    }

    fn solve_final_level(&self, compute: Compute) -> Result<Vec<f64>> {
        self.validate()?;
        let problem = Diffusion2D {
            snapshot_every: 0,
            ..self.clone()
        };
        let initial = problem.initial_field();
        let threads = default_threads();
        let mut field = vec![0.0; problem.points()];
        let mut march: Box<dyn Marcher2d + '_> = match &compute {
            Compute::Cpu => match problem.scheme {
                Scheme::Explicit => Box::new(CpuExplicit::new(&problem, &initial, threads, None)?),
                Scheme::Adi => Box::new(CpuAdi::new(&problem, &initial, threads)?),
            },
            Compute::Gpu(ctx) => gpu::new_marcher(ctx, &problem, &initial)?,
        };
        run_to_end(march.as_mut(), &mut field, &mut |_, _| Ok(()), &mut |_| {})?;
        Ok(field)
    }
}
