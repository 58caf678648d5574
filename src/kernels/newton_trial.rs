//! `newton_trial`: the line-search trial point `t = v + lambda dv` and its scaled residual norm,
//! in one streaming pass (each level's energy rows are evaluated while the level is in cache).
//! Traffic: reads v and dv, writes t (24 bytes per unknown in f64).

use super::heat_residual::nan_aware_max;
use super::params::{energy_balance, HeatParams};

/// Writes `trial = v + lambda dv` and returns the dt-scaled max-norm of F(trial). No allocation.
pub fn newton_trial(p: &HeatParams, v: &[f64], dv: &[f64], lambda: f64, trial: &mut [f64]) -> f64 {
    let n = p.nt() * p.nx();
    assert!(v.len() == n && dv.len() == n && trial.len() == n, "v, dv, trial must have nt*nx values");
    if p.is_linear() {
        trial_levels::<true>(p, v, dv, lambda, trial)
    } else {
        trial_levels::<false>(p, v, dv, lambda, trial)
    }
}

fn trial_levels<const LINEAR: bool>(p: &HeatParams, v: &[f64], dv: &[f64], lambda: f64, trial: &mut [f64]) -> f64 {
    let nx = p.nx();
    let boundary = |level: &[f64]| nan_aware_max((level[0] - p.t_x0).abs(), (level[nx - 1] - p.t_xl).abs());
    let mut levels = v.chunks_exact(nx).zip(dv.chunks_exact(nx)).zip(trial.chunks_exact_mut(nx));
    let ((v0, dv0), mut u) = levels.next().expect("nt >= 1");
    for ((t, x), d) in u.iter_mut().zip(v0).zip(dv0) {
        *t = x + lambda * d;
    }
    let mut other_max = u[1..nx - 1]
        .iter()
        .fold(boundary(u), |acc, t| nan_aware_max(acc, (t - p.t_t0).abs()));
    let mut energy_max = 0.0_f64;
    for ((vw, dvw), w) in levels {
        for ((t, x), d) in w.iter_mut().zip(vw).zip(dvw) {
            *t = x + lambda * d;
        }
        other_max = nan_aware_max(other_max, boundary(w));
        for (u3, w3) in u.windows(3).zip(w.windows(3)) {
            energy_max = nan_aware_max(energy_max, energy_balance::<LINEAR>(p, u3, w3).abs());
        }
        u = w;
    }
    nan_aware_max(other_max, energy_max * p.dt)
}
