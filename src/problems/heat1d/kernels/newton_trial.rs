//! `newton_trial`: the line-search trial point `t = v + lambda dv` and its scaled residual norm,
//! in one streaming pass (each block of levels is evaluated while it is in cache).
//! Traffic: reads v and dv, writes t (24 bytes per unknown in f64).

use super::dispatch::avx2_dispatch;
use super::heat_residual::{boundary_bits, fold_energy_levels, levels_per_flat_block, FLAT};
use super::params::HeatParams;
use crate::linalg::max_abs::{abs_bits, max_abs2, MaxAbsLanes};

/// Writes `trial = v + lambda dv` and returns the dt-scaled max-norm of F(trial). No allocation.
pub fn newton_trial(p: &HeatParams, v: &[f64], dv: &[f64], lambda: f64, trial: &mut [f64]) -> f64 {
    let n = p.nt() * p.nx();
    assert!(
        v.len() == n && dv.len() == n && trial.len() == n,
        "v, dv, trial must have nt*nx values"
    );
    if p.is_linear() {
        trial_levels::<true>(p, v, dv, lambda, trial)
    } else {
        trial_levels::<false>(p, v, dv, lambda, trial)
    }
}

avx2_dispatch!(
    fn trial_levels<const LINEAR: bool>(p: &HeatParams, v: &[f64], dv: &[f64], lambda: f64, trial: &mut [f64]) -> f64 => trial_levels_portable
);

#[inline(always)]
fn trial_levels_portable<const LINEAR: bool>(
    p: &HeatParams,
    v: &[f64],
    dv: &[f64],
    lambda: f64,
    trial: &mut [f64],
) -> f64 {
    let nx = p.nx();
    let mut norm = TrialNorm::new(p, v, dv, lambda, trial);
    let pairs = p.nt() - 1;
    let per_block = levels_per_flat_block(nx);
    for start in (0..pairs).step_by(per_block) {
        norm.block::<LINEAR>(p, v, dv, lambda, trial, start, per_block.min(pairs - start));
    }
    norm.finish(p)
}

/// The trial point and its scaled residual norm, built block by block of levels, so that a pass
/// that produces dv (the affine march) can form the full step's trial while the block is in cache.
pub(crate) struct TrialNorm {
    /// Boundary and initial-condition rows (unscaled).
    other: MaxAbsLanes,
    /// Energy rows (scaled by dt in `finish`).
    energy: MaxAbsLanes,
    flat: [f64; FLAT],
}

#[inline(always)]
fn axpy(t: &mut [f64], x: &[f64], d: &[f64], lambda: f64) {
    for ((t, x), d) in t.iter_mut().zip(x).zip(d) {
        *t = x + lambda * d;
    }
}

impl TrialNorm {
    /// Forms level 0 of the trial and folds its rows.
    #[inline(always)]
    pub(crate) fn new(
        p: &HeatParams,
        v: &[f64],
        dv: &[f64],
        lambda: f64,
        trial: &mut [f64],
    ) -> TrialNorm {
        let nx = p.nx();
        axpy(&mut trial[..nx], &v[..nx], &dv[..nx], lambda);
        let initial = trial[1..nx - 1]
            .iter()
            .map(|t| abs_bits(t - p.t_t0))
            .max()
            .unwrap_or(0);
        let mut other = MaxAbsLanes::default();
        other.fold(std::iter::once(f64::from_bits(
            initial.max(boundary_bits(p, &trial[..nx])) as u64,
        )));
        TrialNorm {
            other,
            energy: MaxAbsLanes::default(),
            flat: [0.0; FLAT],
        }
    }

    /// Forms levels `start + 1 ..= start + levels` of the trial (dv must be ready there) and folds
    /// the rows of the level pairs `start .. start + levels`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(crate) fn block<const LINEAR: bool>(
        &mut self,
        p: &HeatParams,
        v: &[f64],
        dv: &[f64],
        lambda: f64,
        trial: &mut [f64],
        start: usize,
        levels: usize,
    ) {
        let nx = p.nx();
        let new = (start + 1) * nx..(start + levels + 1) * nx;
        axpy(
            &mut trial[new.clone()],
            &v[new.clone()],
            &dv[new.clone()],
            lambda,
        );
        let (u_run, w_run) = (&trial[start * nx..(start + levels) * nx], &trial[new]);
        for w in w_run.chunks_exact(nx) {
            self.other
                .fold([w[0] - p.t_x0, w[nx - 1] - p.t_xl].into_iter());
        }
        fold_energy_levels::<LINEAR>(p, u_run, w_run, &mut self.flat, &mut self.energy);
    }

    /// The dt-scaled max-norm of F(trial).
    pub(crate) fn finish(&self, p: &HeatParams) -> f64 {
        max_abs2(self.other.value(), self.energy.value() * p.energy_scale)
    }
}
