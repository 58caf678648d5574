//! Constant-coefficient tridiagonal systems, plain or cyclic (periodic), factorised once and
//! solved for many right-hand sides at once.
//!
//! Row k reads `sub x[k-1] + diag x[k] + sup x[k+1] = rhs[k]`. Plain: `x[-1] = x[n] = 0`.
//! Cyclic: `x[-1] = x[n-1]` and `x[n] = x[0]`, so `A[0][n-1] = sub` (beta) and
//! `A[n-1][0] = sup` (alpha). Sherman-Morrison on top of Thomas: `A = A' + u v^T` with
//! `gamma = -diag`, `u = (gamma, 0, .., 0, alpha)`, `v = (1, 0, .., 0, beta / gamma)`, and `A'`
//! the band of `A` with `A'[0][0] = diag - gamma`, `A'[n-1][n-1] = diag - alpha beta / gamma`.
//! With `y = A'^-1 rhs` and `z = A'^-1 u` (computed once),
//! `x = y - f z`, `f = (y[0] + (beta/gamma) y[n-1]) / (1 + z[0] + (beta/gamma) z[n-1])`.
//!
//! Fusion: `f` is known before the back substitution starts, so the correction `x = y - f z`
//! is applied in the back substitution itself, with no extra pass over the data. `y[n-1]` is the
//! last forward value; `y[0] = g . rhs` with `g = A'^-T e_0` (computed once) is accumulated
//! during the forward sweep. The cyclic solve then moves exactly the bytes of a plain Thomas
//! solve: per unknown (f64) read rhs 8 B, write y' 8 B, read y' 8 B, write x 8 B; `g` and `z`
//! are per row, shared by all systems, and stay in cache.
//!
//! Invariant: `A'` is strictly diagonally dominant when `A` is (`|diag| > |sub| + |sup|`), so
//! the pivot-free factorisation is stable; the constructor refuses any other matrix.

use crate::linalg::tridiag::{thomas_factor, TridiagError};

/// A factorised constant-coefficient tridiagonal matrix, plain or cyclic.
#[derive(Clone, Debug, PartialEq)]
pub struct CyclicFactored {
    n: usize,
    periodic: bool,
    /// `(lower_k, 1/p_k, c'_k)` per row: the Thomas factors of `A'` (see `thomas_factor`).
    factors: Vec<f64>,
    /// `g = A'^-T e_0` (cyclic only; zeros otherwise): `y[0] = g . rhs`.
    first_row: Vec<f64>,
    /// `z = A'^-1 u` (cyclic only; zeros otherwise).
    correction: Vec<f64>,
    /// `beta / gamma` (0 when plain).
    corner_ratio: f64,
    /// `1 / (1 + z[0] + (beta/gamma) z[n-1])` (0 when plain).
    inv_denominator: f64,
}

impl CyclicFactored {
    /// Factorises the `n x n` matrix with constant bands `sub`, `diag`, `sup` (cyclic corners
    /// when `periodic`). Refuses a matrix that is not strictly diagonally dominant, `n = 0`, and
    /// `n < 3` when cyclic (the corners would fall on the bands).
    pub fn new(
        n: usize,
        sub: f64,
        diag: f64,
        sup: f64,
        periodic: bool,
    ) -> Result<CyclicFactored, TridiagError> {
        if n == 0 || (periodic && n < 3) {
            return Err(TridiagError::Length {
                what: if periodic {
                    "a cyclic tridiagonal system (n >= 3)"
                } else {
                    "a tridiagonal system (n >= 1)"
                },
                len: n,
                expected: 3,
            });
        }
        let off_diagonal_sum = sub.abs() + sup.abs();
        let dominant = diag.abs() > off_diagonal_sum && off_diagonal_sum.is_finite();
        if !dominant {
            return Err(TridiagError::NotDiagonallyDominant {
                system: 0,
                row: 0,
                diag,
                off_diagonal_sum,
            });
        }
        let lower = vec![sub; n];
        let upper = vec![sup; n];
        let mut band = vec![diag; n];
        let (gamma, corner_ratio) = (-diag, sub / -diag);
        if periodic {
            band[0] = diag - gamma;
            band[n - 1] = diag - sup * sub / gamma;
        }
        let mut factors = vec![0.0; 3 * n];
        thomas_factor(&lower, &band, &upper, &mut factors)?;
        let mut solver = CyclicFactored {
            n,
            periodic,
            factors,
            first_row: vec![0.0; n],
            correction: vec![0.0; n],
            corner_ratio: 0.0,
            inv_denominator: 0.0,
        };
        if periodic {
            let mut u = vec![0.0; n];
            (u[0], u[n - 1]) = (gamma, sup);
            solver.correction = thomas_with(&solver.factors, &u);
            // A' is symmetric when sub == sup; in general g solves the transposed band.
            let mut e0 = vec![0.0; n];
            e0[0] = 1.0;
            let mut transposed = vec![0.0; 3 * n];
            thomas_factor(&upper, &band, &lower, &mut transposed)?;
            solver.first_row = thomas_with(&transposed, &e0);
            solver.corner_ratio = corner_ratio;
            let z = &solver.correction;
            solver.inv_denominator = 1.0 / (1.0 + z[0] + corner_ratio * z[n - 1]);
        }
        Ok(solver)
    }

    /// Unknowns per system.
    pub fn n(&self) -> usize {
        self.n
    }

    pub fn is_periodic(&self) -> bool {
        self.periodic
    }

    /// `(lower_k, 1/p_k, c'_k)` for k = 0..n: the Thomas factors of `A'`.
    pub fn factors(&self) -> &[f64] {
        &self.factors
    }

    /// `g = A'^-T e_0` (zeros when plain).
    pub fn first_row(&self) -> &[f64] {
        &self.first_row
    }

    /// `z = A'^-1 u` (zeros when plain).
    pub fn correction(&self) -> &[f64] {
        &self.correction
    }

    /// `beta / gamma` (0 when plain).
    pub fn corner_ratio(&self) -> f64 {
        self.corner_ratio
    }

    /// `1 / (1 + v . z)` (0 when plain).
    pub fn inv_denominator(&self) -> f64 {
        self.inv_denominator
    }

    /// Everything a device kernel reads, in one array of `5 n + 2` reals: the `3 n` factors,
    /// `g`, `z`, then `beta / gamma` and `1 / (1 + v . z)`.
    pub fn packed(&self) -> Vec<f64> {
        let mut packed = Vec::with_capacity(5 * self.n + 2);
        packed.extend_from_slice(&self.factors);
        packed.extend_from_slice(&self.first_row);
        packed.extend_from_slice(&self.correction);
        packed.extend_from_slice(&[self.corner_ratio, self.inv_denominator]);
        packed
    }

    /// Solves `batch` systems in the interleaved layout (row k of system s at `k * batch + s`),
    /// vectorised across systems. `scratch` holds `2 * batch` reals (the correction factors and
    /// the running uncorrected back-substitution values). Allocates nothing.
    pub fn solve_interleaved(&self, rhs: &[f64], batch: usize, x: &mut [f64], scratch: &mut [f64]) {
        let n = self.n;
        assert!(
            rhs.len() == n * batch && x.len() == n * batch && scratch.len() >= 2 * batch,
            "solve_interleaved: rhs and x of n * batch reals, scratch of 2 * batch"
        );
        let (dot, y_next) = scratch[..2 * batch].split_at_mut(batch);
        let f = &self.factors;
        let g = &self.first_row;
        for ((y, &r), d) in x[..batch].iter_mut().zip(&rhs[..batch]).zip(dot.iter_mut()) {
            *y = r * f[1];
            *d = g[0] * r;
        }
        for k in 1..n {
            let (l, inv_pivot, g_k) = (f[3 * k], f[3 * k + 1], g[k]);
            let (done, rest) = x.split_at_mut(k * batch);
            let y_prev = &done[(k - 1) * batch..];
            let row = rhs[k * batch..(k + 1) * batch].iter();
            for (((y, &r), &yp), d) in rest[..batch].iter_mut().zip(row).zip(y_prev).zip(&mut *dot)
            {
                *y = (r - l * yp) * inv_pivot;
                *d += g_k * r;
            }
        }
        // dot becomes the correction factor f; y_next the uncorrected y[k + 1].
        let z = &self.correction;
        let last = &mut x[(n - 1) * batch..];
        for ((x_last, d), yn) in last.iter_mut().zip(&mut *dot).zip(&mut *y_next) {
            *yn = *x_last;
            *d = (*d + self.corner_ratio * *yn) * self.inv_denominator;
            *x_last = *yn - *d * z[n - 1];
        }
        for k in (0..n - 1).rev() {
            let (c, z_k) = (f[3 * k + 2], z[k]);
            for ((x_k, yn), &d) in x[k * batch..(k + 1) * batch]
                .iter_mut()
                .zip(&mut *y_next)
                .zip(&*dot)
            {
                let y = *x_k - c * *yn;
                *yn = y;
                *x_k = y - d * z_k;
            }
        }
    }
}

/// Thomas solve of one system from precomputed factors (setup only: allocates its result).
fn thomas_with(factors: &[f64], rhs: &[f64]) -> Vec<f64> {
    let n = rhs.len();
    let mut y = vec![0.0; n];
    y[0] = rhs[0] * factors[1];
    for k in 1..n {
        y[k] = (rhs[k] - factors[3 * k] * y[k - 1]) * factors[3 * k + 1];
    }
    for k in (0..n - 1).rev() {
        y[k] -= factors[3 * k + 2] * y[k + 1];
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dense Gaussian elimination with partial pivoting: the reference.
    fn dense_solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
        let n = b.len();
        for col in 0..n {
            let pivot = (col..n)
                .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
                .unwrap();
            a.swap(col, pivot);
            b.swap(col, pivot);
            let (done, rest) = a.split_at_mut(col + 1);
            let pivot_row = &done[col];
            for (offset, row) in rest.iter_mut().enumerate() {
                let m = row[col] / pivot_row[col];
                for (x, &p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= m * p;
                }
                b[col + 1 + offset] -= m * b[col];
            }
        }
        let mut x = vec![0.0; n];
        for row in (0..n).rev() {
            let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
            x[row] = (b[row] - s) / a[row][row];
        }
        x
    }

    fn dense(n: usize, sub: f64, diag: f64, sup: f64, periodic: bool) -> Vec<Vec<f64>> {
        let mut a = vec![vec![0.0; n]; n];
        for (k, row) in a.iter_mut().enumerate() {
            row[k] += diag;
            // Row k couples to k - 1 and k + 1, wrapped when periodic (dropped otherwise).
            if k > 0 || periodic {
                row[(k + n - 1) % n] += sub;
            }
            if k + 1 < n || periodic {
                row[(k + 1) % n] += sup;
            }
        }
        a
    }

    #[test]
    fn interleaved_solves_match_a_dense_solve() {
        let cases = [
            (3, -0.5, 2.0, -0.5, true),
            (4, -0.3, 1.0, -0.6, true),
            (17, -2.5, 6.0, -2.5, true),
            (64, 0.7, -1.9, -1.1, true),
            (1, -0.5, 2.0, -0.5, false),
            (2, -0.5, 2.0, -0.5, false),
            (33, -4.0, 9.0, -4.0, false),
        ];
        let batch = 5;
        for (n, sub, diag, sup, periodic) in cases {
            let solver = CyclicFactored::new(n, sub, diag, sup, periodic).unwrap();
            let rhs: Vec<f64> = (0..n * batch)
                .map(|i| ((i * 7919 % 113) as f64 / 56.5 - 1.0) * (1.0 + i as f64 * 0.01))
                .collect();
            let mut x = vec![0.0; n * batch];
            let mut scratch = vec![0.0; 2 * batch];
            solver.solve_interleaved(&rhs, batch, &mut x, &mut scratch);
            let a = dense(n, sub, diag, sup, periodic);
            for s in 0..batch {
                let b: Vec<f64> = (0..n).map(|k| rhs[k * batch + s]).collect();
                let expected = dense_solve(a.clone(), b);
                let scale = expected.iter().fold(1e-300_f64, |m, v| m.max(v.abs()));
                for k in 0..n {
                    let err = (x[k * batch + s] - expected[k]).abs() / scale;
                    assert!(
                        err < 1e-13,
                        "n={n} periodic={periodic} s={s} k={k}: {err:e}"
                    );
                }
            }
        }
    }

    #[test]
    fn refuses_matrices_it_cannot_solve_stably() {
        assert!(matches!(
            CyclicFactored::new(8, -1.0, 2.0, -1.0, true),
            Err(TridiagError::NotDiagonallyDominant { .. })
        ));
        assert!(CyclicFactored::new(2, -0.1, 1.0, -0.1, true).is_err());
        assert!(CyclicFactored::new(0, -0.1, 1.0, -0.1, false).is_err());
        assert!(CyclicFactored::new(5, f64::NAN, 1.0, -0.1, false).is_err());
        assert_eq!(
            CyclicFactored::new(5, -0.1, 1.0, -0.1, true)
                .unwrap()
                .packed()
                .len(),
            27
        );
    }
}
