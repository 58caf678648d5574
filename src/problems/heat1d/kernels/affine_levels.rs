//! `affine_levels` and `affine_block_starts`: CPU twins of `shaders/heat1d/affine_levels.wgsl` and
//! `shaders/heat1d/affine_block_starts.wgsl`, the two kernels of the blocked linear solve (see
//! [`super::affine_powers`] for the maths).
//!
//! `affine_block_starts`: block b = g S + t starts at `d_b = M^{tK} D[g]` (one invocation per
//! block and interior row; reads S m^2 powers and the group starts, writes m reals per block).
//! `affine_levels`: level `i = b K + j` is `T_s + M^j d_b` (one invocation per unknown; reads
//! m powers and the block start from cache, writes the unknown: 8 B per unknown in f64, the
//! minimum for producing the field). Level 0 is the initial condition exactly; the first level
//! of a block (j = 0) is `T_s + d_b`. Every sum runs in the same order as the fused CPU solve
//! ([`super::affine_blocks`]), which these twins match bit for bit.

use super::affine_powers::{block_start, AffinePowers};
use super::params::HeatParams;

/// Shape of a blocked solve as the shaders read it.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct BlockParams {
    pub nt: u32,
    pub nx: u32,
    /// m = nx - 2.
    pub interior: u32,
    /// K.
    pub block_levels: u32,
    /// S.
    pub group_blocks: u32,
    /// (nt - 1) / K + 1: every block whose first level is < nt.
    pub blocks: u32,
    /// First level of the segment this dispatch writes, and its level count.
    pub level0: u32,
    pub levels: u32,
}

impl BlockParams {
    pub fn new(p: &HeatParams, powers: &AffinePowers, level0: usize, levels: usize) -> BlockParams {
        let k = powers.block_levels();
        BlockParams {
            nt: p.nt,
            nx: p.nx,
            interior: powers.interior() as u32,
            block_levels: k as u32,
            group_blocks: powers.group_blocks() as u32,
            blocks: ((p.nt() - 1) / k + 1) as u32,
            level0: level0 as u32,
            levels: levels as u32,
        }
    }
}

/// `starts[b m + r]` = row r of `d_b` for every block (`group_starts`: f64, m per group).
pub fn affine_block_starts(
    bp: &BlockParams,
    powers: &AffinePowers,
    group_starts: &[f64],
    starts: &mut [f64],
) {
    let m = bp.interior as usize;
    for (b, d) in starts
        .chunks_exact_mut(m)
        .enumerate()
        .take(bp.blocks as usize)
    {
        block_start(powers, group_starts, b, d);
    }
}

/// Value of unknown `(i, x)` of the solution (`starts` from [`affine_block_starts`]).
#[inline(always)]
pub fn affine_level_value(
    p: &HeatParams,
    powers: &AffinePowers,
    starts: &[f64],
    i: usize,
    x: usize,
) -> f64 {
    let (nx, m, k) = (p.nx(), powers.interior(), powers.block_levels());
    if x == 0 {
        return p.t_x0;
    }
    if x == nx - 1 {
        return p.t_xl;
    }
    if i == 0 {
        return p.t_t0;
    }
    let (b, j) = (i / k, i % k);
    let d = &starts[b * m..(b + 1) * m];
    let steady = powers.steady()[x];
    if j == 0 {
        return steady + d[x - 1];
    }
    let rows = (k - 1) * nx;
    let f = (j - 1) * nx + x;
    let powers_flat = powers.level_powers();
    d.iter().enumerate().fold(steady, |acc, (c, &dc)| {
        powers_flat[c * rows + f].mul_add(dc, acc)
    })
}

/// `out` = levels `level0 .. level0 + levels` of the solution (`bp.level0`, `bp.levels`).
pub fn affine_levels(
    p: &HeatParams,
    bp: &BlockParams,
    powers: &AffinePowers,
    starts: &[f64],
    out: &mut [f64],
) {
    let nx = p.nx();
    for (k, value) in out.iter_mut().enumerate().take(bp.levels as usize * nx) {
        *value = affine_level_value(p, powers, starts, bp.level0 as usize + k / nx, k % nx);
    }
}
