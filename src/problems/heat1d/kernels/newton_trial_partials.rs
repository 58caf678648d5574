//! `newton_trial_partials`: the line-search trial point `t = v + lambda dv` of one segment with
//! the max-norms of F(t) and of t per workgroup, in one pass.

use super::heat_residual_levels::{level_residual, row_scale, Segment, SegmentView};
use super::params::HeatParams;
use crate::linalg::max_abs_reduce::{flagged_abs, workgroup_maxima};

/// Writes the segment's `trial = v + lambda dv` and its partials (layout of
/// `heat_residual_partials`). `dv_prev`, like `v_prev`, holds the previous segment.
#[allow(clippy::too_many_arguments)] // the shader's bindings, in order
pub fn newton_trial_partials(
    p: &HeatParams,
    v: &[f64],
    v_prev: &[f64],
    segment: &Segment,
    dv: &[f64],
    dv_prev: &[f64],
    trial: &mut [f64],
    partials: &mut [f64],
    lambda: f64,
) {
    let nx = p.nx();
    let n = segment.levels as usize * nx;
    for ((t, x), d) in trial[..n].iter_mut().zip(v).zip(dv) {
        *t = x + lambda * d;
    }
    // t at any level of the segment or its halo, formed like the shader's t_at.
    let (v_view, dv_view) = (
        SegmentView { v, v_prev, segment },
        SegmentView {
            v: dv,
            v_prev: dv_prev,
            segment,
        },
    );
    let at = |i, j| v_view.at(nx, i, j) + lambda * dv_view.at(nx, i, j);
    let (offset, stride) = (
        segment.partials_offset as usize,
        segment.partials_stride as usize,
    );
    let (first, second) = partials.split_at_mut(offset + stride);
    workgroup_maxima(
        n,
        |k| {
            let (i, j) = (segment.level0 as usize + k / nx, k % nx);
            flagged_abs(level_residual(p, at, i, j), row_scale(p, i, j))
        },
        &mut first[offset..],
    );
    workgroup_maxima(n, |k| flagged_abs(trial[k], 1.0), second);
}
