//! `newton_scan_first_level`, `newton_scan_maps` and `newton_scan_levels`: CPU twins of the
//! heat-specific kernels of `shaders/newton_scan.wgsl`, which with the generic scan of
//! [`crate::linalg::affine_scan`] give the Newton direction of the all-at-once system (any beta) with
//! no sequential march over all levels.
//!
//! The direction obeys `dv[i+1] = A_i dv[i] + b_i` on whole levels (nx values, boundary rows
//! included), `A_i = -Anew_i^{-1} Bold_i`, `b_i = -Anew_i^{-1} F_i`, with the tridiagonal
//! Jacobian blocks `Anew_i = dF/dT[i+1]`, `Bold_i = dF/dT[i]` of the energy rows between levels i
//! and i+1 (boundary rows: identities). A_i is dense, but applying it costs one Thomas solve, so
//! the maps are never formed one by one: levels are cut into chunks of L, and
//! `newton_scan_maps` forms each chunk's composite map `(Phi_c, phi_c)` by pushing the nx unit
//! vectors and 0 through the chunk's L steps (one workgroup per chunk: the rows and the Thomas
//! factors of a step are assembled once, in parallel, and shared by the nx + 1 columns).
//! The composites are scanned (`affine_compose`, `affine_apply`: groups of G chunks, a chain of
//! about sqrt(#chunks) group maps) into the direction at every chunk start, and
//! `newton_scan_levels` marches each chunk from its start in parallel, writing dv and max |dv|.
//!
//! Work per level: `(nx + 1)` Thomas solves (maps) + one (levels) + `2 nx^2 (nx + 1) / L` for
//! the dense scan; depth `2 L + 2 G + #chunks / G` steps instead of nt. Bytes per unknown in
//! f64: v read twice (maps, levels), dv written once (24 B), plus `(nx + 1) nx / L` reals of
//! chunk maps per level (L >= 4 nx keeps them below a quarter of the field).

use super::params::{energy_stencil, HeatParams};
use crate::linalg::affine_scan::{ScanParams, SCAN_MAX_N};
use crate::linalg::max_abs_reduce::{combine, flagged_abs};

/// `[A-, A0, A+, B-, B0, B+, F]` of the rows of level i+1 (as `heat_jacobian` assembles them).
type Rows = [[f64; 7]; SCAN_MAX_N];

/// The rows of the step from level `u` to level `w`: identities with `F = w - boundary value`
/// on the boundary, the energy stencil inside.
#[inline(always)]
fn step_rows(p: &HeatParams, u: &[f64], w: &[f64], rows: &mut Rows) {
    let nx = p.nx();
    rows[0] = [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, w[0] - p.t_x0];
    rows[nx - 1] = [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, w[nx - 1] - p.t_xl];
    for j in 1..nx - 1 {
        let (u3, w3) = ([u[j - 1], u[j], u[j + 1]], [w[j - 1], w[j], w[j + 1]]);
        let s = if p.is_linear() {
            energy_stencil::<true>(p, u3, w3)
        } else {
            energy_stencil::<false>(p, u3, w3)
        };
        rows[j] = [
            s.new[0], s.new[1], s.new[2], s.old[0], s.old[1], s.old[2], s.value,
        ];
    }
}

/// Thomas factors of `Anew`: `c'_j` and `1 / pivot_j`.
#[inline(always)]
fn factor(nx: usize, rows: &Rows, c_prime: &mut [f64], inv_pivot: &mut [f64]) {
    let mut c_prev = 0.0;
    for j in 0..nx {
        let [lower, diag, upper, ..] = rows[j];
        inv_pivot[j] = 1.0 / (diag - lower * c_prev);
        c_prev = upper * inv_pivot[j];
        c_prime[j] = c_prev;
    }
}

/// `x_next = A_i x_prev (+ b_i when affine)`: `Anew x_next = (-F) - Bold x_prev`.
#[inline(always)]
fn step(
    nx: usize,
    rows: &Rows,
    c_prime: &[f64],
    inv_pivot: &[f64],
    x_prev: &[f64],
    affine: bool,
    x_next: &mut [f64],
) {
    let mut d_prev = 0.0;
    for j in 0..nx {
        let row = &rows[j];
        let mut b_dot = row[4] * x_prev[j];
        if j > 0 {
            b_dot += row[3] * x_prev[j - 1];
        }
        if j < nx - 1 {
            b_dot += row[5] * x_prev[j + 1];
        }
        let rhs = if affine { -row[6] } else { 0.0 } - b_dot;
        d_prev = (rhs - row[0] * d_prev) * inv_pivot[j];
        x_next[j] = d_prev;
    }
    for j in (0..nx - 1).rev() {
        x_next[j] -= c_prime[j] * x_next[j + 1];
    }
}

/// Level-pair maps `i` of chunk `c`: `c L .. min(c L + L, nt - 1)`.
fn chunk_maps(p: &HeatParams, sp: &ScanParams, c: usize) -> std::ops::Range<usize> {
    let l = sp.per_group as usize;
    c * l..((c + 1) * l).min(p.nt() - 1)
}

/// `dv[0..nx]`: level 0's rows are identities, so `dv = -F` there.
pub fn newton_scan_first_level(p: &HeatParams, v: &[f64], dv: &mut [f64]) {
    let nx = p.nx();
    for (j, d) in dv.iter_mut().enumerate().take(nx) {
        let target = match j {
            0 => p.t_x0,
            _ if j == nx - 1 => p.t_xl,
            _ => p.t_t0,
        };
        *d = target - v[j];
    }
}

/// Chunk composites: `maps[(c (nx+1) + k) nx ..]` = the chunk's steps applied to `e_k` (linear
/// part, k < nx) or to 0 (k = nx, with `b_i`). `sp.n = nx`, `sp.maps` = chunks, `sp.per_group`
/// = L levels per chunk.
pub fn newton_scan_maps(p: &HeatParams, sp: &ScanParams, v: &[f64], maps: &mut [f64]) {
    let nx = p.nx();
    let size = (nx + 1) * nx;
    for (c, composite) in maps
        .chunks_exact_mut(size)
        .enumerate()
        .take(sp.maps as usize)
    {
        let mut columns = [[0.0; SCAN_MAX_N]; SCAN_MAX_N + 1];
        for (k, x) in columns.iter_mut().enumerate().take(nx) {
            x[k] = 1.0;
        }
        let (mut rows, mut c_prime, mut inv_pivot) =
            ([[0.0; 7]; SCAN_MAX_N], [0.0; SCAN_MAX_N], [0.0; SCAN_MAX_N]);
        for i in chunk_maps(p, sp, c) {
            step_rows(p, &v[i * nx..], &v[(i + 1) * nx..], &mut rows);
            factor(nx, &rows, &mut c_prime, &mut inv_pivot);
            for (k, x) in columns.iter_mut().enumerate().take(nx + 1) {
                let mut next = [0.0; SCAN_MAX_N];
                step(nx, &rows, &c_prime, &inv_pivot, x, k == nx, &mut next);
                *x = next;
            }
        }
        for (column, x) in composite.chunks_exact_mut(nx).zip(&columns) {
            column.copy_from_slice(&x[..nx]);
        }
    }
}

/// Each chunk marched from its start `chunk_starts[c nx ..]` (the direction at level c L):
/// writes dv at levels `c L + 1 ..= c L + L` and `step_partials[c]` = max |dv| over them (chunk 0
/// also over level 0), -1 if not finite.
pub fn newton_scan_levels(
    p: &HeatParams,
    sp: &ScanParams,
    v: &[f64],
    chunk_starts: &[f64],
    dv: &mut [f64],
    step_partials: &mut [f64],
) {
    let nx = p.nx();
    for (c, partial) in step_partials.iter_mut().enumerate().take(sp.maps as usize) {
        let mut x = [0.0; SCAN_MAX_N];
        x[..nx].copy_from_slice(&chunk_starts[c * nx..(c + 1) * nx]);
        let mut step_max = 0.0;
        if c == 0 {
            for &d in &dv[..nx] {
                step_max = combine(step_max, flagged_abs(d, 1.0));
            }
        }
        let (mut rows, mut c_prime, mut inv_pivot) =
            ([[0.0; 7]; SCAN_MAX_N], [0.0; SCAN_MAX_N], [0.0; SCAN_MAX_N]);
        for i in chunk_maps(p, sp, c) {
            step_rows(p, &v[i * nx..], &v[(i + 1) * nx..], &mut rows);
            factor(nx, &rows, &mut c_prime, &mut inv_pivot);
            let mut next = [0.0; SCAN_MAX_N];
            step(nx, &rows, &c_prime, &inv_pivot, &x, true, &mut next);
            x = next;
            for (d, &value) in dv[(i + 1) * nx..(i + 2) * nx].iter_mut().zip(&x) {
                *d = value;
                step_max = combine(step_max, flagged_abs(value, 1.0));
            }
        }
        *partial = step_max;
    }
}

/// The whole direction with the twins, in the GPU's order (allocates its scratch: a reference
/// for tests). Returns max |dv|.
pub fn newton_scan_direction(
    p: &HeatParams,
    levels_per_chunk: usize,
    chunks_per_group: usize,
    v: &[f64],
    dv: &mut [f64],
) -> f64 {
    use crate::linalg::affine_scan::{affine_apply, affine_compose};
    use crate::linalg::max_abs_reduce::finish_max_norm;
    let nx = p.nx();
    let chunks = (p.nt() - 1).div_ceil(levels_per_chunk);
    let sp = |maps: usize, per_group: usize| ScanParams {
        n: nx as u32,
        maps: maps as u32,
        per_group: per_group as u32,
        in_offset: 0,
    };
    let chunk_level = sp(chunks, levels_per_chunk);
    let group_level = sp(chunks, chunks_per_group);
    let groups = group_level.groups();
    let size = (nx + 1) * nx;
    let (mut maps, mut composites) = (vec![0.0; chunks * size], vec![0.0; groups * size]);
    let (mut group_starts, mut chunk_starts) = (vec![0.0; groups * nx], vec![0.0; chunks * nx]);
    let mut partials = vec![0.0; chunks.max(1)];
    newton_scan_first_level(p, v, dv);
    newton_scan_maps(p, &chunk_level, v, &mut maps);
    affine_compose(&group_level, &maps, &mut composites);
    affine_apply(&sp(groups, groups), &composites, dv, &mut group_starts);
    affine_apply(&group_level, &maps, &group_starts, &mut chunk_starts);
    newton_scan_levels(p, &chunk_level, v, &chunk_starts, dv, &mut partials);
    finish_max_norm(&partials)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::heat1d::kernels::newton_march;
    use crate::problems::heat1d::params::Heat1D;

    /// Against the sequential Thomas march on nonlinear problems (beta != 0), from a perturbed
    /// guess, at chunk and group sizes that leave partial chunks and groups.
    #[test]
    fn scan_direction_matches_the_thomas_march() {
        for (nt, nx, theta, beta, l, g) in [
            (2, 3, 1.0, 0.02, 4, 2),
            (101, 11, 1.0, 0.03, 8, 3),
            (1000, 11, 0.5, -0.01, 16, 7),
            (257, 34, 1.0, 0.02, 32, 4),
            (300, 6, 0.0, 0.01, 5, 5),
        ] {
            let problem = Heat1D {
                nt,
                nx,
                theta,
                beta,
                t_max: 1.0,
                ..Heat1D::default()
            };
            let p = HeatParams::new(&problem);
            let v: Vec<f64> = (0..nt * nx)
                .map(|k| 25.0 + 30.0 * (((k * 2654435761) % 1000) as f64 / 1000.0))
                .collect();
            let (mut scanned, mut marched) = (vec![0.0; v.len()], vec![0.0; v.len()]);
            let step = newton_scan_direction(&p, l, g, &v, &mut scanned);
            let norms = newton_march(&p, &v, &mut marched, &mut vec![0.0; nx]);
            let err = scanned
                .iter()
                .zip(&marched)
                .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
            let case = format!("nt={nt} nx={nx} theta={theta} beta={beta} L={l} G={g}");
            assert!(
                err <= 1e-11 * norms.step,
                "{case}: {err:e} vs |dv| {}",
                norms.step
            );
            assert!((step - norms.step).abs() <= 1e-11 * norms.step, "{case}");
        }
    }
}
