//! `thomas_solve`: one tridiagonal system by the Thomas algorithm (LU without pivoting).

/// Solves `lower[k] x[k-1] + diag[k] x[k] + upper[k] x[k+1] = rhs[k]`, k = 0..n
/// (`lower[0]` and `upper[n-1]` are ignored). `scratch` (length n) receives the modified
/// super-diagonal. Safe without pivoting for diagonally dominant systems, which every
/// theta-scheme matrix here is (`|diag| = 1/dt + 2 theta a > |lower| + |upper|` when linear).
pub fn thomas_solve(
    lower: &[f64],
    diag: &[f64],
    upper: &[f64],
    rhs: &[f64],
    x: &mut [f64],
    scratch: &mut [f64],
) {
    let n = diag.len();
    assert!(
        lower.len() == n
            && upper.len() == n
            && rhs.len() == n
            && x.len() == n
            && scratch.len() >= n,
        "thomas_solve: all bands, rhs, x and scratch must have length n"
    );
    // Forward elimination: c'_k = u_k / (d_k - l_k c'_{k-1}), x'_k = (r_k - l_k x'_{k-1}) / (...).
    let mut c_prev = 0.0;
    let mut x_prev = 0.0;
    for k in 0..n {
        let inv_pivot = 1.0 / (diag[k] - lower[k] * c_prev);
        c_prev = upper[k] * inv_pivot;
        x_prev = (rhs[k] - lower[k] * x_prev) * inv_pivot;
        scratch[k] = c_prev;
        x[k] = x_prev;
    }
    // Back substitution: x_k = x'_k - c'_k x_{k+1}.
    for k in (0..n.saturating_sub(1)).rev() {
        x[k] -= scratch[k] * x[k + 1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_known_system() {
        // [2 1 0; 1 3 1; 0 1 2] x = [4, 10, 8]  ->  x = [1, 2, 3]
        let (l, d, u) = ([0.0, 1.0, 1.0], [2.0, 3.0, 2.0], [1.0, 1.0, 0.0]);
        let mut x = [0.0; 3];
        let mut s = [0.0; 3];
        thomas_solve(&l, &d, &u, &[4.0, 10.0, 8.0], &mut x, &mut s);
        for (xi, want) in x.iter().zip([1.0, 2.0, 3.0]) {
            assert!((xi - want).abs() < 1e-14, "{x:?}");
        }
        let mut x1 = [0.0];
        thomas_solve(&[0.0], &[4.0], &[0.0], &[2.0], &mut x1, &mut s);
        assert_eq!(x1[0], 0.5);
    }
}
