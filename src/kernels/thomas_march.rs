//! `thomas_march`: the Newton direction over one chunk of levels from the rows `heat_jacobian`
//! assembled: `A_i dv[i] = -F_i - B_i dv[i-1]`, one Thomas solve per level, in order.

use super::heat_jacobian::{MarchCursor, JACOBIAN_ROW};
use super::params::HeatParams;

/// Marches the levels of `cursor`'s window and advances `cursor.level0` past them.
/// `c_prime` (nx values) holds the eliminated super-diagonal of the current level.
pub fn thomas_march(
    p: &HeatParams,
    jac: &[f64],
    cursor: &mut MarchCursor,
    dv: &mut [f64],
    c_prime: &mut [f64],
) {
    let nx = p.nx();
    let level0 = cursor.level0 as usize;
    let end = (level0 + cursor.levels as usize).min(p.nt());
    for i in level0..end {
        let base = (i - level0) * nx;
        let k = i * nx;
        let (mut c_prev, mut d_prev) = (0.0, 0.0);
        for j in 0..nx {
            let row = &jac[(base + j) * JACOBIAN_ROW..][..JACOBIAN_ROW];
            let mut b_dot = 0.0;
            if i > 0 {
                let q = k - nx + j;
                b_dot = row[4] * dv[q];
                if j > 0 {
                    b_dot += row[3] * dv[q - 1];
                }
                if j < nx - 1 {
                    b_dot += row[5] * dv[q + 1];
                }
            }
            let rhs = -row[6] - b_dot;
            let inv_pivot = 1.0 / (row[1] - row[0] * c_prev);
            c_prev = row[2] * inv_pivot;
            d_prev = (rhs - row[0] * d_prev) * inv_pivot;
            c_prime[j] = c_prev;
            dv[k + j] = d_prev;
        }
        for j in (1..nx).rev() {
            dv[k + j - 1] -= c_prime[j - 1] * dv[k + j];
        }
    }
    cursor.level0 = end as u32;
}
