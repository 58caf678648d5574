//! `cyclic_batched`: CPU twin of `shaders/linalg/cyclic_batched.wgsl`, a batch of cyclic
//! tridiagonal systems in the interleaved layout of [`BatchParams`], each solved by the
//! elimination with partial pivoting of [`super::cyclic`], in the same order of operations.

use super::cyclic::{gepp_cyclic, CyclicError, UpperRows};
use crate::linalg::BatchParams;

/// `U` of system `s` in the four scratch regions and `x`, row k at `k * batch + s`.
struct InterleavedRows<'a> {
    scratch: &'a mut [f64],
    x: &'a mut [f64],
    /// Element of row 0 in `x` (offset + s) and in `scratch` (s).
    x_base: usize,
    scratch_base: usize,
    stride: usize,
    len: usize,
}

impl UpperRows for InterleavedRows<'_> {
    fn store(&mut self, k: usize, row: [f64; 4], y: f64) {
        let u = self.scratch_base + k * self.stride;
        for (region, value) in row.into_iter().enumerate() {
            self.scratch[u + region * self.len] = value;
        }
        self.x[self.x_base + k * self.stride] = y;
    }
    fn load(&self, k: usize) -> ([f64; 4], f64) {
        let u = self.scratch_base + k * self.stride;
        let s = |region: usize| self.scratch[u + region * self.len];
        ([s(0), s(1), s(2), s(3)], self.x(k))
    }
    fn set_x(&mut self, k: usize, x: f64) {
        self.x[self.x_base + k * self.stride] = x;
    }
    fn x(&self, k: usize) -> f64 {
        self.x[self.x_base + k * self.stride]
    }
}

/// Solves every system of the batch into `x` (`scratch`: 4 n batch values). Where this reports
/// a singular or non-finite system (naming the first), the shader leaves non-finite values.
pub fn cyclic_batched(
    p: &BatchParams,
    lower: &[f64],
    diag: &[f64],
    upper: &[f64],
    rhs: &[f64],
    x: &mut [f64],
    scratch: &mut [f64],
) -> Result<(), (usize, CyclicError)> {
    let (n, batch, offset) = (p.n as usize, p.batch as usize, p.offset as usize);
    if n < 4 {
        return Err((0, CyclicError::TooSmall(n)));
    }
    for s in 0..batch {
        let base = offset + s;
        let mut rows = InterleavedRows {
            scratch: &mut *scratch,
            x: &mut *x,
            x_base: base,
            scratch_base: s,
            stride: batch,
            len: n * batch,
        };
        let at = |k: usize| base + k * batch;
        gepp_cyclic(
            n,
            |k| [lower[at(k)], diag[at(k)], upper[at(k)], rhs[at(k)]],
            &mut rows,
        )
        .map_err(|e| (s, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::cyclic::CyclicTridiag;

    #[test]
    fn each_member_equals_its_own_solve() {
        let (n, batch, offset) = (9, 3, 2);
        let len = offset + n * batch;
        let value = |k: usize, salt: usize| 2.0 * (k as f64 * 0.7 + salt as f64 * 1.9).sin();
        let lower: Vec<f64> = (0..len).map(|k| value(k, 1)).collect();
        let diag: Vec<f64> = (0..len).map(|k| value(k, 2)).collect();
        let upper: Vec<f64> = (0..len).map(|k| value(k, 3)).collect();
        let rhs: Vec<f64> = (0..len).map(|k| value(k, 4)).collect();
        let mut x = vec![0.0; len];
        let mut scratch = vec![0.0; 4 * n * batch];
        let p = BatchParams {
            n: n as u32,
            batch: batch as u32,
            offset: offset as u32,
        };
        cyclic_batched(&p, &lower, &diag, &upper, &rhs, &mut x, &mut scratch).unwrap();
        for s in 0..batch {
            let pick = |band: &[f64]| -> Vec<f64> {
                (0..n).map(|k| band[offset + k * batch + s]).collect()
            };
            let mut expected = vec![0.0; n];
            CyclicTridiag::new(n)
                .unwrap()
                .solve(
                    &pick(&lower),
                    &pick(&diag),
                    &pick(&upper),
                    &pick(&rhs),
                    &mut expected,
                )
                .unwrap();
            assert_eq!(pick(&x), expected, "system {s}");
        }
    }
}
