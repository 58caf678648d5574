//! Exact solutions of the linear problem (beta = 0) for checking the schemes.
//!
//! With Dirichlet values `T_x0`, `T_xL` and the constant initial value `T_t0` inside, the
//! steady state is the line `S(x) = T_x0 + (T_xL - T_x0) x / L` and
//! `T(x, t) = S(x) + sum_n b_n sin(n pi x / L) exp(-alpha (n pi / L)^2 t)`,
//! `b_n = 2/(n pi) [(T_t0 - T_x0)(1 - (-1)^n) + (T_xL - T_x0)(-1)^n]`.

use std::f64::consts::PI;

use crate::problems::heat1d::params::Heat1D;

fn steady_state(p: &Heat1D, x: f64) -> f64 {
    p.t_x0 + (p.t_xl - p.t_x0) * x / p.x_max
}

/// The continuous solution at (x, t > 0), summing `terms` sine modes.
pub fn fourier_solution(p: &Heat1D, x: f64, t: f64, terms: usize) -> f64 {
    let mut sum = steady_state(p, x);
    for n in 1..=terms {
        let sign = if n % 2 == 0 { 1.0 } else { -1.0 };
        let k = n as f64 * PI / p.x_max;
        let b_n =
            2.0 / (n as f64 * PI) * ((p.t_t0 - p.t_x0) * (1.0 - sign) + (p.t_xl - p.t_x0) * sign);
        sum += b_n * (k * x).sin() * (-p.alpha * k * k * t).exp();
    }
    sum
}

/// The continuous solution at time t on the problem's grid points.
pub fn fourier_level(p: &Heat1D, t: f64, terms: usize) -> Vec<f64> {
    let dx = p.dx();
    (0..p.nx)
        .map(|j| fourier_solution(p, j as f64 * dx, t, terms))
        .collect()
}

/// The exact solution of the *semi-discrete* system `dT/dt = alpha D2 T / dx^2` (space
/// discretised, time exact) at time t: the discrete sine series with eigenvalues
/// `mu_n = 4 sin^2(n pi / (2 N)) / dx^2`, N = nx - 1. Against it, a theta scheme's error is its
/// time-discretisation error alone.
pub fn semi_discrete_level(p: &Heat1D, t: f64) -> Vec<f64> {
    let n_cells = p.nx - 1;
    let dx = p.dx();
    let steady: Vec<f64> = (0..p.nx).map(|j| steady_state(p, j as f64 * dx)).collect();
    // Discrete sine coefficients of the initial deviation from steady state (zero on the boundary).
    let deviation = |j: usize| p.t_t0 - steady[j];
    let mut level = steady.clone();
    for n in 1..n_cells {
        let mode = |j: usize| (PI * (n * j) as f64 / n_cells as f64).sin();
        let b_n = 2.0 / n_cells as f64 * (1..n_cells).map(|j| deviation(j) * mode(j)).sum::<f64>();
        let mu_n = 4.0 * (PI * n as f64 / (2 * n_cells) as f64).sin().powi(2) / (dx * dx);
        let decay = (-p.alpha * mu_n * t).exp();
        for (j, value) in level.iter_mut().enumerate().take(n_cells).skip(1) {
            *value += b_n * decay * mode(j);
        }
    }
    level
}
