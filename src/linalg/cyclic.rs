//! Cyclic (periodic) tridiagonal systems, solved stably without diagonal dominance.
//!
//! Row `k` of `n >= 4` rows: `lower[k] x[k-1] + diag[k] x[k] + upper[k] x[k+1] = rhs[k]`,
//! indices modulo `n` (so `lower[0]` and `upper[n-1]` are the corner entries).
//!
//! Strictly diagonally dominant systems (every row `|diag| > |lower| + |upper|`, checked as the
//! rows come) take a pivot-free path: bordering on Thomas, the last unknown as the border (see
//! `solve_dominant`). At the first row that is not dominant the solve starts again with:
//!
//! Gaussian elimination with partial pivoting (GEPP) in the natural order, exploiting
//! the structure. Eliminating column `k`, only three active rows can be nonzero there: two
//! pending rows `A`, `B` with entries in columns `k`, `k+1` and in the border columns `n-2`,
//! `n-1` (initially row 0, whose corner couples to `x[n-1]`, and row `n-1`, whose corner
//! couples to `x[0]`), and the untouched row `k+1` (columns `k`, `k+1`, `k+2`). The one of
//! largest `|entry in column k|` becomes row `k` of `U`, so every multiplier is at most 1 as
//! in any GEPP; the other two, eliminated, are again of the pending shape one column on. `U`'s
//! rows have a diagonal, two super-diagonals and the two border columns. The last four columns
//! form a dense 4 x 4 block, solved with partial pivoting, then back substitution gives
//! `x[k] = y[k] - s2 x[k+2] - b2 x[n-2] - b1 x[n-1] - s1 x[k+1]` (U's rows stored divided by
//! their pivots).
//!
//! Stability: this is GEPP on the whole matrix, backward stable with the usual small growth
//! for banded matrices, whatever the signs and sizes of the entries: no diagonal dominance is
//! needed (the Burgers Jacobian loses it above cell Reynolds number 2). A pivot below
//! `64 eps ||A||_inf` means the matrix is singular to working precision and is reported,
//! never divided by; so is any non-finite result, with its row.
//!
//! Memory: four scratch arrays of `n` (two super-diagonals, two border columns); `y` lives in
//! `x`. Bytes per unknown (f64): the forward sweep reads the four band values and writes five,
//! the backward sweep reads five and writes one: 120 B (a solver that only reads bands and
//! writes the solution moves 40 B). The sweeps are latency-bound (each row waits for the
//! previous pivot): the chains are kept to a division and a subtraction forward, a multiply
//! and a subtraction backward. A solve allocates nothing.

use thiserror::Error;

/// Why a cyclic solve refused.
#[derive(Debug, Error, PartialEq)]
pub enum CyclicError {
    #[error("a cyclic tridiagonal system needs n >= 4 rows, got {0}")]
    TooSmall(usize),

    #[error("{what} has length {len}, expected {expected}")]
    Length {
        what: &'static str,
        len: usize,
        expected: usize,
    },

    #[error(
        "cyclic tridiagonal system singular to working precision: the largest pivot candidate \
         of column {column} is {pivot:e}, against ||A||_inf = {norm:e}"
    )]
    Singular {
        column: usize,
        pivot: f64,
        norm: f64,
    },

    #[error(
        "cyclic tridiagonal solve produced {value} at row {row} (non-finite input or overflow)"
    )]
    NonFinite { row: usize, value: f64 },
}

/// One row of the system as `[lower, diag, upper, rhs]`.
pub type CyclicRow = [f64; 4];

/// Pivots at most this many units of roundoff times `||A||_inf` count as zero.
const SINGULAR_PIVOT: f64 = 64.0 * f64::EPSILON;

/// A row during elimination of column `k`: entries in columns `k`, `k+1`, `k+2`, `n-2`, `n-1`
/// and its right side.
#[derive(Clone, Copy, Debug, Default)]
struct ActiveRow {
    c0: f64,
    c1: f64,
    c2: f64,
    b2: f64,
    b1: f64,
    r: f64,
}

impl ActiveRow {
    /// `self - l pivot` with `l = self.c0 / pivot.c0` (`inv = 1 / pivot.c0`), shifted one
    /// column on (its column-k entry is eliminated). The next pivot candidate `c0` is formed as
    /// `c1 - (c0 pivot.c1) / pivot.c0`, so that the chain from pivot to pivot is one division
    /// and one subtraction (the elimination is latency-bound).
    #[inline(always)]
    fn eliminated(&self, inv: f64, pivot: &ActiveRow) -> ActiveRow {
        let l = self.c0 * inv;
        ActiveRow {
            c0: self.c1 - self.c0 * pivot.c1 / pivot.c0,
            c1: self.c2 - l * pivot.c2,
            c2: 0.0,
            b2: self.b2 - l * pivot.b2,
            b1: self.b1 - l * pivot.b1,
            r: self.r - l * pivot.r,
        }
    }
}

/// Solver for cyclic tridiagonal systems of a fixed size, holding its scratch arrays.
#[derive(Clone, Debug)]
pub struct CyclicTridiag {
    n: usize,
    super1: Vec<f64>,
    super2: Vec<f64>,
    border2: Vec<f64>,
    border1: Vec<f64>,
}

impl CyclicTridiag {
    /// Allocates the scratch for systems of `n >= 4` rows.
    pub fn new(n: usize) -> Result<CyclicTridiag, CyclicError> {
        if n < 4 {
            return Err(CyclicError::TooSmall(n));
        }
        Ok(CyclicTridiag {
            n,
            super1: vec![0.0; n],
            super2: vec![0.0; n],
            border2: vec![0.0; n],
            border1: vec![0.0; n],
        })
    }

    pub fn n(&self) -> usize {
        self.n
    }

    /// Solves the system with bands `lower`, `diag`, `upper` (length n each) for `rhs` into `x`,
    /// returning `max |x|`.
    pub fn solve(
        &mut self,
        lower: &[f64],
        diag: &[f64],
        upper: &[f64],
        rhs: &[f64],
        x: &mut [f64],
    ) -> Result<f64, CyclicError> {
        let n = self.n;
        for (what, len) in [
            ("lower", lower.len()),
            ("diag", diag.len()),
            ("upper", upper.len()),
            ("rhs", rhs.len()),
        ] {
            check_len(what, len, n)?;
        }
        self.solve_rows(
            #[inline(always)]
            |k| [lower[k], diag[k], upper[k], rhs[k]],
            x,
        )
    }

    /// Solves the system whose row `k` is `row(k)`, into `x` (length n), returning `max |x|`.
    /// Rows are asked for in the order `0, n-1, 1, 2, ..., n-2` (a caller may assemble them on
    /// the fly instead of storing bands), a second time when the system turns out not to be
    /// strictly diagonally dominant.
    pub fn solve_rows(
        &mut self,
        mut row: impl FnMut(usize) -> CyclicRow,
        x: &mut [f64],
    ) -> Result<f64, CyclicError> {
        check_len("x", x.len(), self.n)?;
        if let Some(solved) = self.solve_dominant(&mut row, x) {
            return solved;
        }
        let mut upper = ContiguousRows {
            super1: &mut self.super1,
            super2: &mut self.super2,
            border2: &mut self.border2,
            border1: &mut self.border1,
            x,
        };
        gepp_cyclic(self.n, row, &mut upper)
    }
}

impl CyclicTridiag {
    /// The pivot-free path for strictly diagonally dominant systems: bordering on Thomas.
    /// `T y = rhs[..m]` and `T z = v` (`m = n - 1`, `v` the couplings to `x[n-1]`) in one
    /// sweep, then `x[n-1] = (rhs[n-1] - upper[n-1] y[0] - lower[n-1] y[m-1]) / s` with
    /// `s = diag[n-1] - upper[n-1] z[0] - lower[n-1] z[m-1]`, and `x[k] = y[k] - z[k] x[n-1]`.
    /// Strict dominance of every row makes every pivot exceed its row's off-diagonal entries,
    /// every multiplier at most 1 and `s` nonzero, so no pivoting is needed. `None` (nothing
    /// returned, nothing to undo) at the first row that is not dominant.
    fn solve_dominant(
        &mut self,
        row: &mut impl FnMut(usize) -> CyclicRow,
        x: &mut [f64],
    ) -> Option<Result<f64, CyclicError>> {
        let n = self.n;
        let m = n - 1;
        let dominant = |[l, d, u, _]: CyclicRow| d.abs() > l.abs() + u.abs();
        let [l0, d0, u0, r0] = row(0);
        let last_row = row(n - 1);
        if !dominant([l0, d0, u0, r0]) || !dominant(last_row) {
            return None;
        }
        // Forward: U's super-diagonal (divided by the pivot) in super1, z' in super2, y' in x.
        let (c_prime, z) = (&mut self.super1, &mut self.super2);
        let inv = 1.0 / d0;
        let (mut pivot, mut u_prev) = (d0, u0);
        let (mut y_prev, mut z_prev) = (r0 * inv, l0 * inv);
        (c_prime[0], x[0], z[0]) = (u0 * inv, y_prev, z_prev);
        for k in 1..m {
            let band = row(k);
            if !dominant(band) {
                return None;
            }
            let [l, d, u_full, r] = band;
            // Row m-1's upper entry couples to the border x[n-1]: it belongs to v, not T.
            let (u, v) = if k + 1 == m {
                (0.0, u_full)
            } else {
                (u_full, 0.0)
            };
            // The chain from pivot to pivot: one division and one subtraction.
            pivot = d - (l * u_prev) / pivot;
            let inv = 1.0 / pivot;
            y_prev = (r - l * y_prev) * inv;
            z_prev = (v - l * z_prev) * inv;
            (c_prime[k], x[k], z[k]) = (u * inv, y_prev, z_prev);
            u_prev = u;
        }
        // Backward: y and z.
        let (mut y_next, mut z_next) = (x[m - 1], z[m - 1]);
        for k in (0..m - 1).rev() {
            y_next = x[k] - c_prime[k] * y_next;
            z_next = z[k] - c_prime[k] * z_next;
            (x[k], z[k]) = (y_next, z_next);
        }
        // The border row.
        let [l_last, d_last, u_last, r_last] = last_row;
        let s = d_last - u_last * z[0] - l_last * z[m - 1];
        let x_last = (r_last - u_last * x[0] - l_last * x[m - 1]) / s;
        x[m] = x_last;
        let mut max = x_last.abs();
        let mut finite = x_last.is_finite();
        for (xk, zk) in x[..m].iter_mut().zip(&z[..m]) {
            *xk -= zk * x_last;
            max = max.max(xk.abs());
            finite &= xk.is_finite();
        }
        if !finite {
            let row = x.iter().position(|v| !v.is_finite()).unwrap_or(0);
            return Some(Err(CyclicError::NonFinite { row, value: x[row] }));
        }
        Some(Ok(max))
    }
}

/// Where the elimination keeps `U`'s rows (divided by their pivots: super-diagonals 1 and 2,
/// border columns `n-2` and `n-1`) and the solution (`y` first, overwritten by `x`).
pub(crate) trait UpperRows {
    fn store(&mut self, k: usize, row: [f64; 4], y: f64);
    fn load(&self, k: usize) -> ([f64; 4], f64);
    fn set_x(&mut self, k: usize, x: f64);
    fn x(&self, k: usize) -> f64;
}

/// `U` in four arrays and the solution in its own, all of length n.
struct ContiguousRows<'a> {
    super1: &'a mut [f64],
    super2: &'a mut [f64],
    border2: &'a mut [f64],
    border1: &'a mut [f64],
    x: &'a mut [f64],
}

impl UpperRows for ContiguousRows<'_> {
    #[inline(always)]
    fn store(&mut self, k: usize, row: [f64; 4], y: f64) {
        [
            self.super1[k],
            self.super2[k],
            self.border2[k],
            self.border1[k],
        ] = row;
        self.x[k] = y;
    }
    #[inline(always)]
    fn load(&self, k: usize) -> ([f64; 4], f64) {
        (
            [
                self.super1[k],
                self.super2[k],
                self.border2[k],
                self.border1[k],
            ],
            self.x[k],
        )
    }
    #[inline(always)]
    fn set_x(&mut self, k: usize, x: f64) {
        self.x[k] = x;
    }
    #[inline(always)]
    fn x(&self, k: usize) -> f64 {
        self.x[k]
    }
}

/// The elimination of the module header on `n >= 4` rows given by `row`, storing into `upper`;
/// returns `max |x|`. The WGSL kernel `cyclic_batched` runs the same operations in the same
/// order.
#[inline(always)]
pub(crate) fn gepp_cyclic(
    n: usize,
    mut row: impl FnMut(usize) -> CyclicRow,
    upper: &mut impl UpperRows,
) -> Result<f64, CyclicError> {
    let row_norm = |[l, d, u, _]: CyclicRow| l.abs() + d.abs() + u.abs();
    let [l0, d0, u0, r0] = row(0);
    let [ll, dl, ul, rl] = row(n - 1);
    let mut norm = row_norm([l0, d0, u0, r0]).max(row_norm([ll, dl, ul, rl]));
    // Pending rows: row 0 (corner in column n-1) and row n-1 (corner in column 0).
    let mut a = ActiveRow {
        c0: d0,
        c1: u0,
        c2: 0.0,
        b2: 0.0,
        b1: l0,
        r: r0,
    };
    let mut b = ActiveRow {
        c0: ul,
        c1: 0.0,
        c2: 0.0,
        b2: ll,
        b1: dl,
        r: rl,
    };
    for k in 0..n - 4 {
        let band = row(k + 1);
        norm = norm.max(row_norm(band));
        let [lower, diag, upper_entry, r] = band;
        let incoming = ActiveRow {
            c0: lower,
            c1: diag,
            c2: upper_entry,
            b2: 0.0,
            b1: 0.0,
            r,
        };
        // The largest of the three candidates pivots; the other two are eliminated. Row A
        // keeps the role of the main pending row (it pivots whenever the matrix is dominant),
        // B that of the spike.
        let (pivot, next_a, next_b) = if a.c0.abs() >= b.c0.abs() && a.c0.abs() >= lower.abs() {
            (a, incoming, b)
        } else if b.c0.abs() >= lower.abs() {
            (b, a, incoming)
        } else {
            (incoming, a, b)
        };
        // NaN fails the comparison and is reported.
        if !usable_pivot(pivot.c0, norm) {
            return Err(singular_or_non_finite(k, pivot.c0, norm));
        }
        let inv = 1.0 / pivot.c0;
        // U's row k divided by its pivot.
        upper.store(
            k,
            [
                pivot.c1 * inv,
                pivot.c2 * inv,
                pivot.b2 * inv,
                pivot.b1 * inv,
            ],
            pivot.r * inv,
        );
        a = next_a.eliminated(inv, &pivot);
        b = next_b.eliminated(inv, &pivot);
    }
    // The last four columns n-4 .. n-1: rows A, B, n-3, n-2 as a dense block.
    let [l3, d3, u3, r3] = row(n - 3);
    let [l2, d2, u2, r2] = row(n - 2);
    norm = norm
        .max(row_norm([l3, d3, u3, 0.0]))
        .max(row_norm([l2, d2, u2, 0.0]));
    let mut block = [
        [a.c0, a.c1, a.b2, a.b1, a.r],
        [b.c0, b.c1, b.b2, b.b1, b.r],
        [l3, d3, u3, 0.0, r3],
        [0.0, l2, d2, u2, r2],
    ];
    let tail = dense_solve_4(&mut block, norm, n - 4)?;
    for (k, &t) in tail.iter().enumerate() {
        upper.set_x(n - 4 + k, t);
    }

    // Back substitution through U.
    let (x_nm2, x_nm1) = (tail[2], tail[3]);
    let (mut x1, mut x2) = (tail[0], tail[1]); // x[k+1], x[k+2]
    let mut max = tail.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let mut finite = tail.iter().all(|v| v.is_finite());
    for k in (0..n - 4).rev() {
        let ([s1, s2, b2, b1], y) = upper.load(k);
        // x[k+1] last: the chain from row to row is one multiply and one subtraction.
        let xk = (y - s2 * x2 - b2 * x_nm2 - b1 * x_nm1) - s1 * x1;
        upper.set_x(k, xk);
        max = max.max(xk.abs());
        finite &= xk.is_finite();
        (x2, x1) = (x1, xk);
    }
    if !finite {
        let row = (0..n).find(|&k| !upper.x(k).is_finite()).unwrap_or(0);
        return Err(CyclicError::NonFinite {
            row,
            value: upper.x(row),
        });
    }
    Ok(max)
}

/// Solves a dense 4 x 4 system (augmented rows) with partial pivoting; `first_column` names
/// its columns in errors.
fn dense_solve_4(
    m: &mut [[f64; 5]; 4],
    norm: f64,
    first_column: usize,
) -> Result<[f64; 4], CyclicError> {
    for col in 0..4 {
        // The first row of largest magnitude (the shader picks the same one).
        let mut p = col;
        for r in col + 1..4 {
            if m[r][col].abs() > m[p][col].abs() {
                p = r;
            }
        }
        m.swap(col, p);
        let pivot = m[col][col];
        if !usable_pivot(pivot, norm) {
            return Err(singular_or_non_finite(first_column + col, pivot, norm));
        }
        let pivot_row = m[col];
        for row in m.iter_mut().skip(col + 1) {
            let l = row[col] / pivot;
            for (v, p) in row.iter_mut().zip(&pivot_row).skip(col) {
                *v -= l * p;
            }
        }
    }
    let mut x = [0.0; 4];
    for r in (0..4).rev() {
        let s: f64 = (r + 1..4).map(|c| m[r][c] * x[c]).sum();
        x[r] = (m[r][4] - s) / m[r][r];
    }
    Ok(x)
}

/// Whether `pivot` is safe to divide by (false for NaN).
fn usable_pivot(pivot: f64, norm: f64) -> bool {
    pivot.abs() > SINGULAR_PIVOT * norm
}

/// A pivot too small to divide by: singular, or NaN/Inf met on the way.
fn singular_or_non_finite(column: usize, pivot: f64, norm: f64) -> CyclicError {
    if pivot.is_finite() && norm.is_finite() {
        CyclicError::Singular {
            column,
            pivot,
            norm,
        }
    } else {
        CyclicError::NonFinite {
            row: column,
            value: if pivot.is_finite() { norm } else { pivot },
        }
    }
}

fn check_len(what: &'static str, len: usize, expected: usize) -> Result<(), CyclicError> {
    if len == expected {
        Ok(())
    } else {
        Err(CyclicError::Length {
            what,
            len,
            expected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dense Gaussian elimination with partial pivoting: the reference.
    fn dense_solve(lower: &[f64], diag: &[f64], upper: &[f64], rhs: &[f64]) -> Vec<f64> {
        let n = diag.len();
        let mut a = vec![vec![0.0; n + 1]; n];
        for k in 0..n {
            a[k][(k + n - 1) % n] += lower[k];
            a[k][k] += diag[k];
            a[k][(k + 1) % n] += upper[k];
            a[k][n] = rhs[k];
        }
        for col in 0..n {
            let p = (col..n)
                .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
                .unwrap();
            a.swap(col, p);
            let pivot_row = a[col].clone();
            for row in a.iter_mut().skip(col + 1) {
                let l = row[col] / pivot_row[col];
                for (v, p) in row.iter_mut().zip(&pivot_row).skip(col) {
                    *v -= l * p;
                }
            }
        }
        let mut x = vec![0.0; n];
        for r in (0..n).rev() {
            let s: f64 = (r + 1..n).map(|c| a[r][c] * x[c]).sum();
            x[r] = (a[r][n] - s) / a[r][r];
        }
        x
    }

    /// Deterministic values in [-1, 1).
    fn values(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
            })
            .collect()
    }

    fn max_diff(a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn matches_dense_pivoting_on_non_dominant_matrices() {
        for n in [4, 5, 6, 8, 17, 64, 257] {
            for seed in 1..6 {
                // Off-diagonals up to 3x the diagonal: far from dominant, still well-conditioned.
                let lower: Vec<f64> = values(n, seed).iter().map(|v| 3.0 * v).collect();
                let upper: Vec<f64> = values(n, seed + 100).iter().map(|v| 3.0 * v).collect();
                let diag = values(n, seed + 200);
                let rhs = values(n, seed + 300);
                let expected = dense_solve(&lower, &diag, &upper, &rhs);
                let mut solver = CyclicTridiag::new(n).unwrap();
                let mut x = vec![0.0; n];
                let max = solver.solve(&lower, &diag, &upper, &rhs, &mut x).unwrap();
                let scale = expected.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
                assert!(
                    max_diff(&x, &expected) <= 1e-10 * scale,
                    "n={n} seed={seed}: {} vs scale {scale}",
                    max_diff(&x, &expected)
                );
                assert_eq!(max, x.iter().fold(0.0_f64, |m, v| m.max(v.abs())));
            }
        }
    }

    #[test]
    fn dominant_path_and_its_fallback_match_dense_pivoting() {
        for n in [4, 5, 9, 100] {
            let lower = values(n, 7);
            let upper = values(n, 8);
            let rhs = values(n, 9);
            // Dominant in every row: the pivot-free path.
            let mut diag: Vec<f64> = (0..n)
                .map(|k| 2.1 + lower[k].abs() + upper[k].abs())
                .collect();
            for flip in [false, true] {
                if flip {
                    // One row not dominant (the last one, met late): the solve starts again
                    // with pivoting.
                    diag[n - 2] = 0.1;
                }
                let expected = dense_solve(&lower, &diag, &upper, &rhs);
                let mut x = vec![0.0; n];
                let mut asked = 0;
                CyclicTridiag::new(n)
                    .unwrap()
                    .solve_rows(
                        |k| {
                            asked += 1;
                            [lower[k], diag[k], upper[k], rhs[k]]
                        },
                        &mut x,
                    )
                    .unwrap();
                assert!(max_diff(&x, &expected) <= 1e-13, "n={n} flip={flip}");
                assert_eq!(asked, if flip { 2 * n } else { n }, "n={n} flip={flip}");
            }
        }
    }

    #[test]
    fn needs_pivoting_where_thomas_breaks_down() {
        // diag 0 in row 0 (and tiny elsewhere): the pivot-free elimination divides by zero.
        let n = 6;
        let diag = [0.0, 1e-14, 0.0, 2.0, 0.0, 1.0];
        let lower = [1.0, 2.0, -1.0, 1.0, 3.0, -2.0];
        let upper = [2.0, -1.0, 1.0, 0.5, 1.0, 1.0];
        let rhs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let expected = dense_solve(&lower, &diag, &upper, &rhs);
        let mut x = vec![0.0; n];
        CyclicTridiag::new(n)
            .unwrap()
            .solve(&lower, &diag, &upper, &rhs, &mut x)
            .unwrap();
        assert!(max_diff(&x, &expected) < 1e-12, "{x:?} vs {expected:?}");
    }

    #[test]
    fn convection_dominated_periodic_operator() {
        // I - c (centred convection) at cell Reynolds number 50: |off-diagonals| >> |diagonal|.
        let n = 100;
        let (nu, u, dx, dt) = (1e-3, 1.0, 0.05, 10.0);
        let off = dt * u / (2.0 * dx);
        let dif = dt * nu / (dx * dx);
        let lower = vec![-off - dif; n];
        let upper = vec![off - dif; n];
        let diag = vec![1.0 + 2.0 * dif; n];
        let rhs: Vec<f64> = (0..n).map(|k| (k as f64 * 0.3).sin()).collect();
        let expected = dense_solve(&lower, &diag, &upper, &rhs);
        let mut x = vec![0.0; n];
        CyclicTridiag::new(n)
            .unwrap()
            .solve(&lower, &diag, &upper, &rhs, &mut x)
            .unwrap();
        assert!(
            max_diff(&x, &expected) < 1e-12,
            "{}",
            max_diff(&x, &expected)
        );
    }

    #[test]
    fn singular_systems_are_refused_not_divided() {
        // The periodic Laplacian is singular (constants are in its kernel).
        let n = 8;
        let (lower, diag, upper) = (vec![1.0; n], vec![-2.0; n], vec![1.0; n]);
        let err = CyclicTridiag::new(n)
            .unwrap()
            .solve(&lower, &diag, &upper, &vec![1.0; n], &mut vec![0.0; n])
            .unwrap_err();
        assert!(
            matches!(err, CyclicError::Singular { column: 7, .. }),
            "{err}"
        );
        let zeros = vec![0.0; n];
        let err = CyclicTridiag::new(n)
            .unwrap()
            .solve(&zeros, &zeros, &zeros, &zeros, &mut vec![0.0; n])
            .unwrap_err();
        assert!(
            matches!(err, CyclicError::Singular { column: 0, .. }),
            "{err}"
        );
        assert_eq!(CyclicTridiag::new(3).unwrap_err(), CyclicError::TooSmall(3));
        let mut nan_diag = vec![4.0; n];
        nan_diag[3] = f64::NAN;
        let err = CyclicTridiag::new(n)
            .unwrap()
            .solve(&lower, &nan_diag, &upper, &vec![1.0; n], &mut vec![0.0; n])
            .unwrap_err();
        assert!(matches!(err, CyclicError::NonFinite { .. }), "{err}");
    }
}
