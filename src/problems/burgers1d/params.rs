//! P3: viscous Burgers' equation `u_t + (u^2/2)_x = nu u_xx`, periodic on `[0, 2 pi)`, from the
//! Cole-Hopf initial level `u(x, 0) = 2 nu k b sin(k x) / (a + b cos(k x))`.
//!
//! Grid: `n` points `x_j = j dx`, `dx = 2 pi / n` (no duplicate end point). Time: `steps` fixed
//! theta steps of `dt = t_end / steps`, or adaptive TR-BDF2 steps to a tolerance `tol`.
//! Validation names each parameter and its limit and runs before anything is allocated.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::memory::bytes_for;

/// How time is stepped.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stepping {
    /// `steps` theta steps of `t_end / steps`.
    Fixed { steps: usize },
    /// TR-BDF2 with local error control: the error is kept near `tol` (max-norm, units of u).
    Adaptive { tol: f64 },
}

/// One Burgers problem (one member of a sweep).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Burgers1D {
    /// Grid points (>= 8).
    pub n: usize,
    /// Viscosity.
    pub nu: f64,
    /// Cole-Hopf constants of the initial level, `a > b > 0`.
    pub a: f64,
    pub b: f64,
    /// Wavenumber of the initial level (a whole number: periodic on `[0, 2 pi)`).
    pub k: u32,
    pub t_end: f64,
    /// Time weighting of fixed steps: 1/2 Crank-Nicolson, 1 backward Euler.
    pub theta: f64,
    pub stepping: Stepping,
}

impl Default for Burgers1D {
    /// The default case of PROBLEMS.md P3 (a steep front near `x = pi`, `max |u|` about 0.21).
    fn default() -> Self {
        Burgers1D {
            n: 1024,
            nu: 0.05,
            a: 1.05,
            b: 1.0,
            k: 1,
            t_end: 1.0,
            theta: 0.5,
            stepping: Stepping::Fixed { steps: 100 },
        }
    }
}

/// Largest magnitude of `u` accepted: `u^2` (the flux) and its sums stay far from overflow.
pub const MAX_VELOCITY: f64 = 1e100;
/// Smallest relative gap `(a - b) / a`: below it `a^2 - b^2` is rounding.
pub const MIN_RELATIVE_GAP: f64 = 1e-10;
/// Arrays of `n` reals a fixed-step march holds per member (iterate, old and previous level,
/// explicit part, direction, trial; the cyclic solver's four scratch arrays).
pub const STEP_ARRAYS: usize = 10;
/// Extra arrays of the adaptive march (intermediate stage, `f(u_n)`, the error estimate).
pub const ADAPTIVE_ARRAYS: usize = 3;

impl Burgers1D {
    pub fn dx(&self) -> f64 {
        2.0 * PI / self.n as f64
    }

    /// The fixed step `t_end / steps` (`None` for adaptive stepping).
    pub fn dt(&self) -> Option<f64> {
        match self.stepping {
            Stepping::Fixed { steps } => Some(self.t_end / steps as f64),
            Stepping::Adaptive { .. } => None,
        }
    }

    /// `max |u(x, 0)| = 2 nu k b / sqrt(a^2 - b^2)`; by the maximum principle also a bound
    /// of `|u|` at every later time.
    pub fn max_velocity(&self) -> f64 {
        2.0 * self.nu * self.k as f64 * self.b / ((self.a - self.b) * (self.a + self.b)).sqrt()
    }

    /// Cell Reynolds number `max|u| dx / nu`: above 2 the implicit step's Jacobian is no longer
    /// diagonally dominant for every step size.
    pub fn cell_reynolds(&self) -> f64 {
        self.max_velocity() * self.dx() / self.nu
    }

    /// Courant number `max|u| dt / dx` of a step `dt`.
    pub fn courant(&self, dt: f64) -> f64 {
        self.max_velocity() * dt / self.dx()
    }

    /// Checks every parameter; the first one out of range is named with its limit.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("nu", self.nu),
            ("a", self.a),
            ("b", self.b),
            ("t_end", self.t_end),
            ("theta", self.theta),
        ] {
            if !value.is_finite() {
                return Err(Error::invalid(name, value, "must be finite"));
            }
        }
        if self.n < 8 || self.n > u32::MAX as usize / 2 {
            return Err(Error::invalid(
                "n",
                self.n,
                format!("must be in 8..={} grid points", u32::MAX / 2),
            ));
        }
        if self.nu <= 0.0 || !(1e-12..=1e12).contains(&self.nu) {
            return Err(Error::invalid(
                "nu",
                self.nu,
                "must be in [1e-12, 1e12] (viscous Burgers needs nu > 0)",
            ));
        }
        if self.b <= 0.0 {
            return Err(Error::invalid(
                "b",
                self.b,
                "must be > 0 (b = 0 is the zero solution)",
            ));
        }
        if self.a <= self.b {
            return Err(Error::invalid(
                "a",
                self.a,
                format!(
                    "must exceed b = {} (Cole-Hopf's phi = a + b cos(kx) must stay positive)",
                    self.b
                ),
            ));
        }
        if (self.a - self.b) < MIN_RELATIVE_GAP * self.a {
            return Err(Error::invalid(
                "a",
                self.a,
                format!(
                    "a - b must be at least {MIN_RELATIVE_GAP:e} a (a^2 - b^2 is rounding below it)"
                ),
            ));
        }
        if self.k == 0 || self.k as usize > self.n / 4 {
            return Err(Error::invalid(
                "k",
                self.k,
                format!(
                    "must be in 1..={} (at least 4 points per wavelength at n = {})",
                    self.n / 4,
                    self.n
                ),
            ));
        }
        let u_max = self.max_velocity();
        if u_max.is_nan() || u_max > MAX_VELOCITY {
            return Err(Error::invalid(
                "nu",
                self.nu,
                format!(
                    "with a = {}, b = {}, k = {} gives max |u| = {u_max:e}, above {MAX_VELOCITY:e}",
                    self.a, self.b, self.k
                ),
            ));
        }
        if self.t_end <= 0.0 || self.t_end > 1e12 {
            return Err(Error::invalid("t_end", self.t_end, "must be in (0, 1e12]"));
        }
        if !(0.5..=1.0).contains(&self.theta) {
            return Err(Error::invalid(
                "theta",
                self.theta,
                "must be in [0.5, 1] (0.5 Crank-Nicolson, 1 backward Euler; smaller theta is \
                 only conditionally stable)",
            ));
        }
        match self.stepping {
            Stepping::Fixed { steps } => {
                if steps == 0 || steps > u32::MAX as usize {
                    return Err(Error::invalid(
                        "steps",
                        steps,
                        format!("must be in 1..={}", u32::MAX),
                    ));
                }
            }
            Stepping::Adaptive { tol } => {
                let lowest = 1e3 * f64::EPSILON * u_max;
                if !(tol >= lowest && tol <= 0.1 * u_max) {
                    return Err(Error::invalid(
                        "tol",
                        tol,
                        format!(
                            "must be in [{lowest:.1e}, {:.1e}]: between 1000 eps and 10% of \
                             max |u| = {u_max:.3e}",
                            0.1 * u_max
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Host bytes a march of `members` members of this grid allocates (work arrays only; kept
    /// levels go to the caller's sink).
    pub fn memory_bytes(&self, members: usize) -> u64 {
        let arrays = match self.stepping {
            Stepping::Fixed { .. } => STEP_ARRAYS,
            Stepping::Adaptive { .. } => STEP_ARRAYS + ADAPTIVE_ARRAYS,
        };
        bytes_for(self.n.saturating_mul(members), 8 * arrays)
    }

    /// Host bytes of the all-at-once space-time solve with `levels` time levels (iterate,
    /// direction and trial of every level, plus one level's solver scratch).
    pub fn space_time_memory_bytes(&self, levels: usize) -> u64 {
        bytes_for(self.n.saturating_mul(levels), 3 * 8).saturating_add(bytes_for(self.n, 8 * 8))
    }
}

/// Checks that `members` share the grid (n, k, t_end, theta, stepping), may differ in nu, a, b,
/// and are each valid.
pub fn check_members(members: &[Burgers1D]) -> Result<&Burgers1D> {
    let first = members
        .first()
        .ok_or_else(|| Error::invalid("sweep", 0, "needs at least one member"))?;
    for p in members {
        p.validate()?;
        let same = (p.n, p.k, p.t_end, p.theta, p.stepping)
            == (first.n, first.k, first.t_end, first.theta, first.stepping);
        if !same {
            return Err(Error::invalid(
                "sweep",
                "members",
                "members may differ in nu, a and b only",
            ));
        }
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_case_is_valid_and_has_the_documented_scale() {
        let p = Burgers1D::default();
        p.validate().unwrap();
        assert!(
            (p.max_velocity() - 0.3123).abs() < 1e-3,
            "{}",
            p.max_velocity()
        );
        assert!(p.cell_reynolds() < 2.0);
    }

    #[test]
    fn each_bad_parameter_is_named() {
        let bad = |f: fn(&mut Burgers1D), name: &str| {
            let mut p = Burgers1D::default();
            f(&mut p);
            let msg = p.validate().unwrap_err().to_string();
            assert!(msg.contains(&format!("parameter {name} ")), "{name}: {msg}");
        };
        bad(|p| p.n = 4, "n");
        bad(|p| p.nu = 0.0, "nu");
        bad(|p| p.nu = f64::NAN, "nu");
        bad(|p| p.b = 0.0, "b");
        bad(|p| p.a = 0.5, "a");
        bad(|p| p.a = 1.0 + 1e-14, "a");
        bad(|p| p.k = 0, "k");
        bad(|p| p.k = 300, "k");
        bad(|p| p.t_end = -1.0, "t_end");
        bad(|p| p.theta = 0.3, "theta");
        bad(|p| p.stepping = Stepping::Fixed { steps: 0 }, "steps");
        bad(|p| p.stepping = Stepping::Adaptive { tol: 1e-20 }, "tol");
        bad(|p| p.stepping = Stepping::Adaptive { tol: 1.0 }, "tol");
        bad(|p| p.nu = 1e13, "nu");
    }

    #[test]
    fn memory_grows_with_members_and_levels() {
        let p = Burgers1D::default();
        assert_eq!(p.memory_bytes(2), 2 * 1024 * 8 * STEP_ARRAYS as u64);
        assert!(p.space_time_memory_bytes(101) > 3 * 8 * 1024 * 101);
    }
}
