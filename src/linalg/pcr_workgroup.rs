//! `pcr_workgroup`: parallel cyclic reduction of one small tridiagonal system (n <= 256), the
//! last level of the partitioned solver. The maths of `shaders/linalg/pcr_workgroup.wgsl`, step by step
//! in the same order (every row updated from the previous step's values).

use super::tridiag::BatchParams;

/// Rows one workgroup holds.
pub const PCR_MAX_ROWS: usize = 256;

/// Solves rows `offset .. offset + n` of the bands into `x` (batch must be 1, n <= 256).
pub fn pcr_workgroup(
    p: &BatchParams,
    lower: &[f64],
    diag: &[f64],
    upper: &[f64],
    rhs: &[f64],
    x: &mut [f64],
) {
    let (n, offset) = (p.n as usize, p.offset as usize);
    assert!(
        p.batch == 1 && n <= PCR_MAX_ROWS,
        "pcr_workgroup solves one system of at most 256 rows"
    );
    let [mut a, mut b, mut c, mut d] = [[0.0; PCR_MAX_ROWS]; 4];
    for i in 0..n {
        a[i] = if i == 0 { 0.0 } else { lower[offset + i] };
        b[i] = diag[offset + i];
        c[i] = if i == n - 1 { 0.0 } else { upper[offset + i] };
        d[i] = rhs[offset + i];
    }
    let mut s = 1;
    while s < n {
        let (old_a, old_b, old_c, old_d) = (a, b, c, d);
        for i in 0..n {
            let (mut na, mut nb, mut nc, mut nd) = (0.0, old_b[i], 0.0, old_d[i]);
            if i >= s {
                let k1 = old_a[i] / old_b[i - s];
                na = -k1 * old_a[i - s];
                nb -= k1 * old_c[i - s];
                nd -= k1 * old_d[i - s];
            }
            if i + s < n {
                let k2 = old_c[i] / old_b[i + s];
                nc = -k2 * old_c[i + s];
                nb -= k2 * old_a[i + s];
                nd -= k2 * old_d[i + s];
            }
            (a[i], b[i], c[i], d[i]) = (na, nb, nc, nd);
        }
        s *= 2;
    }
    for i in 0..n {
        x[offset + i] = d[i] / b[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::thomas_solve;

    #[test]
    fn matches_thomas_on_dominant_systems_of_every_small_size() {
        for n in [1, 2, 3, 7, 8, 63, 64, 255, 256] {
            let lower: Vec<f64> = (0..n + 2)
                .map(|k| ((k * 7) % 5) as f64 * 0.3 - 0.6)
                .collect();
            let upper: Vec<f64> = (0..n + 2)
                .map(|k| ((k * 3) % 7) as f64 * 0.2 - 0.6)
                .collect();
            let diag: Vec<f64> = (0..n + 2).map(|k| 2.0 + (k % 3) as f64).collect();
            let rhs: Vec<f64> = (0..n + 2).map(|k| (k as f64).sin()).collect();
            let p = BatchParams {
                n: n as u32,
                batch: 1,
                offset: 2,
            };
            let mut x = vec![0.0; n + 2];
            pcr_workgroup(&p, &lower, &diag, &upper, &rhs, &mut x);
            let (mut expected, mut scratch) = (vec![0.0; n], vec![0.0; n]);
            let mut l = lower[2..].to_vec();
            l[0] = 0.0;
            thomas_solve(
                &l,
                &diag[2..],
                &upper[2..],
                &rhs[2..],
                &mut expected,
                &mut scratch,
            );
            for (k, (got, want)) in x[2..].iter().zip(&expected).enumerate() {
                assert!(
                    (got - want).abs() <= 1e-13 * want.abs().max(1.0),
                    "n={n} row {k}: {got} vs {want}"
                );
            }
        }
    }
}
