//! The host-driven Newton iteration of [`GpuBurgersMarch`]: the generic driver
//! ([`crate::solver::newton`]) on the device-resident system. Per iteration one submit each for the
//! residual (the first), the direction (Jacobian into the bands, cyclic solve, norms) and each
//! line-search trial, and only scalars read back: the residual, three for the direction (its
//! norm, the iterate's, the Jacobian's dominance ratio), one per trial. The only upload is the
//! lambda of a trial, written into the parameter block without a host allocation.

use crate::error::Result;
use crate::precision::Precision;
use crate::solver::newton::{DirectionNorms, NewtonSystem};

use super::limits::{is_dominant, not_dominant};
use super::{slot, GpuBurgersMarch, Solver};

impl GpuBurgersMarch {
    fn upload_lambda(&mut self, lambda: f64) -> Result<()> {
        self.params.lambda = lambda;
        write_lambda(&mut self.params_bytes, lambda, self.ctx.precision());
        self.ctx
            .upload(&self.params_buffer, 0, &self.params_bytes)?;
        Ok(())
    }
}

/// Overwrites the lambda field of `params_bytes` in place (no allocation).
fn write_lambda(bytes: &mut [u8], lambda: f64, precision: Precision) {
    match precision {
        Precision::F64 => bytes[16..24].copy_from_slice(&lambda.to_le_bytes()),
        Precision::F32 => bytes[12..16].copy_from_slice(&(lambda as f32).to_le_bytes()),
    }
}

impl NewtonSystem for GpuBurgersMarch {
    fn residual_norm(&mut self) -> Result<f64> {
        let mut encoder = self.encoder("residual");
        {
            let mut pass = self.ctx.begin_compute_pass(&mut encoder, "residual");
            let (p, g) = (&self.pipelines, &self.groups);
            self.ctx
                .dispatch(&mut pass, &p.residual, &g.residual, self.grid);
        }
        let at = self.real_offset(slot::RESIDUAL);
        self.chains
            .residual
            .record(&self.ctx, &mut encoder, &self.results, at);
        self.ctx.submit(encoder)?;
        let mut value = [0.0];
        self.read_results(slot::RESIDUAL, &mut value)?;
        Ok(flag_to_nan(value[0]))
    }

    fn newton_direction(&mut self) -> Result<DirectionNorms> {
        let mut encoder = self.encoder("direction");
        {
            let mut pass = self.ctx.begin_compute_pass(&mut encoder, "direction");
            let (p, g) = (&self.pipelines, &self.groups);
            self.ctx
                .dispatch(&mut pass, &p.jacobian, &g.jacobian, self.grid);
            self.solver.record(&self.ctx, &mut pass);
            self.ctx
                .dispatch(&mut pass, &p.direction, &g.direction, self.grid);
        }
        for (chain, slot) in [
            (&self.chains.dominance, slot::DOMINANCE),
            (&self.chains.step, slot::STEP),
            (&self.chains.iterate, slot::ITERATE),
        ] {
            let at = self.real_offset(slot);
            chain.record(&self.ctx, &mut encoder, &self.results, at);
        }
        self.ctx.submit(encoder)?;
        let mut values = [0.0; 3];
        self.read_results(slot::DOMINANCE, &mut values)?;
        let [dominance, step, iterate] = values;
        if let Solver::Large(_) = self.solver {
            if !is_dominant(dominance) {
                return Err(not_dominant(&self.problems[0], self.steps, dominance, true));
            }
        }
        Ok(DirectionNorms {
            step: flag_to_nan(step),
            iterate: flag_to_nan(iterate),
        })
    }

    fn trial_residual_norm(&mut self, lambda: f64) -> Result<f64> {
        self.upload_lambda(lambda)?;
        let mut encoder = self.encoder("trial");
        {
            let mut pass = self.ctx.begin_compute_pass(&mut encoder, "trial");
            let (p, g) = (&self.pipelines, &self.groups);
            self.ctx.dispatch(&mut pass, &p.trial, &g.trial, self.grid);
        }
        let at = self.real_offset(slot::TRIAL);
        self.chains
            .trial
            .record(&self.ctx, &mut encoder, &self.results, at);
        self.ctx.submit(encoder)?;
        let mut value = [0.0];
        self.read_results(slot::TRIAL, &mut value)?;
        Ok(flag_to_nan(value[0]))
    }

    fn accept_trial(&mut self) {
        self.pending_accept = true;
    }

    fn rounding_floor(&self) -> f64 {
        self.floor
    }
}

/// The reductions mark non-finite values with -1.
fn flag_to_nan(x: f64) -> f64 {
    if x < 0.0 {
        f64::NAN
    } else {
        x
    }
}
