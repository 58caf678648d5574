//! `tridiag_partition_reduce`: pass 1 of the partitioned tridiagonal solver (the maths is in
//! `shaders/linalg/tridiag_partition_reduce.wgsl`).

use super::tridiag::PartitionParams;

/// Eliminates each block's interior, leaving `delta` in `x` and the fill-in `alpha` (column of
/// the block's first unknown) and `gamma` (column of its last) for the substitution, and writes
/// the reduced system's bands and right-hand side at `p.reduced_offset()`.
// One argument per shader binding, in binding order.
#[allow(clippy::too_many_arguments)]
pub fn tridiag_partition_reduce(
    p: &PartitionParams,
    lower: &mut [f64],
    diag: &mut [f64],
    upper: &mut [f64],
    rhs: &mut [f64],
    x: &mut [f64],
    alpha: &mut [f64],
    gamma: &mut [f64],
) {
    let offset = p.offset as usize;
    for j in 0..p.blocks as usize {
        let block = p.block(j);
        let (first, last) = (offset + block.start, offset + block.end - 1);
        let (mut alpha_prev, mut gamma_prev, mut delta_prev) = (-1.0, 0.0, 0.0);
        for g in first + 1..=last {
            let a = lower[g];
            let r = 1.0 / (diag[g] - a * gamma_prev);
            alpha_prev = -a * alpha_prev * r;
            gamma_prev = upper[g] * r;
            delta_prev = (rhs[g] - a * delta_prev) * r;
            alpha[g] = alpha_prev;
            gamma[g] = gamma_prev;
            x[g] = delta_prev;
        }
        let reduced = p.reduced_offset() + 2 * j;
        lower[reduced + 1] = alpha_prev;
        diag[reduced + 1] = 1.0;
        upper[reduced + 1] = gamma_prev;
        rhs[reduced + 1] = delta_prev;

        let (mut alpha_next, mut gamma_next, mut delta_next) =
            (alpha[last - 1], gamma[last - 1], x[last - 1]);
        for g in (first + 1..last - 1).rev() {
            let gamma_g = gamma[g];
            alpha_next = alpha[g] - gamma_g * alpha_next;
            delta_next = x[g] - gamma_g * delta_next;
            gamma_next *= -gamma_g;
            alpha[g] = alpha_next;
            gamma[g] = gamma_next;
            x[g] = delta_next;
        }
        let c0 = upper[first];
        lower[reduced] = lower[first];
        diag[reduced] = diag[first] - c0 * alpha_next;
        upper[reduced] = -c0 * gamma_next;
        rhs[reduced] = rhs[first] - c0 * delta_next;
    }
}
