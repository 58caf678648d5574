//! The explicit five-point update of one grid row, shared by the plain and the temporally
//! blocked CPU steppers (and written the same way in the GPU twin), so that all of them agree
//! to the bit:
//!
//! `u'[j] = u[j] + r * ((((up[j] + down[j]) + u[j-1]) + u[j+1]) - 4 u[j])`
//!
//! Rust never contracts `a*b + c` into an FMA, so the scalar, auto-vectorised and intrinsic
//! forms below round identically. Periodic rows wrap `j-1` and `j+1`; Dirichlet rows copy their
//! two end points (held at the edge value).
//!
//! Bytes: one row of output per three rows of input, but the rows above and at `i` were read
//! for the previous row and come from cache: a pass over the grid moves 8 B read + 8 B written
//! per point. Rows written to their final place use non-temporal stores (`stream`), which skip
//! the read-for-ownership a normal store costs (24 B instead of 16 B per point).

/// One point of the explicit update.
#[inline(always)]
pub(crate) fn point(r: f64, centre: f64, up: f64, down: f64, left: f64, right: f64) -> f64 {
    centre + r * ((((up + down) + left) + right) - 4.0 * centre)
}

/// What every row update needs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowGeometry {
    pub nx: usize,
    pub r: f64,
    pub periodic: bool,
}

/// Writes the next level of `row` into `out` from its neighbours `above` and `below`
/// (all `nx` long). `stream`: the interior is written with non-temporal stores (the caller
/// fences before another thread reads `out`).
#[inline]
pub(crate) fn stencil_row(
    g: RowGeometry,
    above: &[f64],
    row: &[f64],
    below: &[f64],
    out: &mut [f64],
    stream: bool,
) {
    let nx = g.nx;
    let (above, row, below, out) = (&above[..nx], &row[..nx], &below[..nx], &mut out[..nx]);
    if g.periodic {
        out[0] = point(g.r, row[0], above[0], below[0], row[nx - 1], row[1]);
        let last = nx - 1;
        out[last] = point(
            g.r,
            row[last],
            above[last],
            below[last],
            row[last - 1],
            row[0],
        );
    } else {
        out[0] = row[0];
        out[nx - 1] = row[nx - 1];
    }
    let interior = &mut out[1..nx - 1];
    let (up, down) = (&above[1..nx - 1], &below[1..nx - 1]);
    if stream {
        span_stream(g.r, up, row, down, interior);
    } else {
        span_store(g.r, up, row, down, interior);
    }
}

/// `out[j] = point(mid[j + 1]; up[j], down[j], mid[j], mid[j + 2])`: `mid` is two longer than
/// the others (its first and last entries are the left and right neighbours).
#[inline(always)]
fn span_portable(r: f64, up: &[f64], mid: &[f64], down: &[f64], out: &mut [f64]) {
    let m = out.len();
    let (up, down) = (&up[..m], &down[..m]);
    let (left, centre, right) = (&mid[..m], &mid[1..m + 1], &mid[2..m + 2]);
    for j in 0..m {
        out[j] = point(r, centre[j], up[j], down[j], left[j], right[j]);
    }
}

/// [`span_portable`] compiled for AVX2 where the CPU has it.
fn span_store(r: f64, up: &[f64], mid: &[f64], down: &[f64], out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        fn avx2(r: f64, up: &[f64], mid: &[f64], down: &[f64], out: &mut [f64]) {
            span_portable(r, up, mid, down, out)
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            return unsafe { avx2(r, up, mid, down, out) };
        }
    }
    span_portable(r, up, mid, down, out)
}

/// [`span_portable`] with non-temporal stores (AVX `vmovntpd` on 32-byte aligned groups of
/// four, normal stores for the unaligned head and the tail); plain stores without AVX.
fn span_stream(r: f64, up: &[f64], mid: &[f64], down: &[f64], out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX.
        return unsafe { span_stream_avx(r, up, mid, down, out) };
    }
    span_portable(r, up, mid, down, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn span_stream_avx(r: f64, up: &[f64], mid: &[f64], down: &[f64], out: &mut [f64]) {
    use std::arch::x86_64::*;
    let m = out.len();
    assert!(up.len() >= m && down.len() >= m && mid.len() >= m + 2);
    let head = out.as_ptr().align_offset(32).min(m);
    span_portable(
        r,
        &up[..head],
        &mid[..head + 2],
        &down[..head],
        &mut out[..head],
    );
    let body = head + (m - head) / 4 * 4;
    let (rv, four) = (_mm256_set1_pd(r), _mm256_set1_pd(4.0));
    let mut j = head;
    while j < body {
        if (j - head).is_multiple_of(8) && j + PREFETCH_AHEAD < m {
            // SAFETY: a prefetch of an address inside `down`; it never faults. The row below
            // is the one arriving from memory (the others were read for the previous row).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(down.as_ptr().add(j + PREFETCH_AHEAD).cast()) };
        }
        // SAFETY: j + 4 <= m, so every load reads inside up, down (len >= m) and mid
        // (len >= m + 2); out + j is 32-byte aligned (j - head is a multiple of 4).
        unsafe {
            let load = |s: &[f64], at: usize| _mm256_loadu_pd(s.as_ptr().add(at));
            let centre = load(mid, j + 1);
            let sum = _mm256_add_pd(
                _mm256_add_pd(_mm256_add_pd(load(up, j), load(down, j)), load(mid, j)),
                load(mid, j + 2),
            );
            let change = _mm256_mul_pd(rv, _mm256_sub_pd(sum, _mm256_mul_pd(four, centre)));
            _mm256_stream_pd(out.as_mut_ptr().add(j), _mm256_add_pd(centre, change));
        }
        j += 4;
    }
    span_portable(
        r,
        &up[body..m],
        &mid[body..m + 2],
        &down[body..m],
        &mut out[body..],
    );
}

/// `dst = src` with non-temporal stores where the CPU has AVX (the bandwidth reference).
pub(crate) fn stream_copy(dst: &mut [f64], src: &[f64]) {
    assert_eq!(dst.len(), src.len());
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        #[target_feature(enable = "avx")]
        fn avx(dst: &mut [f64], src: &[f64]) {
            use std::arch::x86_64::*;
            let head = dst.as_ptr().align_offset(32).min(dst.len());
            dst[..head].copy_from_slice(&src[..head]);
            let body = head + (dst.len() - head) / 4 * 4;
            for j in (head..body).step_by(4) {
                // SAFETY: j + 4 <= len; dst + j is 32-byte aligned.
                unsafe {
                    let v = _mm256_loadu_pd(src.as_ptr().add(j));
                    _mm256_stream_pd(dst.as_mut_ptr().add(j), v);
                }
            }
            dst[body..].copy_from_slice(&src[body..]);
        }
        // SAFETY: the CPU has AVX.
        return unsafe { avx(dst, src) };
    }
    dst.copy_from_slice(src)
}

/// Reals ahead of the current point at which the streamed row below is prefetched.
const PREFETCH_AHEAD: usize = 512;

/// Orders this thread's non-temporal stores before its later stores (a barrier's): call once
/// after streaming rows that other threads will read.
pub(crate) fn fence_streams() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is part of x86_64.
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_and_stored_rows_agree_to_the_bit() {
        for nx in [3, 4, 5, 9, 64, 67] {
            let rows: Vec<Vec<f64>> = (0..3)
                .map(|i| {
                    (0..nx)
                        .map(|j| ((i * 31 + j * 17) % 11) as f64 * 0.37 - 1.1)
                        .collect()
                })
                .collect();
            for periodic in [true, false] {
                let g = RowGeometry {
                    nx,
                    r: 0.23,
                    periodic,
                };
                // Offset the output by one element so the aligned body starts mid-row.
                let mut stored = vec![0.0; nx + 1];
                let mut streamed = vec![0.0; nx + 1];
                stencil_row(g, &rows[0], &rows[1], &rows[2], &mut stored[1..], false);
                stencil_row(g, &rows[0], &rows[1], &rows[2], &mut streamed[1..], true);
                fence_streams();
                assert_eq!(stored, streamed, "nx={nx} periodic={periodic}");
                for j in 0..nx {
                    let (left, right) = if periodic {
                        ((j + nx - 1) % nx, (j + 1) % nx)
                    } else if j == 0 || j == nx - 1 {
                        assert_eq!(stored[1 + j], rows[1][j]);
                        continue;
                    } else {
                        (j - 1, j + 1)
                    };
                    let c = rows[1][j];
                    let expected = point(
                        0.23,
                        c,
                        rows[0][j],
                        rows[2][j],
                        rows[1][left],
                        rows[1][right],
                    );
                    assert_eq!(stored[1 + j].to_bits(), expected.to_bits());
                }
            }
        }
    }
}
