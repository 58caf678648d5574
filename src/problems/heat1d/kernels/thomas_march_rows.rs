//! `thomas_march_forward_rows` and `thomas_march_backward_rows`: the Newton direction of one
//! level too long for one invocation's sweep, as windows of rows. Together, over all windows,
//! they compute exactly what `thomas_march` computes for a one-level chunk.

use super::heat_jacobian::{MarchCursor, JACOBIAN_ROW};
use super::heat_residual_levels::{Segment, SegmentView};
use super::params::HeatParams;
use crate::linalg::max_abs_reduce::{combine, flagged_abs};

/// Forward elimination of rows `[cursor.row, cursor.row + cursor.sweep_rows)` of level
/// `cursor.level0`, continuing from the previous row's `c'` and `d'`; advances `cursor.row`.
pub fn thomas_march_forward_rows(
    p: &HeatParams,
    jac: &[f64],
    cursor: &mut MarchCursor,
    dv: &mut [f64],
    dv_prev: &[f64],
    c_prime: &mut [f64],
    segment: &Segment,
) {
    let nx = p.nx();
    let i = cursor.level0 as usize;
    let k = (i - segment.level0 as usize) * nx;
    let first = cursor.row as usize;
    let end = (first + cursor.sweep_rows as usize).min(nx);
    let (mut c_prev, mut d_prev) = if first > 0 {
        (c_prime[first - 1], dv[k + first - 1])
    } else {
        (0.0, 0.0)
    };
    for j in first..end {
        let row = &jac[j * JACOBIAN_ROW..][..JACOBIAN_ROW];
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
    cursor.row = end as u32;
}

/// Back substitution of rows `[cursor.row_end - cursor.sweep_rows, cursor.row_end)` downward, keeping
/// max |dv| of the level at `step_partials[cursor.chunk]`; the last window advances the level.
pub fn thomas_march_backward_rows(
    p: &HeatParams,
    cursor: &mut MarchCursor,
    dv: &mut [f64],
    c_prime: &[f64],
    segment: &Segment,
    step_partials: &mut [f64],
) {
    let nx = p.nx();
    let i = cursor.level0 as usize;
    let k = (i - segment.level0 as usize) * nx;
    let end = cursor.row_end as usize;
    let first = end - (cursor.sweep_rows as usize).min(end);
    let chunk = cursor.chunk as usize;
    let mut step_max = if end == nx - 1 {
        flagged_abs(dv[k + nx - 1], 1.0)
    } else {
        step_partials[chunk]
    };
    for j in (first + 1..=end).rev() {
        dv[k + j - 1] -= c_prime[j - 1] * dv[k + j];
        step_max = combine(step_max, flagged_abs(dv[k + j - 1], 1.0));
    }
    step_partials[chunk] = step_max;
    if first == 0 {
        cursor.level0 += 1;
        cursor.chunk += 1;
        cursor.row = 0;
        cursor.row_end = (nx - 1) as u32;
    } else {
        cursor.row_end = first as u32;
    }
}
