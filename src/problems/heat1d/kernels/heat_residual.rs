//! `heat_residual`: r = F(v) for the space-time heat system, in the P1 row order.
//!
//! Traffic: reads v once and writes r once, 2 x 8 bytes per unknown in f64 (the minimum).

use rayon::prelude::*;

use super::dispatch::avx2_dispatch;
use super::params::{energy_balance, level_stencils, HeatParams};
use crate::linalg::max_abs::{abs_bits, max_abs2, MaxAbsLanes};

/// Time levels per parallel task: large enough that scheduling costs nothing.
const LEVELS_PER_TASK: usize = 1 << 14;

/// The four blocks of the residual, split out of one output slice.
struct ResidualBlocks<'a> {
    boundary_x0: &'a mut [f64],
    boundary_xl: &'a mut [f64],
    initial: &'a mut [f64],
    energy: &'a mut [f64],
}

fn split_blocks<'a>(p: &HeatParams, r: &'a mut [f64]) -> ResidualBlocks<'a> {
    assert_eq!(r.len(), p.nt() * p.nx(), "residual length must be nt*nx");
    let (boundary_x0, rest) = r.split_at_mut(p.nt());
    let (boundary_xl, rest) = rest.split_at_mut(p.nt());
    let (initial, energy) = rest.split_at_mut(p.interior());
    ResidualBlocks {
        boundary_x0,
        boundary_xl,
        initial,
        energy,
    }
}

avx2_dispatch!(
    /// Boundary rows of levels `i0 ..` and energy rows of the same levels, for as many levels
    /// as `boundary_x0` holds; `v` starts at level `i0` and holds one level more.
    fn residual_levels<const LINEAR: bool>(p: &HeatParams, v: &[f64], boundary_x0: &mut [f64], boundary_xl: &mut [f64], energy: &mut [f64])
        => residual_levels_portable
);

#[inline(always)]
fn residual_levels_portable<const LINEAR: bool>(
    p: &HeatParams,
    v: &[f64],
    boundary_x0: &mut [f64],
    boundary_xl: &mut [f64],
    energy: &mut [f64],
) {
    let nx = p.nx();
    let levels = v.chunks_exact(nx);
    let pairs = levels.clone().zip(levels.skip(1));
    for (((u, w), e_row), (b0, bl)) in pairs
        .zip(energy.chunks_exact_mut(nx - 2))
        .zip(boundary_x0.iter_mut().zip(boundary_xl.iter_mut()))
    {
        *b0 = u[0] - p.t_x0;
        *bl = u[nx - 1] - p.t_xl;
        for ((u3, w3), e) in level_stencils(u, w).zip(e_row.iter_mut()) {
            *e = energy_balance::<LINEAR>(p, u3, w3);
        }
    }
}

/// The rows that no level pair produces: the initial condition and the last level's boundaries.
fn residual_edges(p: &HeatParams, v: &[f64], blocks: &mut ResidualBlocks) {
    let (nt, nx) = (p.nt(), p.nx());
    for (r, t) in blocks.initial.iter_mut().zip(&v[1..nx - 1]) {
        *r = t - p.t_t0;
    }
    let last = &v[(nt - 1) * nx..];
    blocks.boundary_x0[nt - 1] = last[0] - p.t_x0;
    blocks.boundary_xl[nt - 1] = last[nx - 1] - p.t_xl;
}

/// `r = F(v)` on one thread, writing into the caller's buffer; no allocation.
pub fn heat_residual(p: &HeatParams, v: &[f64], r: &mut [f64]) {
    assert_eq!(v.len(), p.nt() * p.nx(), "v length must be nt*nx");
    let mut blocks = split_blocks(p, r);
    let levels = p.nt() - 1;
    let (b0, bl) = (
        &mut blocks.boundary_x0[..levels],
        &mut blocks.boundary_xl[..levels],
    );
    if p.is_linear() {
        residual_levels::<true>(p, v, b0, bl, blocks.energy);
    } else {
        residual_levels::<false>(p, v, b0, bl, blocks.energy);
    }
    residual_edges(p, v, &mut blocks);
}

/// `r = F(v)` split over rayon's threads by blocks of time levels; same result bit for bit.
pub fn heat_residual_par(p: &HeatParams, v: &[f64], r: &mut [f64]) {
    assert_eq!(v.len(), p.nt() * p.nx(), "v length must be nt*nx");
    let (nx, m) = (p.nx(), p.interior());
    let mut blocks = split_blocks(p, r);
    let levels = p.nt() - 1;
    blocks.boundary_x0[..levels]
        .par_chunks_mut(LEVELS_PER_TASK)
        .zip(blocks.boundary_xl[..levels].par_chunks_mut(LEVELS_PER_TASK))
        .zip(blocks.energy.par_chunks_mut(LEVELS_PER_TASK * m))
        .enumerate()
        .for_each(|(task, ((b0, bl), e))| {
            let i0 = task * LEVELS_PER_TASK;
            let v_block = &v[i0 * nx..(i0 + b0.len() + 1) * nx];
            if p.is_linear() {
                residual_levels::<true>(p, v_block, b0, bl, e);
            } else {
                residual_levels::<false>(p, v_block, b0, bl, e);
            }
        });
    residual_edges(p, v, &mut blocks);
}

/// The scaled max-norm of F(v) without storing r: energy rows are multiplied by dt so that
/// every block is in temperature units. Reads v once (8 bytes per unknown).
pub fn heat_residual_norm(p: &HeatParams, v: &[f64]) -> f64 {
    assert_eq!(v.len(), p.nt() * p.nx(), "v length must be nt*nx");
    let nx = p.nx();
    let initial = v[1..nx - 1]
        .iter()
        .map(|t| abs_bits(t - p.t_t0))
        .max()
        .unwrap_or(0);
    let last = &v[(p.nt() - 1) * nx..];
    let levels = if p.is_linear() {
        level_pairs_norm::<true>(p, v)
    } else {
        level_pairs_norm::<false>(p, v)
    };
    max_abs2(
        f64::from_bits(initial.max(boundary_bits(p, last)) as u64),
        levels,
    )
}

/// `max |T[0] - t_x0|, |T[nx-1] - t_xl|` of one level, as bits.
#[inline(always)]
pub(crate) fn boundary_bits(p: &HeatParams, level: &[f64]) -> i64 {
    abs_bits(level[0] - p.t_x0).max(abs_bits(level[level.len() - 1] - p.t_xl))
}

avx2_dispatch!(
    /// Boundary rows of every level but the last, and dt-scaled energy rows, in one pass over v.
    fn level_pairs_norm<const LINEAR: bool>(p: &HeatParams, v: &[f64]) -> f64 => level_pairs_norm_portable
);

#[inline(always)]
fn level_pairs_norm_portable<const LINEAR: bool>(p: &HeatParams, v: &[f64]) -> f64 {
    let nx = p.nx();
    let pairs = v.len() / nx - 1;
    let per_block = levels_per_flat_block(nx);
    let (mut boundary, mut energy) = (MaxAbsLanes::default(), MaxAbsLanes::default());
    let mut flat = [0.0; FLAT];
    for start in (0..pairs).step_by(per_block) {
        let levels = per_block.min(pairs - start);
        let u_run = &v[start * nx..(start + levels) * nx];
        let w_run = &v[(start + 1) * nx..(start + levels + 1) * nx];
        for u in u_run.chunks_exact(nx) {
            boundary.fold([u[0] - p.t_x0, u[nx - 1] - p.t_xl].into_iter());
        }
        fold_energy_levels::<LINEAR>(p, u_run, w_run, &mut flat, &mut energy);
    }
    max_abs2(boundary.value(), energy.value() * p.energy_scale)
}

/// Values of the stack buffer a run of short levels is evaluated into (16 KiB).
pub(crate) const FLAT: usize = 2048;

/// Levels per run for [`fold_energy_levels`]: as many as fit [`FLAT`], at least one.
#[inline(always)]
pub(crate) fn levels_per_flat_block(nx: usize) -> usize {
    (FLAT / nx).max(1)
}

/// Folds `|E|` (unscaled) of the energy rows between the levels of `u_run` and the levels of
/// `w_run` (runs of whole levels, `w_run` one level later) into `lanes`.
///
/// Short levels (the users' nx = 11 has 9 rows a level) are evaluated as one flat run: the
/// stencil is the same at every flat position, so the loop is long and vectorises; the two
/// positions per level that straddle a level boundary are zeroed before the fold.
#[inline(always)]
pub(crate) fn fold_energy_levels<const LINEAR: bool>(
    p: &HeatParams,
    u_run: &[f64],
    w_run: &[f64],
    flat: &mut [f64; FLAT],
    lanes: &mut MaxAbsLanes,
) {
    let (nx, m) = (p.nx(), p.interior());
    if u_run.len() > FLAT {
        // Long levels: evaluate each in chunks.
        for (u, w) in u_run.chunks_exact(nx).zip(w_run.chunks_exact(nx)) {
            for j0 in (0..m).step_by(FLAT) {
                let j1 = (j0 + FLAT).min(m);
                let rows = &mut flat[..j1 - j0];
                for ((u3, w3), e) in
                    level_stencils(&u[j0..j1 + 2], &w[j0..j1 + 2]).zip(rows.iter_mut())
                {
                    *e = energy_balance::<LINEAR>(p, u3, w3);
                }
                lanes.fold_slice(rows);
            }
        }
        return;
    }
    // Equal-length shifted views and plain indexing: no bounds checks, no iterator adapters
    // left out of line.
    let n = u_run.len() - 2;
    let (u_minus, u_mid, u_plus) = (&u_run[..n], &u_run[1..n + 1], &u_run[2..n + 2]);
    let (w_minus, w_mid, w_plus) = (&w_run[..n], &w_run[1..n + 1], &w_run[2..n + 2]);
    let rows = &mut flat[..n];
    for k in 0..n {
        rows[k] = energy_balance::<LINEAR>(
            p,
            [u_minus[k], u_mid[k], u_plus[k]],
            [w_minus[k], w_mid[k], w_plus[k]],
        );
    }
    // rows[l*nx + j - 1] is interior point j of level l; l*nx + m and l*nx + m + 1 straddle.
    for straddle in rows.chunks_exact_mut(nx) {
        (straddle[m], straddle[m + 1]) = (0.0, 0.0);
    }
    lanes.fold_slice(rows);
}
