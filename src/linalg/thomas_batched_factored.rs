//! `thomas_batched_factored`: a batch of systems sharing one matrix, factorised once by
//! [`super::thomas_factor`]; only the right-hand sides and solutions are per system.

use super::tridiag::BatchParams;

/// Solves every system of the batch into `x` from `factors[3k..3k+3] = (lower_k, 1/p_k, c'_k)`.
/// The maths of `shaders/linalg/thomas_batched_factored.wgsl`; the same bits as `thomas_batched` on
/// the unfactorised bands.
pub fn thomas_batched_factored(p: &BatchParams, factors: &[f64], rhs: &[f64], x: &mut [f64]) {
    let (n, batch, offset) = (p.n as usize, p.batch as usize, p.offset as usize);
    let end = p.end();
    assert!(
        factors.len() >= 3 * n && rhs.len() >= end && x.len() >= end,
        "thomas_batched_factored: 3n factors and offset + n * batch rhs and x elements"
    );
    let row = |k: usize| offset + k * batch..offset + (k + 1) * batch;
    let inv_pivot0 = factors[1];
    for (y, &r) in x[row(0)].iter_mut().zip(&rhs[row(0)]) {
        *y = r * inv_pivot0;
    }
    for k in 1..n {
        let (l, inv_pivot) = (factors[3 * k], factors[3 * k + 1]);
        let (done, rest) = x.split_at_mut(row(k).start);
        let y_prev = &done[row(k - 1)];
        for ((y, &r), &y_prev) in rest[..batch].iter_mut().zip(&rhs[row(k)]).zip(y_prev) {
            *y = (r - l * y_prev) * inv_pivot;
        }
    }
    for k in (0..n - 1).rev() {
        let c = factors[3 * k + 2];
        let (done, next) = x.split_at_mut(row(k + 1).start);
        for (x_k, &x_next) in done[row(k)].iter_mut().zip(&next[..batch]) {
            *x_k -= c * x_next;
        }
    }
}
