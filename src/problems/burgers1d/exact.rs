//! Cole-Hopf's exact solution of P3: `u = -2 nu phi_x / phi` with
//! `phi = a + b exp(-nu k^2 t) cos(k x)` solves the heat equation `phi_t = nu phi_xx`, so
//!
//! `u(x, t) = 2 nu k b e sin(k x) / (a + b e cos(k x))`, `e = exp(-nu k^2 t)`, `a > b > 0`.
//!
//! The initial level of every Burgers run is this function at `t = 0`; tests compare later
//! levels with it (the discrete solutions converge to it at order 2 in space).

use super::params::Burgers1D;

/// `u(x, t)` of problem `p`.
pub fn cole_hopf(p: &Burgers1D, x: f64, t: f64) -> f64 {
    let k = p.k as f64;
    let be = p.b * (-p.nu * k * k * t).exp();
    2.0 * p.nu * k * be * (k * x).sin() / (p.a + be * (k * x).cos())
}

/// `u(x_j, t)` at the grid points `x_j = j dx` into `out` (length n).
pub fn cole_hopf_level(p: &Burgers1D, t: f64, out: &mut [f64]) {
    assert_eq!(out.len(), p.n, "one value per grid point");
    let dx = p.dx();
    for (j, u) in out.iter_mut().enumerate() {
        *u = cole_hopf(p, j as f64 * dx, t);
    }
}

/// The initial level `u(x_j, 0)`.
pub fn initial_level(p: &Burgers1D) -> Vec<f64> {
    let mut u = vec![0.0; p.n];
    cole_hopf_level(p, 0.0, &mut u);
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_burgers_pointwise() {
        // u_t + u u_x - nu u_xx by central differences of the formula itself.
        let p = Burgers1D::default();
        let h = 1e-4;
        for &(x, t) in &[(0.5, 0.1), (3.0, 0.5), (3.2, 1.0), (6.0, 0.7)] {
            let u = |x: f64, t: f64| cole_hopf(&p, x, t);
            let u_t = (u(x, t + h) - u(x, t - h)) / (2.0 * h);
            let u_x = (u(x + h, t) - u(x - h, t)) / (2.0 * h);
            let u_xx = (u(x + h, t) - 2.0 * u(x, t) + u(x - h, t)) / (h * h);
            let r = u_t + u(x, t) * u_x - p.nu * u_xx;
            assert!(r.abs() < 1e-6, "x={x} t={t}: residual {r}");
        }
        let u0 = initial_level(&p);
        let max = u0.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        assert!(max <= p.max_velocity() && max > 0.99 * p.max_velocity());
    }
}
