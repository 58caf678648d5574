//! Parameters shared by the heat kernels, laid out as the shaders' uniform block.

use bytemuck::{Pod, Zeroable};

use crate::problems::heat1d::params::Heat1D;

/// Derived coefficients of the theta scheme, `#[repr(C)]` so that the GPU path uploads
/// the same bytes the CPU twins read.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct HeatParams {
    /// Time levels N1.
    pub nt: u32,
    /// Space points N2.
    pub nx: u32,
    /// `1 / dt`.
    pub inv_dt: f64,
    /// Weight of energy-balance rows in the scaled norm: `1 / |dE/dT[i+1, j]|` at its largest
    /// diffusivity, `dt / (1 + 2 theta r k_max)` with `r = alpha0 dt / dx^2` and
    /// `k_max = max alpha(T) / alpha0` over the data. Every scaled row is then in temperature
    /// units and its rounding floor is a few eps |T| whatever r (theta = 0: exactly dt).
    pub energy_scale: f64,
    /// `alpha0 / dx^2`.
    pub a: f64,
    pub theta: f64,
    pub beta: f64,
    pub t_ref: f64,
    pub t_x0: f64,
    pub t_xl: f64,
    pub t_t0: f64,
}

impl HeatParams {
    pub fn new(p: &Heat1D) -> HeatParams {
        let dt = p.dt();
        let dx = p.dx();
        let a = p.alpha / (dx * dx);
        HeatParams {
            nt: p.nt as u32,
            nx: p.nx as u32,
            inv_dt: 1.0 / dt,
            energy_scale: p.energy_scale(),
            a,
            theta: p.theta,
            beta: p.beta,
            t_ref: p.t_ref,
            t_x0: p.t_x0,
            t_xl: p.t_xl,
            t_t0: p.t_t0,
        }
    }

    pub fn nt(&self) -> usize {
        self.nt as usize
    }

    pub fn nx(&self) -> usize {
        self.nx as usize
    }

    /// Interior points per level, `nx - 2`.
    pub fn interior(&self) -> usize {
        self.nx as usize - 2
    }

    pub fn is_linear(&self) -> bool {
        self.beta == 0.0
    }

    /// The data's magnitude, max |T| over the boundary and initial values: by the maximum
    /// principle the solution's too.
    pub fn temperature_scale(&self) -> f64 {
        self.t_x0.abs().max(self.t_xl.abs()).max(self.t_t0.abs())
    }

    /// The rounding floor of the scaled residual after a Newton step, computing with unit
    /// roundoff `eps`: [`FLOOR_ROUNDINGS`] eps |T|. A scaled energy row sums terms of at most
    /// `(2 + 4 r k) / (1 + 2 theta r k) <= 4` times |T| (for theta < 1/2 through the stability
    /// bound), each rounded once; the Thomas solve behind the step adds a backward error of
    /// the same size (diagonally dominant: growth factor below 2), and forming `v + dv` half
    /// an ulp of |T| per unknown. So the floor is a few eps |T| at every r.
    pub fn rounding_floor(&self, eps: f64) -> f64 {
        FLOOR_ROUNDINGS * eps * self.temperature_scale()
    }
}

/// Roundings of |T| in the floor of [`HeatParams::rounding_floor`]: the sum of the bounds
/// above (about 16) with a factor 2 of margin, checked by the tests at r from 1e-6 to 1e9.
pub const FLOOR_ROUNDINGS: f64 = 16.0;

/// The energy balance of row (i, j) and its derivatives with respect to the three
/// neighbours at the old level `u = T[i]` and the new level `w = T[i+1]`:
///
/// `E = a (theta L(w) + (1 - theta) L(u)) - (w_j - u_j) / dt`, with the flux form
/// `L(u)_j = k_{j+1/2} (u_{j+1} - u_j) - k_{j-1/2} (u_j - u_{j-1})` and face factors
/// `k_{j+1/2} = 1 + beta ((u_j + u_{j+1})/2 - t_ref)`. For `beta = 0` (`LINEAR`),
/// `L(u)_j = u_{j+1} - 2 u_j + u_{j-1}`, the users' formula.
#[inline(always)]
pub(crate) fn energy_balance<const LINEAR: bool>(p: &HeatParams, u: [f64; 3], w: [f64; 3]) -> f64 {
    let lap = |s: [f64; 3]| {
        if LINEAR {
            s[2] - 2.0 * s[1] + s[0]
        } else {
            let k_plus = 1.0 + p.beta * (0.5 * (s[1] + s[2]) - p.t_ref);
            let k_minus = 1.0 + p.beta * (0.5 * (s[0] + s[1]) - p.t_ref);
            k_plus * (s[2] - s[1]) - k_minus * (s[1] - s[0])
        }
    };
    p.a * (p.theta * lap(w) + (1.0 - p.theta) * lap(u)) - (w[1] - u[1]) * p.inv_dt
}

/// One energy-balance row with its Jacobian entries: `new` = dE/dT[i+1, j-1..=j+1],
/// `old` = dE/dT[i, j-1..=j+1].
#[derive(Clone, Copy, Debug)]
pub(crate) struct EnergyStencil {
    pub value: f64,
    pub new: [f64; 3],
    pub old: [f64; 3],
}

/// `dL(s)_j / ds_{j-1..=j+1}` times `a`: with `g = beta/2`, `d+ = s_{j+1}-s_j`, `d- = s_j-s_{j-1}`:
/// `[k- - g d-, g d+ - k+ - g d- - k-, k+ + g d+]`.
#[inline(always)]
fn flux_jacobian<const LINEAR: bool>(p: &HeatParams, s: [f64; 3]) -> [f64; 3] {
    if LINEAR {
        [p.a, -2.0 * p.a, p.a]
    } else {
        let g = 0.5 * p.beta;
        let k_plus = 1.0 + p.beta * (0.5 * (s[1] + s[2]) - p.t_ref);
        let k_minus = 1.0 + p.beta * (0.5 * (s[0] + s[1]) - p.t_ref);
        let d_plus = s[2] - s[1];
        let d_minus = s[1] - s[0];
        [
            p.a * (k_minus - g * d_minus),
            p.a * (g * d_plus - k_plus - g * d_minus - k_minus),
            p.a * (k_plus + g * d_plus),
        ]
    }
}

#[inline(always)]
pub(crate) fn energy_stencil<const LINEAR: bool>(
    p: &HeatParams,
    u: [f64; 3],
    w: [f64; 3],
) -> EnergyStencil {
    let jw = flux_jacobian::<LINEAR>(p, w);
    let ju = flux_jacobian::<LINEAR>(p, u);
    let (th, om) = (p.theta, 1.0 - p.theta);
    EnergyStencil {
        value: energy_balance::<LINEAR>(p, u, w),
        new: [th * jw[0], th * jw[1] - p.inv_dt, th * jw[2]],
        old: [om * ju[0], om * ju[1] + p.inv_dt, om * ju[2]],
    }
}

/// The three-point neighbourhoods `(u[j-1..=j+1], w[j-1..=j+1])` of the interior points of two
/// levels. Equal-length sub-slices let the compiler drop bounds checks and vectorise.
#[inline(always)]
pub(crate) fn level_stencils<'a>(
    u: &'a [f64],
    w: &'a [f64],
) -> impl Iterator<Item = ([f64; 3], [f64; 3])> + 'a {
    let n = u.len() - 2;
    let (u_minus, u_mid, u_plus) = (&u[..n], &u[1..n + 1], &u[2..n + 2]);
    let (w_minus, w_mid, w_plus) = (&w[..n], &w[1..n + 1], &w[2..n + 2]);
    (0..n).map(move |j| {
        (
            [u_minus[j], u_mid[j], u_plus[j]],
            [w_minus[j], w_mid[j], w_plus[j]],
        )
    })
}
