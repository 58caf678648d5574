//! `heat_jacobian`: the rows of the all-at-once Jacobian for one chunk of time levels.

use super::heat_residual_levels::{level_residual, Segment, SegmentView};
use super::params::{energy_stencil, HeatParams};

/// Reals per assembled row: `[A-, A0, A+, B-, B0, B+, F]`.
pub const JACOBIAN_ROW: usize = 7;

/// The level window a chunked kernel works on: `[level0, level0 + levels)` (clipped to the
/// segment), and the running chunk number. On the device it is a six-word storage buffer in
/// this order; `thomas_march` advances `level0` and `chunk`. A level too long for one
/// invocation is swept in windows of `sweep_rows` rows: `row` is the next row of the forward
/// elimination, `row_end` the end of the next window of the back substitution (nx - 1 at the
/// start of a level).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarchCursor {
    pub level0: u32,
    pub chunk: u32,
    pub levels: u32,
    pub row: u32,
    pub row_end: u32,
    pub sweep_rows: u32,
}

impl MarchCursor {
    /// The cursor at the start of a direction: level 0, chunk 0.
    pub fn start(levels: usize, nx: usize, sweep_rows: usize) -> MarchCursor {
        MarchCursor {
            level0: 0,
            chunk: 0,
            levels: levels as u32,
            row: 0,
            row_end: (nx - 1) as u32,
            sweep_rows: sweep_rows as u32,
        }
    }

    /// The words of the device buffer.
    pub fn words(&self) -> [u32; 6] {
        [
            self.level0,
            self.chunk,
            self.levels,
            self.row,
            self.row_end,
            self.sweep_rows,
        ]
    }
}

impl MarchCursor {
    /// The levels the chunk covers within `segment`.
    pub fn window(&self, segment: &Segment) -> std::ops::Range<usize> {
        let level0 = self.level0 as usize;
        level0..(level0 + self.levels as usize).min(segment.end())
    }
}

/// For each row (i, j) of the chunk, `jac[(l*nx + j)*7 ..] = [A-, A0, A+, B-, B0, B+, F]` with
/// l = i - level0, A = dF/dT[i, j-1..=j+1], B = dF/dT[i-1, j-1..=j+1] and F the residual
/// (level-major row). Boundary rows and level 0 are identities: A = (0, 1, 0), B = 0.
pub fn heat_jacobian(
    p: &HeatParams,
    v: &[f64],
    v_prev: &[f64],
    segment: &Segment,
    cursor: &MarchCursor,
    jac: &mut [f64],
) {
    let nx = p.nx();
    let view = SegmentView { v, v_prev, segment };
    for i in cursor.window(segment) {
        for j in 0..nx {
            let l = i - cursor.level0 as usize;
            let row = &mut jac[(l * nx + j) * JACOBIAN_ROW..][..JACOBIAN_ROW];
            let (mut a, mut b) = ([0.0, 1.0, 0.0], [0.0; 3]);
            if i > 0 && j > 0 && j < nx - 1 {
                let at = |i, j| view.at(nx, i, j);
                let old = [at(i - 1, j - 1), at(i - 1, j), at(i - 1, j + 1)];
                let new = [at(i, j - 1), at(i, j), at(i, j + 1)];
                let s = if p.is_linear() {
                    energy_stencil::<true>(p, old, new)
                } else {
                    energy_stencil::<false>(p, old, new)
                };
                (a, b) = (s.new, s.old);
            }
            row[..3].copy_from_slice(&a);
            row[3..6].copy_from_slice(&b);
            row[6] = level_residual(p, |i, j| view.at(nx, i, j), i, j);
        }
    }
}
