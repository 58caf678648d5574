//! `thomas_march`: the Newton direction over one chunk of levels from the rows `heat_jacobian`
//! assembled: `A_i dv[i] = -F_i - B_i dv[i-1]`, one Thomas solve per level, in order.

use super::heat_jacobian::{MarchCursor, JACOBIAN_ROW};
use super::heat_residual_levels::{Segment, SegmentView};
use super::params::HeatParams;
use crate::linalg::max_abs_reduce::{combine, flagged_abs};

/// Marches the levels of `cursor`'s window (within `segment`), stores max |dv| of the chunk at
/// `step_partials[cursor.chunk]` (-1 if not finite) and advances `cursor` past the chunk.
/// `dv` holds the segment's levels, `dv_prev` the previous segment; `c_prime` (nx values) the
/// eliminated super-diagonal of the current level.
#[allow(clippy::too_many_arguments)] // the shader's bindings, in order
pub fn thomas_march(
    p: &HeatParams,
    jac: &[f64],
    cursor: &mut MarchCursor,
    dv: &mut [f64],
    dv_prev: &[f64],
    c_prime: &mut [f64],
    segment: &Segment,
    step_partials: &mut [f64],
) {
    let nx = p.nx();
    let level0 = segment.level0 as usize;
    let window = cursor.window(segment);
    let mut step_max = 0.0;
    for i in window.clone() {
        let base = (i - window.start) * nx;
        let k = (i - level0) * nx;
        let (mut c_prev, mut d_prev) = (0.0, 0.0);
        for j in 0..nx {
            let row = &jac[(base + j) * JACOBIAN_ROW..][..JACOBIAN_ROW];
            let mut b_dot = 0.0;
            if i > 0 {
                let previous = SegmentView {
                    v: dv,
                    v_prev: dv_prev,
                    segment,
                };
                b_dot = row[4] * previous.at(nx, i - 1, j);
                if j > 0 {
                    b_dot += row[3] * previous.at(nx, i - 1, j - 1);
                }
                if j < nx - 1 {
                    b_dot += row[5] * previous.at(nx, i - 1, j + 1);
                }
            }
            let rhs = -row[6] - b_dot;
            let inv_pivot = 1.0 / (row[1] - row[0] * c_prev);
            c_prev = row[2] * inv_pivot;
            d_prev = (rhs - row[0] * d_prev) * inv_pivot;
            c_prime[j] = c_prev;
            dv[k + j] = d_prev;
        }
        step_max = combine(step_max, flagged_abs(dv[k + nx - 1], 1.0));
        for j in (1..nx).rev() {
            dv[k + j - 1] -= c_prime[j - 1] * dv[k + j];
            step_max = combine(step_max, flagged_abs(dv[k + j - 1], 1.0));
        }
    }
    step_partials[cursor.chunk as usize] = step_max;
    cursor.level0 = window.end as u32;
    cursor.chunk += 1;
}
