//! `heat_residual`: r = F(v) for the space-time heat system, in the P1 row order.
//!
//! Traffic: reads v once and writes r once, 2 x 8 bytes per unknown in f64 (the minimum).

use rayon::prelude::*;

use super::dispatch::avx2_dispatch;
use super::max_abs::{abs_bits, max_abs2, MaxAbsLanes, LANES};
use super::params::{energy_balance, level_stencils, HeatParams};

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
    let levels = v.chunks_exact(p.nx());
    let (mut boundary, mut energy) = (MaxAbsLanes::default(), MaxAbsLanes::default());
    for (u, w) in levels.clone().zip(levels.skip(1)) {
        boundary.fold([u[0] - p.t_x0, u[u.len() - 1] - p.t_xl].into_iter());
        fold_energy_rows::<LINEAR>(p, u, w, &mut energy);
    }
    max_abs2(boundary.value(), energy.value() * p.dt)
}

/// Folds `|E_j|` (unscaled) of the energy rows between levels u and w into `lanes`.
#[inline(always)]
pub(crate) fn fold_energy_rows<const LINEAR: bool>(
    p: &HeatParams,
    u: &[f64],
    w: &[f64],
    lanes: &mut MaxAbsLanes,
) {
    let m = u.len() - 2;
    // Rows are evaluated into a buffer first: the evaluation loop then vectorises like the
    // residual's, and so does the fold.
    let mut rows = [0.0; LANES];
    for j0 in (0..m).step_by(LANES) {
        let j1 = (j0 + LANES).min(m);
        let rows = &mut rows[..j1 - j0];
        for ((u3, w3), e) in level_stencils(&u[j0..j1 + 2], &w[j0..j1 + 2]).zip(rows.iter_mut()) {
            *e = energy_balance::<LINEAR>(p, u3, w3);
        }
        lanes.fold(rows.iter().copied());
    }
}
