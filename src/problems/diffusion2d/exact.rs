//! Exact solutions of the discrete problem, for tests: every mode of the grid is multiplied by
//! its amplification factor each step.
//!
//! Periodic: Fourier modes `(p, m)`, `k = 2 pi m / n`, `s = sin^2(k / 2) = sin^2(pi m / n)`, so
//! `u_n = ifft2(fft2(u_0) g^n)`. Dirichlet: `u = edge + v` with `v = 0` on the edges; `v` on the
//! interior `(ny-2) x (nx-2)` expands in the sine modes `sin(pi m j / (n-1))`, `m = 1..n-2`, with
//! `s = sin^2(pi m / (2 (n-1)))`. Per step:
//! explicit `g = 1 - 4 r (sx + sy)`, ADI `g = (1 - 2r sx)(1 - 2r sy) / ((1 + 2r sx)(1 + 2r sy))`,
//! and continuous in time (the semi-discrete solution, for the order of the time error)
//! `g = exp(-4 r (sx + sy))`.
//!
//! Transforms are direct separable sums, `O(ny nx (ny + nx))`, with twiddles from exact integer
//! phases: rounding stays near `(ny + nx) eps`, well below the 1e-12 the tests ask for. Test
//! sizes only (a few hundred points a side).

use std::f64::consts::PI;

use super::params::{Diffusion2D, Scheme};

/// How each mode evolves per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evolution {
    Explicit,
    Adi,
    /// `exp(-D dt lambda)`: exact in time, discrete in space.
    ContinuousTime,
}

impl From<Scheme> for Evolution {
    fn from(scheme: Scheme) -> Evolution {
        match scheme {
            Scheme::Explicit => Evolution::Explicit,
            Scheme::Adi => Evolution::Adi,
        }
    }
}

/// Per-step factor of the mode with `sx = sin^2(kx/2)`, `sy = sin^2(ky/2)`.
pub fn amplification(evolution: Evolution, r: f64, sx: f64, sy: f64) -> f64 {
    match evolution {
        Evolution::Explicit => 1.0 - 4.0 * r * (sx + sy),
        Evolution::Adi => {
            (1.0 - 2.0 * r * sx) * (1.0 - 2.0 * r * sy)
                / ((1.0 + 2.0 * r * sx) * (1.0 + 2.0 * r * sy))
        }
        Evolution::ContinuousTime => (-4.0 * r * (sx + sy)).exp(),
    }
}

/// The field after `steps` steps of `problem`'s scheme from `u0` (row-major `ny x nx`).
pub fn exact_discrete(problem: &Diffusion2D, u0: &[f64], steps: usize) -> Vec<f64> {
    exact_evolution(problem, u0, steps, problem.scheme.into())
}

/// The field after `steps` steps of `evolution` from `u0`.
pub fn exact_evolution(
    problem: &Diffusion2D,
    u0: &[f64],
    steps: usize,
    evolution: Evolution,
) -> Vec<f64> {
    assert_eq!(u0.len(), problem.points());
    let r = problem.r();
    let factor = |sx: f64, sy: f64| amplification(evolution, r, sx, sy).powi(steps as i32);
    if problem.is_periodic() {
        periodic(problem.ny, problem.nx, u0, factor)
    } else {
        dirichlet(problem.ny, problem.nx, problem.edge, u0, factor)
    }
}

/// `cos` and `sin` of `2 pi k / n` for k = 0..n.
fn twiddles(n: usize) -> Vec<(f64, f64)> {
    (0..n)
        .map(|k| {
            let phase = 2.0 * PI * k as f64 / n as f64;
            (phase.cos(), phase.sin())
        })
        .collect()
}

/// `out[q] = sum_p a[p] e^{sign 2 pi i p q / n}` along one axis of a complex `rows x cols` array
/// (axis 1: along rows; axis 0: along columns).
fn dft_axis(
    a: &[(f64, f64)],
    rows: usize,
    cols: usize,
    along_rows: bool,
    sign: f64,
) -> Vec<(f64, f64)> {
    let n = if along_rows { cols } else { rows };
    let tw = twiddles(n);
    let mut out = vec![(0.0, 0.0); rows * cols];
    for i in 0..rows {
        for j in 0..cols {
            let (q, fixed) = if along_rows { (j, i) } else { (i, j) };
            let (mut re, mut im) = (0.0, 0.0);
            for p in 0..n {
                let (c, s) = tw[(p * q) % n];
                let s = sign * s;
                let (x, y) = if along_rows {
                    a[fixed * cols + p]
                } else {
                    a[p * cols + fixed]
                };
                re += x * c - y * s;
                im += x * s + y * c;
            }
            out[i * cols + j] = (re, im);
        }
    }
    out
}

fn periodic(ny: usize, nx: usize, u0: &[f64], factor: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    let a: Vec<(f64, f64)> = u0.iter().map(|&v| (v, 0.0)).collect();
    let mut spectrum = dft_axis(&dft_axis(&a, ny, nx, true, -1.0), ny, nx, false, -1.0);
    for p in 0..ny {
        let sy = (PI * p as f64 / ny as f64).sin().powi(2);
        for m in 0..nx {
            let sx = (PI * m as f64 / nx as f64).sin().powi(2);
            let g = factor(sx, sy);
            let z = &mut spectrum[p * nx + m];
            *z = (z.0 * g, z.1 * g);
        }
    }
    let back = dft_axis(&dft_axis(&spectrum, ny, nx, false, 1.0), ny, nx, true, 1.0);
    let scale = 1.0 / (ny * nx) as f64;
    back.iter().map(|z| z.0 * scale).collect()
}

/// `S[m][j] = sin(pi (m+1) (j+1) / (n+1))` for an interior of `n` points.
fn sine_basis(n: usize) -> Vec<f64> {
    let period = 2 * (n + 1);
    (0..n * n)
        .map(|k| {
            let (m, j) = (k / n + 1, k % n + 1);
            (2.0 * PI * ((m * j) % period) as f64 / period as f64).sin()
        })
        .collect()
}

fn dirichlet(
    ny: usize,
    nx: usize,
    edge: f64,
    u0: &[f64],
    factor: impl Fn(f64, f64) -> f64,
) -> Vec<f64> {
    let (my, mx) = (ny - 2, nx - 2);
    let (sy_basis, sx_basis) = (sine_basis(my), sine_basis(mx));
    let v: Vec<f64> = (0..my * mx)
        .map(|k| u0[(k / mx + 1) * nx + k % mx + 1] - edge)
        .collect();
    // Transform along x then y: V = Sy v Sx^T.
    let mut along_x = vec![0.0; my * mx];
    for i in 0..my {
        for m in 0..mx {
            along_x[i * mx + m] = (0..mx).map(|j| v[i * mx + j] * sx_basis[m * mx + j]).sum();
        }
    }
    let mut spectrum = vec![0.0; my * mx];
    for p in 0..my {
        let sy = (PI * (p + 1) as f64 / (2.0 * (ny - 1) as f64))
            .sin()
            .powi(2);
        for m in 0..mx {
            let sx = (PI * (m + 1) as f64 / (2.0 * (nx - 1) as f64))
                .sin()
                .powi(2);
            let coefficient: f64 = (0..my)
                .map(|i| sy_basis[p * my + i] * along_x[i * mx + m])
                .sum();
            spectrum[p * mx + m] = coefficient * factor(sx, sy);
        }
    }
    // Inverse: the sine basis is orthogonal with S S = (n + 1) / 2 I.
    let mut back_y = vec![0.0; my * mx];
    for i in 0..my {
        for m in 0..mx {
            back_y[i * mx + m] = (0..my)
                .map(|p| sy_basis[p * my + i] * spectrum[p * mx + m])
                .sum();
        }
    }
    let scale = 4.0 / ((my + 1) * (mx + 1)) as f64;
    let mut u = vec![edge; ny * nx];
    for i in 0..my {
        for j in 0..mx {
            let value: f64 = (0..mx)
                .map(|m| sx_basis[m * mx + j] * back_y[i * mx + m])
                .sum();
            u[(i + 1) * nx + j + 1] = edge + scale * value;
        }
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One explicit step by the definition, for checking the transforms.
    fn explicit_step(p: &Diffusion2D, u: &[f64]) -> Vec<f64> {
        let (ny, nx, r) = (p.ny, p.nx, p.r());
        let mut out = u.to_vec();
        for i in 0..ny {
            for j in 0..nx {
                let edge = i == 0 || j == 0 || i == ny - 1 || j == nx - 1;
                if edge && !p.is_periodic() {
                    continue;
                }
                let at = |i: usize, j: usize| u[(i % ny) * nx + j % nx];
                let c = at(i, j);
                let sum = at(i + ny - 1, j) + at(i + 1, j) + at(i, j + nx - 1) + at(i, j + 1);
                out[i * nx + j] = c + r * (sum - 4.0 * c);
            }
        }
        out
    }

    #[test]
    fn zero_steps_give_back_the_field_and_one_step_matches_the_definition() {
        for boundary in [
            super::super::Boundary::Periodic,
            super::super::Boundary::Dirichlet,
        ] {
            let p = Diffusion2D {
                ny: 9,
                nx: 12,
                boundary,
                edge: 0.3,
                ..Diffusion2D::book(0)
            };
            let u0: Vec<f64> = (0..p.points())
                .map(|k| ((k * 37) % 17) as f64 / 17.0)
                .collect();
            let mut u0 = u0;
            p.apply_boundary(&mut u0);
            let same = exact_discrete(&p, &u0, 0);
            let one = exact_discrete(&p, &u0, 1);
            let step = explicit_step(&p, &u0);
            for k in 0..u0.len() {
                assert!((same[k] - u0[k]).abs() < 1e-14, "{boundary:?} {k}");
                assert!((one[k] - step[k]).abs() < 1e-14, "{boundary:?} {k}");
            }
        }
    }
}
