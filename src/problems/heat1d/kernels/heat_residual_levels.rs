//! `heat_residual_levels`: r = F(v) in the level-major device layout of the GPU kernels.
//!
//! Row (i, j) sits at `i*nx + j`, like the unknown it determines: j = 0 and j = nx-1 are level
//! i's boundary rows, interior j of level 0 the initial condition, interior j of level i >= 1
//! the energy balance between levels i-1 and i. Every kernel can then be split by levels
//! ([`Segment`]), and [`levels_to_p1_order`] gives the users' order when a residual is handed back.

use super::params::{energy_balance, HeatParams};

/// The levels `[level0, level0 + levels)` one dispatch works on; arrays larger than one device
/// binding are split into such segments. `prev_levels` is the length of the segment before,
/// whose last level is the halo (0 for the first segment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub level0: u32,
    pub levels: u32,
    pub prev_levels: u32,
    /// Where this segment's workgroup maxima start in a partials buffer, and the distance from
    /// the first max-norm to the second in it.
    pub partials_offset: u32,
    pub partials_stride: u32,
}

impl Segment {
    pub fn end(&self) -> usize {
        (self.level0 + self.levels) as usize
    }
}

/// A segment of a level-major array with its halo: `v` holds the segment's levels, `v_prev` the
/// previous segment (`shaders/heat1d/heat_levels.wgsl`).
#[derive(Clone, Copy)]
pub struct SegmentView<'a> {
    pub v: &'a [f64],
    pub v_prev: &'a [f64],
    pub segment: &'a Segment,
}

impl SegmentView<'_> {
    /// T[i, j] for a level i of the segment or the one before it (`v_at`).
    #[inline(always)]
    pub fn at(&self, nx: usize, i: usize, j: usize) -> f64 {
        let level0 = self.segment.level0 as usize;
        if i >= level0 {
            self.v[(i - level0) * nx + j]
        } else {
            self.v_prev[(self.segment.prev_levels as usize - 1) * nx + j]
        }
    }
}

/// Row (i, j) of F in the level-major layout (`level_residual`), with `T[i, j] = at(i, j)`.
#[inline(always)]
pub fn level_residual(p: &HeatParams, at: impl Fn(usize, usize) -> f64, i: usize, j: usize) -> f64 {
    let nx = p.nx();
    let here = at(i, j);
    if j == 0 {
        here - p.t_x0
    } else if j == nx - 1 {
        here - p.t_xl
    } else if i == 0 {
        here - p.t_t0
    } else {
        let old = [at(i - 1, j - 1), at(i - 1, j), at(i - 1, j + 1)];
        let new = [at(i, j - 1), here, at(i, j + 1)];
        if p.is_linear() {
            energy_balance::<true>(p, old, new)
        } else {
            energy_balance::<false>(p, old, new)
        }
    }
}

/// Weight of row (i, j) in the scaled norm: `energy_scale` for energy rows, 1 otherwise.
#[inline(always)]
pub fn row_scale(p: &HeatParams, i: usize, j: usize) -> f64 {
    if i == 0 || j == 0 || j == p.nx() - 1 {
        1.0
    } else {
        p.energy_scale
    }
}

/// `r = F(v)` on one segment in the level-major layout; `r` holds the segment's rows.
pub fn heat_residual_levels(
    p: &HeatParams,
    v: &[f64],
    v_prev: &[f64],
    segment: &Segment,
    r: &mut [f64],
) {
    let nx = p.nx();
    let view = SegmentView { v, v_prev, segment };
    let at = |i, j| view.at(nx, i, j);
    for (k, rk) in r.iter_mut().enumerate().take(segment.levels as usize * nx) {
        *rk = level_residual(p, at, segment.level0 as usize + k / nx, k % nx);
    }
}

/// Reorders a level-major residual into the users' P1 order (see [`crate::problems::heat1d::params::ResidualLayout`]).
pub fn levels_to_p1_order(p: &HeatParams, levels: &[f64], r: &mut [f64]) {
    let (nt, nx) = (p.nt(), p.nx());
    assert!(
        levels.len() == nt * nx && r.len() == levels.len(),
        "both must have nt*nx values"
    );
    let layout = crate::problems::heat1d::params::ResidualLayout { nt, nx };
    for (i, level) in levels.chunks_exact(nx).enumerate() {
        r[layout.boundary_x0(i)] = level[0];
        r[layout.boundary_xl(i)] = level[nx - 1];
        for (j, &value) in level.iter().enumerate().take(nx - 1).skip(1) {
            let row = if i == 0 {
                layout.initial(j)
            } else {
                layout.energy(i - 1, j)
            };
            r[row] = value;
        }
    }
}
