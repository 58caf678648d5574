//! `newton_trial`: the line-search trial point `t = v + lambda dv` and its scaled residual norm,
//! in one streaming pass (each level's energy rows are evaluated while the level is in cache).
//! Traffic: reads v and dv, writes t (24 bytes per unknown in f64).

use super::dispatch::avx2_dispatch;
use super::heat_residual::{boundary_bits, fold_energy_rows};
use super::max_abs::{abs_bits, max_abs2, MaxAbsLanes};
use super::params::HeatParams;

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
    let axpy = |t: &mut [f64], x: &[f64], d: &[f64]| {
        for ((t, x), d) in t.iter_mut().zip(x).zip(d) {
            *t = x + lambda * d;
        }
    };
    let mut levels = v
        .chunks_exact(nx)
        .zip(dv.chunks_exact(nx))
        .zip(trial.chunks_exact_mut(nx));
    let ((v0, dv0), mut u) = levels.next().expect("nt >= 1");
    axpy(u, v0, dv0);
    let initial = u[1..nx - 1]
        .iter()
        .map(|t| abs_bits(t - p.t_t0))
        .max()
        .unwrap_or(0);
    let mut other = MaxAbsLanes::default();
    other.fold(std::iter::once(f64::from_bits(
        initial.max(boundary_bits(p, u)) as u64,
    )));
    let mut energy = MaxAbsLanes::default();
    for ((v_level, dv_level), w) in levels {
        axpy(w, v_level, dv_level);
        other.fold([w[0] - p.t_x0, w[nx - 1] - p.t_xl].into_iter());
        fold_energy_rows::<LINEAR>(p, u, w, &mut energy);
        u = w;
    }
    max_abs2(other.value(), energy.value() * p.dt)
}
