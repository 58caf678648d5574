//! `heat_residual_levels`: r = F(v) in the level-major device layout of the GPU kernels.
//!
//! Row (i, j) sits at `i*nx + j`, like the unknown it determines: j = 0 and j = nx-1 are level
//! i's boundary rows, interior j of level 0 the initial condition, interior j of level i >= 1
//! the energy balance between levels i-1 and i. Every kernel can then be split by levels, and
//! [`levels_to_p1_order`] gives the users' order when a residual is handed back.

use super::params::{energy_balance, HeatParams};

/// Row (i, j) of F in the level-major layout (`shaders/heat_levels.wgsl`: `level_residual`).
#[inline(always)]
pub fn level_residual(p: &HeatParams, v: &[f64], i: usize, j: usize) -> f64 {
    let nx = p.nx();
    let k = i * nx + j;
    if j == 0 {
        v[k] - p.t_x0
    } else if j == nx - 1 {
        v[k] - p.t_xl
    } else if i == 0 {
        v[k] - p.t_t0
    } else {
        let o = k - nx;
        let old = [v[o - 1], v[o], v[o + 1]];
        let new = [v[k - 1], v[k], v[k + 1]];
        if p.is_linear() {
            energy_balance::<true>(p, old, new)
        } else {
            energy_balance::<false>(p, old, new)
        }
    }
}

/// `r = F(v)` in the level-major layout. No allocation.
pub fn heat_residual_levels(p: &HeatParams, v: &[f64], r: &mut [f64]) {
    let nx = p.nx();
    assert!(
        v.len() == p.nt() * nx && r.len() == v.len(),
        "v and r must have nt*nx values"
    );
    for (k, rk) in r.iter_mut().enumerate() {
        *rk = level_residual(p, v, k / nx, k % nx);
    }
}

/// Reorders a level-major residual into the users' P1 order (see [`crate::problem::ResidualLayout`]).
pub fn levels_to_p1_order(p: &HeatParams, levels: &[f64], r: &mut [f64]) {
    let (nt, nx) = (p.nt(), p.nx());
    assert!(
        levels.len() == nt * nx && r.len() == levels.len(),
        "both must have nt*nx values"
    );
    let layout = crate::problem::ResidualLayout { nt, nx };
    for (i, level) in levels.chunks_exact(nx).enumerate() {
        r[layout.boundary_x0(i)] = level[0];
        r[layout.boundary_xl(i)] = level[nx - 1];
        for (j, &value) in level.iter().enumerate().take(nx - 1).skip(1) {
            let row = if i == 0 {
                layout.initial(j)
            } else {
                layout.energy(i - 1, j)
            };
            r[row] = value;
        }
    }
}
