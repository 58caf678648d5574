//! The Burgers row: the semi-discrete operator of PROBLEMS.md P3, conservative and centred,
//!
//! `L(u)_j = -(u_{j+1}^2 - u_{j-1}^2) / (4 dx) + nu (u_{j+1} - 2 u_j + u_{j-1}) / dx^2`
//!
//! (indices modulo n), and the two things every time stepper builds from it:
//!
//! * an explicit part `q = u + tau L(u)` over a time span `tau` (theta steps use
//!   `tau = (1 - theta) dt`; TR-BDF2 uses it to form `h f(u_n)`), and
//! * an implicit stage `w - c L(w) = q` (theta steps: `c = theta dt`; both TR-BDF2 stages:
//!   `c = d h`), whose rows are divided by their diagonal `1 + 2 c nu / dx^2`, so that the scaled
//!   residual `G_j` is in units of u and the diagonal of its Jacobian is 1:
//!
//!   `G_j = g (w_j - q_j) - g c nu/dx^2 (w_{j+1} - 2 w_j + w_{j-1}) + g c/(4 dx) (w_{j+1}^2 - w_{j-1}^2)`
//!   `dG_j/dw_{j-1} = -g c (w_{j-1}/(2 dx) + nu/dx^2)`, `dG_j/dw_j = 1`,
//!   `dG_j/dw_{j+1} = -g c (-w_{j+1}/(2 dx) + nu/dx^2)` with `g = 1 / (1 + 2 c nu/dx^2)`.
//!
//! The Jacobian is cyclic tridiagonal; it is diagonally dominant in every row when
//! `c max|u| / dx - 2 c nu / dx^2 < 1` (always when the cell Reynolds number
//! `max|u| dx / nu <= 2`), and not otherwise. The same coefficients, in the same order of
//! operations, are used by the WGSL kernels (`shaders/burgers1d/burgers_stencil.wgsl`).

use bytemuck::{Pod, Zeroable};

/// Roundings of `|u|` a scaled row's evaluation may leave (its terms add up to at most
/// `2 |u| (1 + g c |u| / (4 dx))`, each rounded a few times), with a factor 2 of margin.
pub const FLOOR_ROUNDINGS: f64 = 16.0;

/// `q = u + tau L(u)`: `diffusion = tau nu / dx^2`, `convection = tau / (4 dx)`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct ExplicitCoefficients {
    pub diffusion: f64,
    pub convection: f64,
}

impl ExplicitCoefficients {
    pub fn new(nu: f64, dx: f64, tau: f64) -> ExplicitCoefficients {
        ExplicitCoefficients {
            diffusion: tau * nu / (dx * dx),
            convection: tau / (4.0 * dx),
        }
    }
}

/// The scaled stage rows `G(w) = g (w - q - c L(w))`: `scale = g`,
/// `diffusion = g c nu / dx^2`, `convection = g c / (4 dx)`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct StageCoefficients {
    pub scale: f64,
    pub diffusion: f64,
    pub convection: f64,
}

impl StageCoefficients {
    pub fn new(nu: f64, dx: f64, c: f64) -> StageCoefficients {
        let ratio = c * nu / (dx * dx);
        let g = 1.0 / (1.0 + 2.0 * ratio);
        StageCoefficients {
            scale: g,
            diffusion: g * ratio,
            convection: g * c / (4.0 * dx),
        }
    }

    /// The rounding floor of the scaled residual for data of magnitude `u_scale` in a
    /// precision with unit roundoff `eps`: `16 eps |u| (1 + g c |u| / (4 dx))`.
    pub fn rounding_floor(&self, u_scale: f64, eps: f64) -> f64 {
        FLOOR_ROUNDINGS * eps * u_scale * (1.0 + self.convection * u_scale)
    }

    /// The largest off-diagonal sum `|lower| + |upper|` of a scaled row for `|w| <= u_max`;
    /// the Jacobian is strictly diagonally dominant when it is below 1.
    pub fn off_diagonal_bound(&self, u_max: f64) -> f64 {
        let slope = 2.0 * self.convection * u_max;
        (self.diffusion + slope) + (self.diffusion - slope).abs()
    }
}

/// `q_j = u_j + tau L(u)_j` from `s = [u_{j-1}, u_j, u_{j+1}]`.
#[inline(always)]
pub fn explicit_row(c: &ExplicitCoefficients, s: [f64; 3]) -> f64 {
    s[1] + c.diffusion * (s[2] - 2.0 * s[1] + s[0]) - c.convection * (s[2] * s[2] - s[0] * s[0])
}

/// The scaled residual `G_j` from `w = [w_{j-1}, w_j, w_{j+1}]` and `q_j`.
#[inline(always)]
pub fn stage_residual(c: &StageCoefficients, w: [f64; 3], q: f64) -> f64 {
    c.scale * (w[1] - q) - c.diffusion * (w[2] - 2.0 * w[1] + w[0])
        + c.convection * (w[2] * w[2] - w[0] * w[0])
}

/// The scaled Jacobian row `[dG_j/dw_{j-1}, dG_j/dw_j, dG_j/dw_{j+1}]`.
#[inline(always)]
pub fn stage_jacobian(c: &StageCoefficients, w: [f64; 3]) -> [f64; 3] {
    let twice = 2.0 * c.convection;
    [
        -c.diffusion - twice * w[0],
        c.scale + 2.0 * c.diffusion,
        -c.diffusion + twice * w[2],
    ]
}

/// Neighbours `[u_{j-1}, u_j, u_{j+1}]` of point `j` of a periodic level.
#[inline(always)]
pub fn periodic_stencil(u: &[f64], j: usize) -> [f64; 3] {
    let n = u.len();
    let left = if j == 0 { n - 1 } else { j - 1 };
    let right = if j + 1 == n { 0 } else { j + 1 };
    [u[left], u[j], u[right]]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// L(u) straight from PROBLEMS.md.
    fn operator(u: &[f64], nu: f64, dx: f64, j: usize) -> f64 {
        let [l, c, r] = periodic_stencil(u, j);
        -(r * r - l * l) / (4.0 * dx) + nu * (r - 2.0 * c + l) / (dx * dx)
    }

    #[test]
    fn rows_are_the_problem_statement_scaled_by_the_diagonal() {
        let (nu, dx, c) = (0.05, 0.1, 0.02);
        let u: Vec<f64> = (0..8).map(|k| (k as f64 * 0.7).sin()).collect();
        let q: Vec<f64> = (0..8).map(|k| (k as f64 * 0.3).cos()).collect();
        let s = StageCoefficients::new(nu, dx, c);
        let e = ExplicitCoefficients::new(nu, dx, c);
        let diagonal = 1.0 + 2.0 * c * nu / (dx * dx);
        for j in 0..8 {
            let w = periodic_stencil(&u, j);
            let expected = (u[j] - q[j] - c * operator(&u, nu, dx, j)) / diagonal;
            assert!((stage_residual(&s, w, q[j]) - expected).abs() < 1e-15);
            let q_row = u[j] + c * operator(&u, nu, dx, j);
            assert!((explicit_row(&e, w) - q_row).abs() < 1e-15);
            // Jacobian against PROBLEMS.md's dL/du entries, and against finite differences.
            let [lo, di, up] = stage_jacobian(&s, w);
            let dl_left = w[0] / (2.0 * dx) + nu / (dx * dx);
            let dl_right = -w[2] / (2.0 * dx) + nu / (dx * dx);
            assert!((lo + c * dl_left / diagonal).abs() < 1e-15);
            assert!((up + c * dl_right / diagonal).abs() < 1e-15);
            assert!((di - 1.0).abs() < 1e-15);
            let h = 1e-6;
            for (k, entry) in [lo, di, up].into_iter().enumerate() {
                let (mut plus, mut minus) = (w, w);
                plus[k] += h;
                minus[k] -= h;
                let fd =
                    (stage_residual(&s, plus, q[j]) - stage_residual(&s, minus, q[j])) / (2.0 * h);
                assert!((fd - entry).abs() < 1e-8, "j={j} k={k}: {fd} vs {entry}");
            }
        }
    }

    #[test]
    fn dominance_bound_follows_the_cell_reynolds_number() {
        let (nu, dx) = (0.05, 0.1);
        // Cell Reynolds 1: dominant for any step.
        assert!(StageCoefficients::new(nu, dx, 1e6).off_diagonal_bound(0.5) < 1.0);
        // Cell Reynolds 10 and c max|u| / dx = 50: not dominant.
        assert!(StageCoefficients::new(nu, dx, 1.0).off_diagonal_bound(5.0) > 1.0);
    }
}
