//! `heat_jacobian`: the rows of the all-at-once Jacobian for one chunk of time levels.

use super::heat_residual_levels::level_residual;
use super::params::{energy_stencil, HeatParams};

/// Reals per assembled row: `[A-, A0, A+, B-, B0, B+, F]`.
pub const JACOBIAN_ROW: usize = 7;

/// The level window a chunked kernel works on: `[level0, level0 + levels)`. On the device it
/// is a two-word storage buffer; `thomas_march` advances `level0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarchCursor {
    pub level0: u32,
    pub levels: u32,
}

/// For each row (i, j) of the chunk, `jac[(l*nx + j)*7 ..] = [A-, A0, A+, B-, B0, B+, F]` with
/// l = i - level0, A = dF/dT[i, j-1..=j+1], B = dF/dT[i-1, j-1..=j+1] and F the residual
/// (level-major row). Boundary rows and level 0 are identities: A = (0, 1, 0), B = 0.
pub fn heat_jacobian(p: &HeatParams, v: &[f64], cursor: &MarchCursor, jac: &mut [f64]) {
    let nx = p.nx();
    let level0 = cursor.level0 as usize;
    let end = (level0 + cursor.levels as usize).min(p.nt());
    for i in level0..end {
        for j in 0..nx {
            let row = &mut jac[((i - level0) * nx + j) * JACOBIAN_ROW..][..JACOBIAN_ROW];
            let (mut a, mut b) = ([0.0, 1.0, 0.0], [0.0; 3]);
            if i > 0 && j > 0 && j < nx - 1 {
                let (k, o) = (i * nx + j, (i - 1) * nx + j);
                let (old, new) = ([v[o - 1], v[o], v[o + 1]], [v[k - 1], v[k], v[k + 1]]);
                let s = if p.is_linear() {
                    energy_stencil::<true>(p, old, new)
                } else {
                    energy_stencil::<false>(p, old, new)
                };
                (a, b) = (s.new, s.old);
            }
            row[..3].copy_from_slice(&a);
            row[3..6].copy_from_slice(&b);
            row[6] = level_residual(p, v, i, j);
        }
    }
}
