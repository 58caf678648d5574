//! `theta_step_residual`: the scaled residual of one step of the linear theta march,
//! `(I - theta r D2) x = rhs` with identity boundary rows, each row divided by its diagonal
//! `1 + 2 theta r`; folded into running per-workgroup maxima (-1: not finite).

use super::theta_rhs::{MarchParams, Member};
use crate::linalg::max_abs_reduce::{combine, flagged_abs, REDUCE_WIDTH};

/// `partials[w] = combine(partials[w], max |row| / diag)` over the workgroups of 256 points
/// (interleaved: point j of member s at `j * members + s`).
pub fn theta_step_residual(
    params: &MarchParams,
    members: &[Member],
    x: &[f64],
    rhs: &[f64],
    partials: &mut [f64],
) {
    let (nx, m) = (params.nx as usize, params.members as usize);
    let n = nx * m;
    for (w, partial) in partials
        .iter_mut()
        .enumerate()
        .take(n.div_ceil(REDUCE_WIDTH))
    {
        let start = w * REDUCE_WIDTH;
        let mut best = 0.0;
        for k in start..(start + REDUCE_WIDTH).min(n) {
            let (j, member) = (k / m, &members[k % m]);
            let value = if j == 0 {
                flagged_abs(x[k] - member.t_x0, 1.0)
            } else if j == nx - 1 {
                flagged_abs(x[k] - member.t_xl, 1.0)
            } else {
                let off = params.theta * member.r;
                let diag = 1.0 + 2.0 * off;
                let row = diag * x[k] - off * (x[k + m] + x[k - m]) - rhs[k];
                flagged_abs(row, 1.0 / diag)
            };
            best = combine(best, value);
        }
        *partial = combine(*partial, best);
    }
}
