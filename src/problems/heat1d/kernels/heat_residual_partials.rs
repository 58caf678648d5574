//! `heat_residual_partials`: the max-norms of F(v) (energy rows times dt) and of v per
//! workgroup of one segment, without storing F.

use super::heat_residual_levels::{level_residual, row_scale, Segment, SegmentView};
use super::params::HeatParams;
use crate::linalg::max_abs_reduce::{flagged_abs, workgroup_maxima};

/// `partials[partials_offset + w]` = max |F| * scale, `[.. + partials_stride]` = max |v|, over the
/// segment's workgroups of 256 rows.
pub fn heat_residual_partials(
    p: &HeatParams,
    v: &[f64],
    v_prev: &[f64],
    segment: &Segment,
    partials: &mut [f64],
) {
    let nx = p.nx();
    let view = SegmentView { v, v_prev, segment };
    let at = |i, j| view.at(nx, i, j);
    let n = segment.levels as usize * nx;
    let (offset, stride) = (
        segment.partials_offset as usize,
        segment.partials_stride as usize,
    );
    let (first, second) = partials.split_at_mut(offset + stride);
    let row = |k: usize| (segment.level0 as usize + k / nx, k % nx);
    workgroup_maxima(
        n,
        |k| {
            let (i, j) = row(k);
            flagged_abs(level_residual(p, at, i, j), row_scale(p, i, j))
        },
        &mut first[offset..],
    );
    workgroup_maxima(n, |k| flagged_abs(v[k], 1.0), second);
}
