//! P1: the 1D heat equation `T_t = (alpha(T) T_x)_x` written as one space-time system.
//!
//! Unknowns `T[i, j]` (i = time level, j = space point) are stored row-major, `v[i*nx + j]`.
//! The residual has `nt*nx` rows in the users' order (see [`ResidualLayout`]).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::precision::Precision;

/// Parameters of the space-time heat problem. Defaults are the users' numbers
/// (PROBLEMS.md, P1): 11 million unknowns, forward Euler (theta = 0), constant alpha.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Heat1D {
    /// End time; `dt = t_max / (nt - 1)`.
    pub t_max: f64,
    /// Length of the rod; `dx = x_max / (nx - 1)`.
    pub x_max: f64,
    /// Time points N1 (>= 2).
    pub nt: usize,
    /// Space points N2 (>= 3).
    pub nx: usize,
    /// Diffusivity alpha0 at the reference temperature.
    pub alpha: f64,
    /// Dirichlet value at x = 0.
    pub t_x0: f64,
    /// Dirichlet value at x = x_max.
    pub t_xl: f64,
    /// Initial value inside the rod.
    pub t_t0: f64,
    /// Time weighting: 0 forward Euler (the users' system), 1/2 Crank-Nicolson, 1 backward Euler.
    pub theta: f64,
    /// Temperature coefficient of the diffusivity: `alpha(T) = alpha0 (1 + beta (T - t_ref))`.
    pub beta: f64,
    /// Reference temperature of `alpha(T)`.
    pub t_ref: f64,
}

impl Default for Heat1D {
    fn default() -> Self {
        Heat1D {
            t_max: 25.0,
            x_max: 1.0,
            nt: 1_000_000,
            nx: 11,
            alpha: 0.01,
            t_x0: 60.0,
            t_xl: 25.0,
            t_t0: 25.0,
            theta: 0.0,
            beta: 0.0,
            t_ref: 25.0,
        }
    }
}

/// Where each block of the residual lives (PROBLEMS.md P1 ordering).
///
/// | block | rows |
/// |---|---|
/// | `T[i,0] - T_x0`, i = 0..nt | `i` |
/// | `T[i,nx-1] - T_xL`, i = 0..nt | `nt + i` |
/// | `T[0,j] - T_t0`, j = 1..nx-1 | `2 nt + j - 1` |
/// | energy balance (i, j), i = 0..nt-1, j = 1..nx-1 | `2 nt + (nx-2) + i (nx-2) + j - 1` |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResidualLayout {
    pub nt: usize,
    pub nx: usize,
}

impl ResidualLayout {
    /// Interior points per time level, `nx - 2`.
    pub fn interior(&self) -> usize {
        self.nx - 2
    }
    pub fn boundary_x0(&self, i: usize) -> usize {
        i
    }
    pub fn boundary_xl(&self, i: usize) -> usize {
        self.nt + i
    }
    pub fn initial(&self, j: usize) -> usize {
        2 * self.nt + j - 1
    }
    /// First energy-balance row.
    pub fn energy_start(&self) -> usize {
        2 * self.nt + self.interior()
    }
    pub fn energy(&self, i: usize, j: usize) -> usize {
        self.energy_start() + i * self.interior() + j - 1
    }
    pub fn len(&self) -> usize {
        self.nt * self.nx
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Heat1D {
    pub fn dt(&self) -> f64 {
        self.t_max / (self.nt - 1) as f64
    }

    pub fn dx(&self) -> f64 {
        self.x_max / (self.nx - 1) as f64
    }

    /// Number of unknowns `nt * nx`.
    pub fn unknowns(&self) -> usize {
        self.nt * self.nx
    }

    pub fn layout(&self) -> ResidualLayout {
        ResidualLayout {
            nt: self.nt,
            nx: self.nx,
        }
    }

    /// `alpha(T) = alpha0 (1 + beta (T - t_ref))`.
    pub fn alpha_at(&self, t: f64) -> f64 {
        self.alpha * (1.0 + self.beta * (t - self.t_ref))
    }

    /// `max alpha(T) / alpha0` over the data's temperature range (1 when linear).
    pub fn max_diffusivity_factor(&self) -> f64 {
        let (lo, hi) = self.temperature_range();
        (self.alpha_at(lo).max(self.alpha_at(hi)) / self.alpha).max(1.0)
    }

    /// True when the diffusivity does not depend on T: the system is then affine.
    pub fn is_linear(&self) -> bool {
        self.beta == 0.0
    }

    /// The temperature range the solution stays in (maximum principle): the data's min and max.
    pub fn temperature_range(&self) -> (f64, f64) {
        let lo = self.t_x0.min(self.t_xl).min(self.t_t0);
        let hi = self.t_x0.max(self.t_xl).max(self.t_t0);
        (lo, hi)
    }

    /// The users' initial guess: `t_t0` everywhere, column 0 = `t_x0`, last column = `t_xl`.
    pub fn initial_guess(&self) -> Vec<f64> {
        let mut v = vec![self.t_t0; self.unknowns()];
        for row in v.chunks_exact_mut(self.nx) {
            row[0] = self.t_x0;
            row[self.nx - 1] = self.t_xl;
        }
        v
    }

    /// The initial profile at t = 0 (one time level).
    pub fn initial_level(&self) -> Vec<f64> {
        let mut level = vec![self.t_t0; self.nx];
        level[0] = self.t_x0;
        level[self.nx - 1] = self.t_xl;
        level
    }

    /// Reads a TOML file of parameters; missing keys keep their defaults, unknown keys fail.
    pub fn from_toml_file(path: &Path) -> Result<Heat1D> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            context: format!("reading {}", path.display()),
            source,
        })?;
        Heat1D::parse_toml(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }

    pub fn from_toml_str(text: &str) -> Result<Heat1D> {
        Heat1D::parse_toml(text).map_err(Error::Config)
    }

    /// The parameters, or the TOML parser's message on one line.
    fn parse_toml(text: &str) -> std::result::Result<Heat1D, String> {
        toml::from_str(text).map_err(|e: toml::de::Error| {
            let words: Vec<&str> = e.message().split_whitespace().collect();
            let at = e
                .span()
                .map(|s| format!(" (at byte {})", s.start))
                .unwrap_or_default();
            format!("{}{at}", words.join(" "))
        })
    }

    /// Checks every parameter; the first violation is returned with its name and limit.
    pub fn validate(&self) -> Result<()> {
        let finite = [
            ("t_max", self.t_max),
            ("x_max", self.x_max),
            ("alpha", self.alpha),
            ("t_x0", self.t_x0),
            ("t_xl", self.t_xl),
            ("t_t0", self.t_t0),
            ("theta", self.theta),
            ("beta", self.beta),
            ("t_ref", self.t_ref),
        ];
        for (name, value) in finite {
            if !value.is_finite() {
                return Err(Error::invalid(name, value, "must be finite"));
            }
        }
        if self.nt < 2 {
            return Err(Error::invalid(
                "nt",
                self.nt,
                "must be >= 2 (two time levels at least)",
            ));
        }
        if self.nx < 3 {
            return Err(Error::invalid(
                "nx",
                self.nx,
                "must be >= 3 (one interior point at least)",
            ));
        }
        // Row indices must fit the u32 index space of the GPU kernels too.
        if self
            .nt
            .checked_mul(self.nx)
            .is_none_or(|n| n > u32::MAX as usize)
        {
            return Err(Error::invalid(
                "nt*nx",
                format!("{}*{}", self.nt, self.nx),
                format!("must be <= {} unknowns", u32::MAX),
            ));
        }
        for (name, value) in [
            ("t_max", self.t_max),
            ("x_max", self.x_max),
            ("alpha", self.alpha),
        ] {
            if value <= 0.0 {
                return Err(Error::invalid(name, value, "must be > 0"));
            }
        }
        if !(0.0..=1.0).contains(&self.theta) {
            return Err(Error::invalid("theta", self.theta, "must lie in [0, 1]"));
        }
        let (t_lo, t_hi) = self.temperature_range();
        let alpha_min = self.alpha_at(t_lo).min(self.alpha_at(t_hi));
        if alpha_min <= 0.0 {
            return Err(Error::invalid(
                "beta",
                self.beta,
                format!(
                    "alpha(T) = alpha*(1 + beta*(T - t_ref)) must stay > 0 for T in [{t_lo}, {t_hi}], \
                     but is {alpha_min:.3e}"
                ),
            ));
        }
        // Magnitudes before stability: a ratio that overflows is named by its parameter.
        self.check_magnitudes(Precision::F64)?;
        self.check_stability()
    }

    /// [`Heat1D::validate`], then the magnitudes every kernel forms in `precision`: no value
    /// may overflow or vanish, and in f32 the step matrices must stay diagonally dominant after
    /// rounding (where `1 + 2 theta r` rounds to `2 theta r` a pivot-free solve is garbage).
    pub fn validate_for(&self, precision: Precision) -> Result<()> {
        self.validate()?;
        if precision == Precision::F32 {
            self.check_magnitudes(precision)?;
            self.check_f32_dominance()?;
        }
        Ok(())
    }

    /// Largest |T| the data hold (by the maximum principle, the solution's too).
    pub fn temperature_scale(&self) -> f64 {
        self.t_x0.abs().max(self.t_xl.abs()).max(self.t_t0.abs())
    }

    /// Weight of the energy rows in scaled norms, `1 / |dE/dT[i+1, j]|` at the largest
    /// diffusivity: `dt / (1 + 2 theta r k_max)`. Scaled rows are in temperature units.
    pub fn energy_scale(&self) -> f64 {
        self.dt() / (1.0 + 2.0 * self.theta * self.mesh_ratio() * self.max_diffusivity_factor())
    }

    /// `r = alpha0 dt / dx^2`.
    pub fn mesh_ratio(&self) -> f64 {
        self.alpha * self.dt() / (self.dx() * self.dx())
    }

    /// Every term of a residual row is at most |T| (1/dt + 4 alpha0 k_max / dx^2); a Jacobian
    /// entry at most 1/dt + 4 alpha0 k_max / dx^2. Each must stay below the precision's largest
    /// number with a margin of 2^16 (sums of a few terms, the norms' reductions), and dt, dx and
    /// the row scale must not vanish. The error names the parameter that drives the magnitude.
    fn check_magnitudes(&self, precision: Precision) -> Result<()> {
        let limit = precision.max_finite() / 65536.0;
        let tiny = match precision {
            Precision::F64 => f64::MIN_POSITIVE,
            Precision::F32 => f32::MIN_POSITIVE as f64,
        } * 65536.0;
        let overflow = |name: &'static str, value: f64, what: String| {
            Error::invalid(
                name,
                value,
                format!("{what} exceeds {limit:.3e}, the largest {precision} magnitude the kernels can form safely"),
            )
        };
        let t_scale = self.temperature_scale();
        for (name, value) in [
            ("t_x0", self.t_x0),
            ("t_xl", self.t_xl),
            ("t_t0", self.t_t0),
            ("t_ref", self.t_ref),
        ] {
            if value.abs() > limit {
                return Err(overflow(name, value, format!("|{name}|")));
            }
        }
        let (dt, dx) = (self.dt(), self.dx());
        if dt < tiny {
            return Err(Error::invalid("t_max", self.t_max, format!("dt = t_max/(nt-1) = {dt:.3e} is below {tiny:.3e}, too small to compute with in {precision}")));
        }
        if dx < tiny.sqrt() {
            return Err(Error::invalid("x_max", self.x_max, format!("dx = x_max/(nx-1) = {dx:.3e}: dx^2 is below {tiny:.3e}, too small to compute with in {precision}")));
        }
        let k_max = self.max_diffusivity_factor();
        if !k_max.is_finite() || k_max > limit {
            return Err(overflow(
                "beta",
                self.beta,
                format!("max alpha(T)/alpha = {k_max:.3e}"),
            ));
        }
        let inv_dt = 1.0 / dt;
        let diffusion = 4.0 * self.alpha * k_max / (dx * dx);
        if diffusion.is_nan() || diffusion > limit {
            return Err(overflow(
                "alpha",
                self.alpha,
                format!("4 alpha k_max / dx^2 = {diffusion:.3e}"),
            ));
        }
        // A product too large is blamed on its larger factor.
        let t_name = if self.t_t0.abs() == t_scale {
            "t_t0"
        } else if self.t_x0.abs() == t_scale {
            "t_x0"
        } else {
            "t_xl"
        };
        if inv_dt * t_scale > limit {
            let what = format!("|T| / dt = {:.3e}", inv_dt * t_scale);
            return Err(if inv_dt >= t_scale {
                overflow("t_max", self.t_max, what)
            } else {
                overflow(t_name, t_scale, what)
            });
        }
        if diffusion * t_scale > limit {
            let what = format!("|T| 4 alpha k_max / dx^2 = {:.3e}", diffusion * t_scale);
            return Err(if diffusion >= t_scale {
                overflow("alpha", self.alpha, what)
            } else {
                overflow(t_name, t_scale, what)
            });
        }
        let r = self.mesh_ratio();
        if r < tiny {
            // Blamed on the factor of alpha dt / dx^2 furthest below 1.
            let (name, value) = [
                ("alpha", self.alpha, self.alpha.log10()),
                ("t_max", self.t_max, dt.log10()),
                ("x_max", self.x_max, -2.0 * dx.log10()),
            ]
            .into_iter()
            .min_by(|a, b| a.2.total_cmp(&b.2))
            .map(|(name, value, _)| (name, value))
            .expect("three factors");
            return Err(Error::invalid(
                name,
                value,
                format!("r = alpha dt / dx^2 = {r:.3e} is below {tiny:.3e}: too small to compute with in {precision}"),
            ));
        }
        let scale = self.energy_scale();
        if scale < tiny {
            return Err(Error::invalid("alpha", self.alpha, format!("the energy rows' scale dt/(1 + 2 theta r k_max) = {scale:.3e} vanishes in {precision}: r = {:.3e} is too large", self.mesh_ratio())));
        }
        Ok(())
    }

    /// In f32 the diagonal of an implicit step, `1 + 2 theta r k` (times 1/dt), must exceed
    /// the off-diagonal sum `2 theta r k` after rounding.
    fn check_f32_dominance(&self) -> Result<()> {
        if self.theta == 0.0 {
            return Ok(());
        }
        let (lo, hi) = self.temperature_range();
        for k in [
            self.alpha_at(lo) / self.alpha,
            self.alpha_at(hi) / self.alpha,
        ] {
            let off = (self.theta * self.mesh_ratio() * k) as f32;
            let diag = 1.0f32 + 2.0 * off;
            if diag.partial_cmp(&(2.0 * off)) != Some(std::cmp::Ordering::Greater) {
                return Err(Error::invalid(
                    "precision",
                    "f32",
                    format!(
                        "1 + 2 theta r = {:.6e} rounds to 2 theta r in f32 (r = {:.3e}): the step matrix is not diagonally dominant; use --precision f64 or a smaller dt (larger nt)",
                        1.0 + 2.0 * self.theta * self.mesh_ratio() * k,
                        self.mesh_ratio()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The theta scheme is unconditionally stable for theta >= 1/2; below, the von Neumann bound
    /// `alpha_max dt / dx^2 <= 1 / (2 (1 - 2 theta))` must hold.
    fn check_stability(&self) -> Result<()> {
        if self.theta >= 0.5 {
            return Ok(());
        }
        let (t_lo, t_hi) = self.temperature_range();
        let alpha_max = self.alpha_at(t_lo).max(self.alpha_at(t_hi));
        let ratio = alpha_max * self.dt() / (self.dx() * self.dx());
        let limit = 1.0 / (2.0 * (1.0 - 2.0 * self.theta));
        if ratio > limit {
            return Err(Error::UnstableStep {
                ratio,
                limit,
                theta: self.theta,
            });
        }
        Ok(())
    }

    /// Checks an input field: length `nt*nx`, all entries finite.
    pub fn check_field(&self, name: &str, v: &[f64]) -> Result<()> {
        if v.len() != self.unknowns() {
            return Err(Error::InvalidInput {
                name: name.to_string(),
                reason: format!(
                    "has {} values, expected nt*nx = {}*{} = {}",
                    v.len(),
                    self.nt,
                    self.nx,
                    self.unknowns()
                ),
            });
        }
        if let Some(k) = v.iter().position(|x| !x.is_finite()) {
            return Err(Error::InvalidInput {
                name: name.to_string(),
                reason: format!(
                    "value {} at T[{}, {}] is not finite",
                    v[k],
                    k / self.nx,
                    k % self.nx
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_counts_every_row_once() {
        let p = Heat1D {
            nt: 4,
            nx: 5,
            ..Heat1D::default()
        };
        let l = p.layout();
        assert_eq!(l.energy(p.nt - 2, p.nx - 2) + 1, p.unknowns());
        assert_eq!(l.initial(1), 2 * p.nt);
    }

    #[test]
    fn toml_keeps_defaults_and_rejects_unknown_keys() {
        let p = Heat1D::from_toml_str("nt = 101\ntheta = 0.5\n").unwrap();
        assert_eq!(p.nt, 101);
        assert_eq!(p.theta, 0.5);
        assert_eq!(p.alpha, 0.01);
        let err = Heat1D::from_toml_str("n_t = 3").unwrap_err().to_string();
        assert!(err.contains("n_t"), "{err}");
    }
}
