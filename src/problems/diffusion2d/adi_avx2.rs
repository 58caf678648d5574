//! The ADI strip of `adi::strip_portable` for 16 systems in AVX2 registers (four vectors of
//! four systems): the same operations in the same order, written out so that the right side,
//! both recurrences and the transposed write-out each take a handful of vector instructions per
//! four unknowns. The write-out transposes 4 x 4 blocks in registers (four unknowns of four
//! systems) and stores four consecutive unknowns of each system at once.

#![cfg(target_arch = "x86_64")]

use std::arch::x86_64::*;

use super::adi::{edge_term, prefetch_strip, Sweep, PREFETCH_ROWS};
use crate::linalg::cyclic_factored::CyclicFactored;

/// Systems per strip.
pub(super) const WIDTH: usize = 16;

/// Solves the 16 systems `s0 .. s0 + 16`, none of them on the field's wrap-around edge
/// (`1 <= s0`, `s0 + 16 < ns`), into `out` (16 rows of `nk`).
///
/// # Safety
/// The CPU has AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn strip16(
    sw: &Sweep,
    solver: &CyclicFactored,
    src: &[f64],
    s0: usize,
    scratch: &mut [f64],
    out: &mut [f64],
) {
    let (nk, ns) = (sw.nk, sw.ns);
    let n = solver.n();
    let first = if sw.periodic { 0 } else { 1 };
    let (f, g, z) = (solver.factors(), solver.first_row(), solver.correction());
    assert!(s0 >= 1 && s0 + WIDTH < ns && src.len() >= nk * ns);
    assert!(scratch.len() >= WIDTH * n && out.len() == WIDTH * nk && n + first <= nk);
    assert!(f.len() == 3 * n && g.len() == n && z.len() == n);
    let forward = scratch.as_mut_ptr();
    let (half_r, two) = (_mm256_set1_pd(sw.half_r), _mm256_set1_pd(2.0));
    let mut prev = [_mm256_setzero_pd(); 4];
    let mut dot = [_mm256_setzero_pd(); 4];
    for q in 0..n {
        // SAFETY (this block and the loads below): row q + first < nk lies inside src, and
        // s0 - 1 .. s0 + 17 inside the row; forward rows q < n lie inside scratch.
        let row = unsafe { src.as_ptr().add((q + first) * ns + s0) };
        prefetch_strip(src, (q + first + PREFETCH_ROWS) * ns + s0, WIDTH);
        let known = _mm256_set1_pd(edge_term(sw, n, q));
        let (l, inv_pivot, g_q) = (
            _mm256_set1_pd(f[3 * q]),
            _mm256_set1_pd(f[3 * q + 1]),
            _mm256_set1_pd(g[q]),
        );
        for v in 0..4 {
            let (c, left, right) = unsafe {
                (
                    _mm256_loadu_pd(row.add(4 * v)),
                    _mm256_loadu_pd(row.add(4 * v).sub(1)),
                    _mm256_loadu_pd(row.add(4 * v + 1)),
                )
            };
            // rhs = c + hr ((left - 2c) + right), plus the known edge terms.
            let lap = _mm256_add_pd(_mm256_sub_pd(left, _mm256_mul_pd(two, c)), right);
            let b = _mm256_add_pd(_mm256_add_pd(c, _mm256_mul_pd(half_r, lap)), known);
            prev[v] = _mm256_mul_pd(_mm256_sub_pd(b, _mm256_mul_pd(l, prev[v])), inv_pivot);
            dot[v] = _mm256_add_pd(dot[v], _mm256_mul_pd(g_q, b));
            unsafe { _mm256_storeu_pd(forward.add(q * WIDTH + 4 * v), prev[v]) };
        }
    }
    let (ratio, inv_den) = (
        _mm256_set1_pd(solver.corner_ratio()),
        _mm256_set1_pd(solver.inv_denominator()),
    );
    let mut corr = dot;
    for v in 0..4 {
        corr[v] = _mm256_mul_pd(
            _mm256_add_pd(dot[v], _mm256_mul_pd(ratio, prev[v])),
            inv_den,
        );
    }
    // Back substitution in groups of four unknowns; the top group takes the remainder.
    let mut y_next = prev;
    let mut q_end = n;
    while q_end > 0 {
        let size = (q_end - 1) % 4 + 1;
        let q_start = q_end - size;
        let mut x = [[_mm256_setzero_pd(); 4]; 4];
        for j in (0..size).rev() {
            let q = q_start + j;
            let (c, z_q) = (_mm256_set1_pd(f[3 * q + 2]), _mm256_set1_pd(z[q]));
            for v in 0..4 {
                // SAFETY: row q < n of the forward values.
                let stored = unsafe { _mm256_loadu_pd(forward.add(q * WIDTH + 4 * v)) };
                // The last unknown has no super-diagonal: y is its forward value.
                let y = if q + 1 == n {
                    stored
                } else {
                    _mm256_sub_pd(stored, _mm256_mul_pd(c, y_next[v]))
                };
                y_next[v] = y;
                x[j][v] = _mm256_sub_pd(y, _mm256_mul_pd(corr[v], z_q));
            }
        }
        let at = first + q_start;
        for v in 0..4 {
            if size == 4 {
                let t0 = _mm256_unpacklo_pd(x[0][v], x[1][v]);
                let t1 = _mm256_unpackhi_pd(x[0][v], x[1][v]);
                let t2 = _mm256_unpacklo_pd(x[2][v], x[3][v]);
                let t3 = _mm256_unpackhi_pd(x[2][v], x[3][v]);
                let columns = [
                    _mm256_permute2f128_pd::<0x20>(t0, t2),
                    _mm256_permute2f128_pd::<0x20>(t1, t3),
                    _mm256_permute2f128_pd::<0x31>(t0, t2),
                    _mm256_permute2f128_pd::<0x31>(t1, t3),
                ];
                for (lane, column) in columns.into_iter().enumerate() {
                    let w = 4 * v + lane;
                    // SAFETY: row w < 16 of out, unknowns at .. at + 4 <= first + n <= nk.
                    unsafe { _mm256_storeu_pd(out.as_mut_ptr().add(w * nk + at), column) };
                }
            } else {
                for (j, xj) in x.iter().enumerate().take(size) {
                    let mut lanes = [0.0; 4];
                    // SAFETY: four f64 into a four-element array.
                    unsafe { _mm256_storeu_pd(lanes.as_mut_ptr(), xj[v]) };
                    for (lane, value) in lanes.into_iter().enumerate() {
                        out[(4 * v + lane) * nk + at + j] = value;
                    }
                }
            }
        }
        q_end = q_start;
    }
    if !sw.periodic {
        for out_row in out.chunks_exact_mut(nk) {
            out_row[0] = sw.edge;
            out_row[nk - 1] = sw.edge;
        }
    }
}
