//! Temporal blocking of the explicit update: `levels` steps per pass over memory.
//!
//! Each thread owns rows `[s, e)` of the destination. It streams the source rows
//! `s - levels .. e + levels` once (periodic: indices wrapped; Dirichlet: clamped to the grid,
//! whose edge rows never change) and runs a wavefront down them: when source row `k` arrives,
//! level 1 computes row `k - 1`, level 2 row `k - 2`, ..., level `L` row `k - L`. Level `t` needs
//! only rows `i - 1, i, i + 1` of level `t - 1`, so each intermediate level lives in a ring of
//! three rows (`3 (L - 1) nx` reals per thread, sized to stay in the core's L2 cache); level `L`
//! goes straight to the destination with non-temporal stores. Level `t` computes rows
//! `[s - (L - t), e + (L - t))`: the skirts overlap the neighbouring threads' (about `L^2` rows
//! recomputed per thread and pass), so threads never exchange rows within a pass.
//!
//! Every row goes through `stencil::stencil_row`, the same arithmetic on the same inputs as a
//! plain step: the result is bitwise that of `L` plain steps. `L = 1` *is* the plain step.
//!
//! Bytes per point-step (f64): one DRAM pass reads 8 B and writes 8 B (non-temporal) per point
//! for `L` steps: `16 / L` B, against 16 B (24 B with normal stores) for one step per pass. The
//! ring traffic (three row reads and one row write per point and level) stays in L1/L2.

use std::ops::Range;

use super::stencil::{fence_streams, stencil_row, RowGeometry};
use super::team::{run_team, share, PingPong};

/// Bytes of one thread's rings that the default block depth aims to keep in L2.
pub const RING_CACHE_BYTES: usize = 768 * 1024;

/// Deepest temporal block the default picks.
pub const MAX_BLOCK_STEPS: usize = 16;

/// Steps per pass for a grid: as deep as the rings fit in [`RING_CACHE_BYTES`], and shallow
/// enough that each thread's recomputed skirt (`L` rows each side) stays under a quarter of its
/// rows.
pub fn default_block_steps(ny: usize, nx: usize, threads: usize) -> usize {
    let by_cache = RING_CACHE_BYTES / (3 * 8 * nx) + 1;
    let by_rows = ny / threads.max(1) / 8;
    by_cache.min(by_rows).clamp(1, MAX_BLOCK_STEPS)
}

/// Reals of one thread's rings for `levels` steps per pass.
pub fn ring_len(levels: usize, nx: usize) -> usize {
    3 * levels.saturating_sub(1) * nx
}

/// Upper bound of one thread's ring bytes under [`default_block_steps`].
pub fn ring_bytes(nx: usize) -> usize {
    8 * ring_len(MAX_BLOCK_STEPS, nx).min(RING_CACHE_BYTES / 8 + 3 * nx)
}

/// Grid of an explicit run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Grid {
    pub ny: usize,
    pub row: RowGeometry,
}

/// Advances `fields[*current]` by `steps` steps, `block` per pass, on `rings.len()` threads
/// (each ring at least `ring_len(block, nx)` long); `current` ends on the field holding the
/// result.
pub(crate) fn advance(
    grid: Grid,
    fields: &mut [Vec<f64>; 2],
    current: &mut usize,
    steps: usize,
    block: usize,
    rings: &mut [Vec<f64>],
) {
    if steps == 0 {
        return;
    }
    let block = block.max(1);
    let passes = steps.div_ceil(block);
    let shared = PingPong::new(fields);
    let first = *current;
    let threads = rings.len();
    run_team(rings, |t, ring, barrier| {
        let rows = share(grid.ny, threads, t);
        for pass in 0..passes {
            let levels = block.min(steps - pass * block);
            let from = (first + pass) % 2;
            // SAFETY: within a pass field `from` is only read and each thread writes only its own
            // rows of the other field; the barrier separates passes (team module invariant).
            unsafe { wavefront(grid, levels, &shared, from, rows.clone(), ring) };
            fence_streams();
            barrier.wait();
        }
    });
    *current = (first + passes) % 2;
}

/// One pass of `levels` steps producing rows `rows` of field `1 - from`.
///
/// # Safety
/// No thread writes field `from`, and no other thread touches `rows` of field `1 - from`,
/// during the call.
unsafe fn wavefront(
    grid: Grid,
    levels: usize,
    shared: &PingPong,
    from: usize,
    rows: Range<usize>,
    ring: &mut [f64],
) {
    let (ny, nx) = (grid.ny as isize, grid.row.nx);
    let periodic = grid.row.periodic;
    let src = unsafe { shared.source(from) };
    let (s, e) = (rows.start as isize, rows.end as isize);
    let lv = levels as isize;
    // Rows level t computes (t = 1..=levels), in unwrapped indices.
    let range = |t: isize| {
        let (lo, hi) = (s - (lv - t), e + (lv - t));
        if periodic {
            (lo, hi)
        } else {
            (lo.max(1), hi.min(ny - 1))
        }
    };
    let src_row = |i: isize| {
        let i = i.rem_euclid(ny) as usize;
        &src[i * nx..(i + 1) * nx]
    };
    let slot = |t: isize, i: isize| (3 * (t - 1) as usize + i.rem_euclid(3) as usize) * nx;
    assert!(
        ring.len() >= ring_len(levels, nx),
        "ring too short for {levels} levels"
    );
    // Ring reads and writes derive from one pointer: a level reads level t - 1's slots and
    // writes level t's, which never overlap.
    let ring = ring.as_mut_ptr();
    for k in s - lv + 2..e + lv {
        for t in 1..=lv {
            let i = k - t;
            let (lo, hi) = range(t);
            if i < lo || i >= hi {
                continue;
            }
            // Rows i-1, i, i+1 of level t-1: the source at level 0 and on the fixed Dirichlet
            // edges, else the ring of level t-1.
            let (above, centre, below) = if t == 1 {
                (src_row(i - 1), src_row(i), src_row(i + 1))
            } else {
                let row = |j: isize| {
                    if !periodic && (j == 0 || j == ny - 1) {
                        src_row(j)
                    } else {
                        // SAFETY: inside the ring, disjoint from the slot written below.
                        unsafe { std::slice::from_raw_parts(ring.add(slot(t - 1, j)), nx) }
                    }
                };
                (row(i - 1), row(i), row(i + 1))
            };
            if t == lv {
                let at = i as usize * nx;
                // SAFETY: row i is one of this thread's rows (the caller's contract).
                let out = unsafe { shared.part(1 - from, at..at + nx) };
                stencil_row(grid.row, above, centre, below, out, true);
            } else {
                // SAFETY: inside the ring, disjoint from the level t - 1 slots read above.
                let out = unsafe { std::slice::from_raw_parts_mut(ring.add(slot(t, i)), nx) };
                stencil_row(grid.row, above, centre, below, out, false);
            }
        }
    }
}
