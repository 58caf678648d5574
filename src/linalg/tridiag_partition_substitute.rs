//! `tridiag_partition_substitute`: pass 3 of the partitioned tridiagonal solver.

use super::tridiag::PartitionParams;

/// Each block's rows from the reduced solution (`x` at `p.reduced_offset()`): the first and last
/// row take it directly, interior rows `x_i = delta_i - alpha_i x_first - gamma_i x_last`.
pub fn tridiag_partition_substitute(
    p: &PartitionParams,
    x: &mut [f64],
    alpha: &[f64],
    gamma: &[f64],
) {
    let offset = p.offset as usize;
    for j in 0..p.blocks as usize {
        let block = p.block(j);
        let (first, last) = (offset + block.start, offset + block.end - 1);
        let reduced = p.reduced_offset() + 2 * j;
        let (x_first, x_last) = (x[reduced], x[reduced + 1]);
        x[first] = x_first;
        for g in first + 1..last {
            x[g] = x[g] - alpha[g] * x_first - gamma[g] * x_last;
        }
        x[last] = x_last;
    }
}
