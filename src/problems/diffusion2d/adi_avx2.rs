//! One panel of 16 ADI systems in AVX2 registers (four vectors of four systems): the arithmetic
//! of `adi::system` in the same order, vectorised across the panel. The right side's left and
//! right neighbours are the panel's own columns shifted by one lane, with the halo column of the
//! adjacent panel shifted in; the back substitution collects 16 consecutive unknowns of the 16
//! systems, transposes them in 4 x 4 register blocks and writes the output's contiguous 2 KiB
//! tile with non-temporal stores.

#![cfg(target_arch = "x86_64")]

use std::arch::x86_64::*;

use super::adi::{edge_term, panel_index, Out, Sweep, PANEL};
use crate::linalg::cyclic_factored::CyclicFactored;

/// Rows ahead of the forward sweep whose lines are prefetched.
const PREFETCH_ROWS: usize = 64;

/// `[a3, b0, b1, b2]`: `b` shifted up one lane, `a`'s last lane shifted in.
#[inline(always)]
fn shift_in_left(a: __m256d, b: __m256d) -> __m256d {
    // SAFETY (both functions): register shuffles; the caller has AVX.
    unsafe { _mm256_shuffle_pd::<0b0101>(_mm256_permute2f128_pd::<0x21>(a, b), b) }
}

/// `[a1, a2, a3, b0]`: `a` shifted down one lane, `b`'s first lane shifted in.
#[inline(always)]
fn shift_in_right(a: __m256d, b: __m256d) -> __m256d {
    unsafe { _mm256_shuffle_pd::<0b0101>(a, _mm256_permute2f128_pd::<0x21>(a, b)) }
}

/// Solves the 16 systems of the whole panel `panel` into their output rows; the right sides'
/// outer neighbours are columns `left` and `right` of the field (the adjacent panels' edge
/// columns, or the wrapped ones when periodic). Not for panels holding Dirichlet edge systems.
///
/// # Safety
/// The CPU has AVX2; no other thread writes these output rows; `out` spans the output field.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn panel16(
    sw: &Sweep,
    solver: &CyclicFactored,
    src: &[f64],
    panel: usize,
    (left, right): (usize, usize),
    scratch: &mut [f64],
    out: Out,
) {
    let (nk, ns) = (sw.nk, sw.ns);
    let (n, first) = sw.unknowns();
    let s0 = panel * PANEL;
    let (f, g, z) = (solver.factors(), solver.first_row(), solver.correction());
    assert!(
        s0 + PANEL <= ns && left < ns && right < ns && src.len() >= ns.div_ceil(PANEL) * nk * PANEL
    );
    assert!(sw.periodic || (s0 >= 1 && s0 + PANEL < ns));
    assert!(scratch.len() >= PANEL * n && f.len() == 3 * n && g.len() == n && z.len() == n);
    assert!(out.len >= nk.div_ceil(PANEL) * ns * PANEL);
    let forward = scratch.as_mut_ptr();
    // SAFETY (pointer arithmetic below): row 0 of the panel and of the halo columns lie inside
    // src (the rows below them too, PANEL reals apart).
    let (centre, left_halo, right_halo) = unsafe {
        let at = src.as_ptr();
        (
            at.add(panel_index(nk, 0, s0)),
            at.add(panel_index(nk, 0, left)),
            at.add(panel_index(nk, 0, right)),
        )
    };
    let (half_r, two) = (_mm256_set1_pd(sw.half_r), _mm256_set1_pd(2.0));
    let mut prev = [_mm256_setzero_pd(); 4];
    let mut dot = [_mm256_setzero_pd(); 4];
    for q in 0..n {
        let k = q + first;
        // SAFETY: row k < nk of the panel and of its neighbours; forward row q < n.
        let (c, before, after) = unsafe {
            let row = centre.add(k * PANEL);
            let c = [0, 4, 8, 12].map(|v| _mm256_loadu_pd(row.add(v)));
            let left = _mm256_set1_pd(*left_halo.add(k * PANEL));
            let right = _mm256_set1_pd(*right_halo.add(k * PANEL));
            (c, [left, c[0], c[1], c[2]], [c[1], c[2], c[3], right])
        };
        if k + PREFETCH_ROWS < nk {
            // SAFETY: prefetches of addresses inside src (row k + PREFETCH_ROWS < nk); they never
            // fault. Three streams (the panel and one column of each neighbour) are more than
            // the hardware prefetchers keep far enough ahead.
            unsafe {
                let ahead = (k + PREFETCH_ROWS) * PANEL;
                _mm_prefetch::<_MM_HINT_T1>(centre.add(ahead).cast());
                _mm_prefetch::<_MM_HINT_T1>(centre.add(ahead + 8).cast());
                _mm_prefetch::<_MM_HINT_T1>(left_halo.add(ahead).cast());
                _mm_prefetch::<_MM_HINT_T1>(right_halo.add(ahead).cast());
            }
        }
        let known = _mm256_set1_pd(edge_term(sw, n, q));
        let (l, inv_pivot, g_q) = (
            _mm256_set1_pd(f[3 * q]),
            _mm256_set1_pd(f[3 * q + 1]),
            _mm256_set1_pd(g[q]),
        );
        for v in 0..4 {
            let (left, right) = (
                shift_in_left(before[v], c[v]),
                shift_in_right(c[v], after[v]),
            );
            // rhs = c + hr ((left - 2c) + right), plus the known edge terms.
            let lap = _mm256_add_pd(_mm256_sub_pd(left, _mm256_mul_pd(two, c[v])), right);
            let b = _mm256_add_pd(_mm256_add_pd(c[v], _mm256_mul_pd(half_r, lap)), known);
            prev[v] = _mm256_mul_pd(_mm256_sub_pd(b, _mm256_mul_pd(l, prev[v])), inv_pivot);
            dot[v] = _mm256_add_pd(dot[v], _mm256_mul_pd(g_q, b));
            unsafe { _mm256_storeu_pd(forward.add(q * PANEL + 4 * v), prev[v]) };
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
    let edge = _mm256_set1_pd(sw.edge);
    let stream = (out.ptr as usize).is_multiple_of(32);
    let mut y_next = prev;
    let mut tile = [[_mm256_setzero_pd(); 4]; PANEL];
    for kb in (0..nk.div_ceil(PANEL)).rev() {
        for kk in (0..PANEL).rev() {
            let k = kb * PANEL + kk;
            if k < first || k >= first + n {
                // Dirichlet edge rows hold the edge value; past nk is padding, never read.
                tile[kk] = [if k < nk { edge } else { _mm256_setzero_pd() }; 4];
                continue;
            }
            let q = k - first;
            let (c, z_q) = (_mm256_set1_pd(f[3 * q + 2]), _mm256_set1_pd(z[q]));
            for v in 0..4 {
                // SAFETY: forward row q < n.
                let stored = unsafe { _mm256_loadu_pd(forward.add(q * PANEL + 4 * v)) };
                // The last unknown has no super-diagonal: y is its forward value.
                let y = if q + 1 == n {
                    stored
                } else {
                    _mm256_sub_pd(stored, _mm256_mul_pd(c, y_next[v]))
                };
                y_next[v] = y;
                tile[kk][v] = _mm256_sub_pd(y, _mm256_mul_pd(corr[v], z_q));
            }
        }
        // Output rows s0 .. s0 + 16, columns kb*16 .. +16: one contiguous tile.
        // SAFETY: inside the output field (asserted above); these rows are this thread's.
        let tile_at = unsafe { out.ptr.add((kb * ns + s0) * PANEL) };
        for v in 0..4 {
            let mut columns = [[_mm256_setzero_pd(); 4]; 4];
            for (block, columns) in columns.iter_mut().enumerate() {
                let rows = &tile[4 * block..4 * block + 4];
                let t0 = _mm256_unpacklo_pd(rows[0][v], rows[1][v]);
                let t1 = _mm256_unpackhi_pd(rows[0][v], rows[1][v]);
                let t2 = _mm256_unpacklo_pd(rows[2][v], rows[3][v]);
                let t3 = _mm256_unpackhi_pd(rows[2][v], rows[3][v]);
                *columns = [
                    _mm256_permute2f128_pd::<0x20>(t0, t2),
                    _mm256_permute2f128_pd::<0x20>(t1, t3),
                    _mm256_permute2f128_pd::<0x31>(t0, t2),
                    _mm256_permute2f128_pd::<0x31>(t1, t3),
                ];
            }
            for lane in 0..4 {
                for (block, columns) in columns.iter().enumerate() {
                    // SAFETY: row 4v + lane < 16 of the tile, columns 4 block .. + 4 < 16;
                    // 32-byte aligned when `stream` (tiles are 128-byte multiples apart).
                    unsafe {
                        let at = tile_at.add((4 * v + lane) * PANEL + 4 * block);
                        if stream {
                            _mm256_stream_pd(at, columns[lane]);
                        } else {
                            _mm256_storeu_pd(at, columns[lane]);
                        }
                    }
                }
            }
        }
    }
}
