//! `newton_march`: the Newton direction of the all-at-once system, `J(v) dv = -F(v)`.
//!
//! J is block lower-bidiagonal in time: level 0 is fixed by the initial-condition and boundary
//! rows, and level i+1 follows from level i through the energy rows of (i, i+1):
//! `A_i dv[i+1] = -E_i - B_i dv[i]`, with `A_i = dE_i/dT[i+1]`, `B_i = dE_i/dT[i]` tridiagonal.
//! So one Newton step is a forward march with one Thomas solve per level.
//! Traffic: reads v once, writes dv once (16 bytes per unknown in f64).

use super::dispatch::avx2_dispatch;
use super::heat_residual::levels_per_flat_block;
use super::newton_trial::TrialNorm;
use super::params::{energy_stencil, HeatParams};
use crate::linalg::max_abs::MaxAbsLanes;
use crate::linalg::thomas::thomas_solve;

/// Max-norms a direction computation yields on the way: `|dv|` and `|v|`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MarchNorms {
    pub step: f64,
    pub iterate: f64,
}

/// Running `|dv|`, `|v|` over the levels of a march.
#[derive(Default)]
struct MarchLanes {
    step: MaxAbsLanes,
    iterate: MaxAbsLanes,
}

impl MarchLanes {
    #[inline(always)]
    fn fold_level(&mut self, v: &[f64], dv: &[f64]) {
        self.step.fold_slice(dv);
        self.iterate.fold_slice(v);
    }

    fn norms(&self) -> MarchNorms {
        MarchNorms {
            step: self.step.value(),
            iterate: self.iterate.value(),
        }
    }
}

/// Level 0 of the direction: the initial-condition and boundary rows are identities.
fn first_level_direction(p: &HeatParams, v0: &[f64], dv0: &mut [f64]) {
    let nx = p.nx();
    dv0[0] = p.t_x0 - v0[0];
    dv0[nx - 1] = p.t_xl - v0[nx - 1];
    for (d, t) in dv0[1..nx - 1].iter_mut().zip(&v0[1..nx - 1]) {
        *d = p.t_t0 - t;
    }
}

/// Computes `dv` with `J(v) dv = -F(v)`; `scratch` needs `nx` values. No allocation.
pub fn newton_march(p: &HeatParams, v: &[f64], dv: &mut [f64], scratch: &mut [f64]) -> MarchNorms {
    assert_eq!(v.len(), p.nt() * p.nx(), "v length must be nt*nx");
    assert_eq!(dv.len(), v.len(), "dv length must be nt*nx");
    assert!(
        scratch.len() >= p.nx(),
        "newton_march needs nx scratch values"
    );
    if p.is_linear() {
        march_levels::<true>(p, v, dv, scratch)
    } else {
        march_levels::<false>(p, v, dv, scratch)
    }
}

fn march_levels<const LINEAR: bool>(
    p: &HeatParams,
    v: &[f64],
    dv: &mut [f64],
    scratch: &mut [f64],
) -> MarchNorms {
    let nx = p.nx();
    let mut dv_levels = dv.chunks_exact_mut(nx);
    let mut du = dv_levels.next().expect("nt >= 1");
    first_level_direction(p, &v[..nx], du);
    let mut norms = MarchLanes::default();
    norms.fold_level(&v[..nx], du);
    let levels = v.chunks_exact(nx);
    for ((u, w), dw) in levels.clone().zip(levels.skip(1)).zip(dv_levels) {
        // Boundary rows are identities; they enter the elimination as known end values.
        dw[0] = p.t_x0 - w[0];
        dw[nx - 1] = p.t_xl - w[nx - 1];
        // Forward elimination, assembling A_i and the right side on the fly:
        // c'_j = A+ / (A0 - A- c'_{j-1}),  d'_j = (rhs_j - A- d'_{j-1}) / (A0 - A- c'_{j-1}).
        let (mut c_prev, mut d_prev) = (0.0, dw[0]);
        for j in 1..nx - 1 {
            let s =
                energy_stencil::<LINEAR>(p, [u[j - 1], u[j], u[j + 1]], [w[j - 1], w[j], w[j + 1]]);
            let rhs = -s.value - (s.old[0] * du[j - 1] + s.old[1] * du[j] + s.old[2] * du[j + 1]);
            let inv_pivot = 1.0 / (s.new[1] - s.new[0] * c_prev);
            c_prev = s.new[2] * inv_pivot;
            d_prev = (rhs - s.new[0] * d_prev) * inv_pivot;
            scratch[j] = c_prev;
            dw[j] = d_prev;
        }
        for j in (1..nx - 1).rev() {
            dw[j] -= scratch[j] * dw[j + 1];
        }
        norms.fold_level(w, dw);
        du = dw;
    }
    norms.norms()
}

/// For a linear problem (beta = 0) the exact solution of the whole system is the march
/// `w[i+1] = M w[i] + c` on interior points, with the constant affine map
/// `M = -A^{-1} B`, `c = -A^{-1} (boundary terms)` computed once. Since F is affine,
/// the Newton direction from any v is `dv = w - v`: one small mat-vec per level instead of a
/// Thomas solve, with no serial chain of divisions.
#[derive(Clone, Debug)]
pub struct AffineLevelMap {
    interior: usize,
    /// Rows padded to a multiple of [`AffineLevelMap::LANES`] (with zeros) so the mat-vec runs on
    /// whole vectors.
    padded: usize,
    /// `M` column-major with padded columns: `matrix[k*padded + r] = M[r][k]`.
    matrix: Vec<f64>,
    offset: Vec<f64>,
}

impl AffineLevelMap {
    /// Beyond this many interior points the dense map costs more than a Thomas solve.
    pub const MAX_INTERIOR: usize = 32;
    /// Vector width the rows are padded to.
    const LANES: usize = 4;

    /// The map of a linear problem with few enough interior points; `None` otherwise.
    pub fn new(p: &HeatParams) -> Option<AffineLevelMap> {
        let m = p.interior();
        if !p.is_linear() || m > Self::MAX_INTERIOR {
            return None;
        }
        let padded = m.next_multiple_of(Self::LANES);
        let s = energy_stencil::<true>(p, [0.0; 3], [0.0; 3]);
        let (lower, diag, upper) = (vec![s.new[0]; m], vec![s.new[1]; m], vec![s.new[2]; m]);
        let mut scratch = vec![0.0; m];
        let mut rhs = vec![0.0; m];
        let mut matrix = vec![0.0; m * padded];
        // Column k of M solves A x = -B e_k; B e_k has entries old[2], old[1], old[0] at k-1, k, k+1.
        for (k, column) in matrix.chunks_exact_mut(padded).enumerate() {
            rhs.fill(0.0);
            rhs[k] = -s.old[1];
            if k > 0 {
                rhs[k - 1] = -s.old[2];
            }
            if k + 1 < m {
                rhs[k + 1] = -s.old[0];
            }
            thomas_solve(&lower, &diag, &upper, &rhs, &mut column[..m], &mut scratch);
        }
        // Boundary values couple into the first and last interior rows through both levels.
        rhs.fill(0.0);
        rhs[0] -= (s.new[0] + s.old[0]) * p.t_x0;
        rhs[m - 1] -= (s.new[2] + s.old[2]) * p.t_xl;
        let mut offset = vec![0.0; padded];
        thomas_solve(&lower, &diag, &upper, &rhs, &mut offset[..m], &mut scratch);
        Some(AffineLevelMap {
            interior: m,
            padded,
            matrix,
            offset,
        })
    }

    /// `dv = w - v` with w the exact solution. No allocation: the two levels of the
    /// recurrence live in registers.
    pub fn newton_march(&self, p: &HeatParams, v: &[f64], dv: &mut [f64]) -> MarchNorms {
        assert_eq!(self.interior, p.interior(), "map built for another nx");
        assert_eq!(v.len(), p.nt() * p.nx(), "v length must be nt*nx");
        assert_eq!(dv.len(), v.len(), "dv length must be nt*nx");
        affine_levels(self, p, v, dv, None).0
    }

    /// As [`Self::newton_march`], and in the same pass the full step's trial point
    /// `trial = v + 1.0 dv` with its scaled residual norm (what `newton_trial` with lambda = 1
    /// returns, bit for bit): the first trial of every line search, formed while each block of
    /// levels is still in cache instead of in a pass of its own.
    pub fn newton_march_with_trial(
        &self,
        p: &HeatParams,
        v: &[f64],
        dv: &mut [f64],
        trial: &mut [f64],
    ) -> (MarchNorms, f64) {
        assert_eq!(self.interior, p.interior(), "map built for another nx");
        assert!(
            v.len() == p.nt() * p.nx() && dv.len() == v.len() && trial.len() == v.len(),
            "nt*nx values"
        );
        let (norms, trial_norm) = affine_levels(self, p, v, dv, Some(trial));
        (norms, trial_norm.expect("trial requested"))
    }
}

avx2_dispatch!(
    fn affine_levels(map: &AffineLevelMap, p: &HeatParams, v: &[f64], dv: &mut [f64], trial: Option<&mut [f64]>)
        -> (MarchNorms, Option<f64>) => affine_levels_portable
);

/// One instance per padded width, so that a level is a fixed-size array the compiler keeps in
/// vector registers.
#[inline(always)]
fn affine_levels_portable(
    map: &AffineLevelMap,
    p: &HeatParams,
    v: &[f64],
    dv: &mut [f64],
    trial: Option<&mut [f64]>,
) -> (MarchNorms, Option<f64>) {
    match map.padded {
        4 => affine_levels_fixed::<4>(map, p, v, dv, trial),
        8 => affine_levels_fixed::<8>(map, p, v, dv, trial),
        12 => affine_levels_fixed::<12>(map, p, v, dv, trial),
        16 => affine_levels_fixed::<16>(map, p, v, dv, trial),
        20 => affine_levels_fixed::<20>(map, p, v, dv, trial),
        24 => affine_levels_fixed::<24>(map, p, v, dv, trial),
        28 => affine_levels_fixed::<28>(map, p, v, dv, trial),
        32 => affine_levels_fixed::<32>(map, p, v, dv, trial),
        other => unreachable!("padded width {other} exceeds MAX_INTERIOR"),
    }
}

#[inline(always)]
fn affine_levels_fixed<const P: usize>(
    map: &AffineLevelMap,
    p: &HeatParams,
    v: &[f64],
    dv: &mut [f64],
    mut trial: Option<&mut [f64]>,
) -> (MarchNorms, Option<f64>) {
    let (nx, m) = (p.nx(), map.interior);
    let offset: &[f64; P] = map
        .offset
        .as_slice()
        .try_into()
        .expect("offset has P values");
    let (columns, _) = map.matrix.as_chunks::<P>();
    let mut w_prev = [0.0; P];
    w_prev[..m].fill(p.t_t0);
    first_level_direction(p, &v[..nx], &mut dv[..nx]);
    let mut norms = MarchLanes::default();
    norms.fold_level(&v[..nx], &dv[..nx]);
    let mut trial_norm = trial
        .as_deref_mut()
        .map(|t| TrialNorm::new(p, v, dv, 1.0, t));
    // Blocks of levels, so that a requested trial is formed while the block is in cache.
    let pairs = p.nt() - 1;
    let per_block = levels_per_flat_block(nx);
    for start in (0..pairs).step_by(per_block) {
        let levels = per_block.min(pairs - start);
        for i in start + 1..=start + levels {
            let (w, dw) = (&v[i * nx..(i + 1) * nx], &mut dv[i * nx..(i + 1) * nx]);
            // w_next = c + sum_k M[:, k] w_prev[k], as whole-vector column axpys.
            let mut w_next = *offset;
            for (column, &wk) in columns.iter().zip(&w_prev[..m]) {
                for (acc, mrk) in w_next.iter_mut().zip(column) {
                    *acc += mrk * wk;
                }
            }
            dw[0] = p.t_x0 - w[0];
            dw[nx - 1] = p.t_xl - w[nx - 1];
            for ((d, exact), t) in dw[1..nx - 1].iter_mut().zip(&w_next).zip(&w[1..nx - 1]) {
                *d = exact - t;
            }
            norms.fold_level(w, dw);
            w_prev = w_next;
        }
        if let (Some(norm), Some(t)) = (trial_norm.as_mut(), trial.as_deref_mut()) {
            norm.block::<true>(p, v, dv, 1.0, t, start, levels);
        }
    }
    (norms.norms(), trial_norm.map(|norm| norm.finish(p)))
}
