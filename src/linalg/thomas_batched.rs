//! `thomas_batched`: Thomas on a batch of independent tridiagonal systems in the interleaved
//! layout of [`BatchParams`] (row k of system s at `offset + k * batch + s`).

use super::tridiag::BatchParams;

/// Systems swept together, row by row: their rows are contiguous, so the inner loop vectorises,
/// and a row of 512 f64 is one 4 KiB page per array, which the prefetcher streams (chunks of 16
/// systems, 128 B per page, ran 4x slower at 4096 x 1024).
const COLUMNS: usize = 512;

/// Solves every system of the batch into `x`; `c_prime` receives the modified super-diagonal.
/// The maths of `shaders/linalg/thomas_batched.wgsl`, in the same order per system (so the same bits as
/// [`super::thomas_solve`] on each system).
pub fn thomas_batched(
    p: &BatchParams,
    lower: &[f64],
    diag: &[f64],
    upper: &[f64],
    rhs: &[f64],
    x: &mut [f64],
    c_prime: &mut [f64],
) {
    let (n, batch, offset) = (p.n as usize, p.batch as usize, p.offset as usize);
    let end = p.end();
    assert!(
        [
            lower.len(),
            diag.len(),
            upper.len(),
            rhs.len(),
            x.len(),
            c_prime.len()
        ]
        .iter()
        .all(|&len| len >= end),
        "thomas_batched: every array must hold offset + n * batch elements"
    );
    for s0 in (0..batch).step_by(COLUMNS) {
        let cols = (batch - s0).min(COLUMNS);
        let at = |k: usize| offset + k * batch + s0..offset + k * batch + s0 + cols;
        let first = at(0);
        for i in first {
            let inv_pivot = 1.0 / diag[i];
            c_prime[i] = upper[i] * inv_pivot;
            x[i] = rhs[i] * inv_pivot;
        }
        for k in 1..n {
            let (row, prev) = (at(k), at(k - 1).start);
            let (done, rest) = x.split_at_mut(row.start);
            let (c_done, c_rest) = c_prime.split_at_mut(row.start);
            let (y_prev, c_prev) = (&done[prev..prev + cols], &c_done[prev..prev + cols]);
            let bands = lower[row.clone()]
                .iter()
                .zip(&diag[row.clone()])
                .zip(&upper[row.clone()])
                .zip(&rhs[row.clone()]);
            for (s, (((&l, &d), &u), &r)) in bands.enumerate() {
                let inv_pivot = 1.0 / (d - l * c_prev[s]);
                c_rest[s] = u * inv_pivot;
                rest[s] = (r - l * y_prev[s]) * inv_pivot;
            }
        }
        for k in (0..n - 1).rev() {
            let row = at(k);
            let (done, next) = x.split_at_mut(row.start + batch);
            for ((x_k, &c), &x_next) in done[row.clone()]
                .iter_mut()
                .zip(&c_prime[row.clone()])
                .zip(&next[..cols])
            {
                *x_k -= c * x_next;
            }
        }
    }
}
