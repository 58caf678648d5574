//! Arguments shared by the commands: the problem, the backend, Newton's stopping rules.

use std::path::PathBuf;

use clap::Args;

use crate::precision::Precision;
use crate::problems::heat1d::params::Heat1D;
use crate::problems::heat1d::solve::{Backend, Compute, WorkShape};
use crate::solver::newton::NewtonOptions;

use super::report::note;

/// Largest configuration file read (a configuration is a few lines).
pub const MAX_CONFIG_BYTES: u64 = 64 * 1024;

/// Problem parameters; each overrides the config file, which overrides the defaults.
#[derive(Args, Debug, Clone)]
pub struct ProblemArgs {
    /// TOML file with any of the parameters below (at most 64 KiB; unknown keys are an error).
    #[arg(long, value_name = "FILE.toml")]
    pub config: Option<PathBuf>,
    /// End time (dt = t_max / (nt - 1)).
    #[arg(long, allow_hyphen_values = true)]
    pub t_max: Option<f64>,
    /// Rod length (dx = x_max / (nx - 1)).
    #[arg(long, allow_hyphen_values = true)]
    pub x_max: Option<f64>,
    /// Time points (N1).
    #[arg(long, allow_negative_numbers = true)]
    pub nt: Option<usize>,
    /// Space points (N2).
    #[arg(long, allow_negative_numbers = true)]
    pub nx: Option<usize>,
    /// Diffusivity alpha0.
    #[arg(long, allow_hyphen_values = true)]
    pub alpha: Option<f64>,
    /// Dirichlet value at x = 0.
    #[arg(long, allow_hyphen_values = true)]
    pub t_x0: Option<f64>,
    /// Dirichlet value at x = x_max.
    #[arg(long, allow_hyphen_values = true)]
    pub t_xl: Option<f64>,
    /// Initial value inside the rod.
    #[arg(long, allow_hyphen_values = true)]
    pub t_t0: Option<f64>,
    /// 0 forward Euler, 0.5 Crank-Nicolson, 1 backward Euler.
    #[arg(long, allow_hyphen_values = true)]
    pub theta: Option<f64>,
    /// alpha(T) = alpha (1 + beta (T - t_ref)); 0 keeps the problem linear.
    #[arg(long, allow_hyphen_values = true)]
    pub beta: Option<f64>,
    /// Reference temperature of alpha(T).
    #[arg(long, allow_hyphen_values = true)]
    pub t_ref: Option<f64>,
}

impl ProblemArgs {
    /// The problem: defaults, then the config file, then the flags (not yet validated).
    pub fn problem(&self) -> anyhow::Result<Heat1D> {
        let mut p = match &self.config {
            Some(path) => {
                let text = crate::output::read_bounded("config", path, MAX_CONFIG_BYTES)?;
                Heat1D::from_toml_str(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
            }
            None => Heat1D::default(),
        };
        let overrides = [
            (&mut p.t_max, self.t_max),
            (&mut p.x_max, self.x_max),
            (&mut p.alpha, self.alpha),
            (&mut p.t_x0, self.t_x0),
            (&mut p.t_xl, self.t_xl),
            (&mut p.t_t0, self.t_t0),
            (&mut p.theta, self.theta),
            (&mut p.beta, self.beta),
            (&mut p.t_ref, self.t_ref),
        ];
        for (field, value) in overrides {
            if let Some(v) = value {
                *field = v;
            }
        }
        p.nt = self.nt.unwrap_or(p.nt);
        p.nx = self.nx.unwrap_or(p.nx);
        Ok(p)
    }
}

/// Where to compute.
#[derive(Args, Debug, Clone)]
pub struct ComputeArgs {
    /// auto: CPU or a hardware GPU, chosen by a cost model from the problem's shape (said in one line).
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    pub backend: Backend,
    /// GPU precision; default f64 where the adapter has SHADER_F64, else f32. The CPU is f64.
    #[arg(long, value_enum)]
    pub precision: Option<Precision>,
}

impl ComputeArgs {
    /// The chosen backend; the reason for an automatic choice goes to stderr as one line.
    pub fn select(&self, shape: &WorkShape, problems: &[Heat1D]) -> anyhow::Result<Compute> {
        let (compute, notice) = Compute::select(self.backend, self.precision, shape, problems)?;
        if let Some(notice) = notice {
            note(&notice);
        }
        Ok(compute)
    }
}

/// Newton's stopping rules.
#[derive(Args, Debug, Clone)]
pub struct NewtonArgs {
    /// Stop when the scaled residual max-norm (rows divided by their diagonal: temperature
    /// units) is at most ATOL; default: iterate to the rounding floor (a few eps |T|).
    #[arg(long, allow_hyphen_values = true)]
    pub atol: Option<f64>,
    /// Also stop at RTOL times the initial residual (default 0).
    #[arg(long, allow_hyphen_values = true)]
    pub rtol: Option<f64>,
    /// Newton iterations at most (per step when marching).
    #[arg(long, default_value_t = NewtonOptions::default().max_iterations, allow_negative_numbers = true)]
    pub max_iterations: usize,
    /// Take full Newton steps (no backtracking).
    #[arg(long)]
    pub no_line_search: bool,
}

impl NewtonArgs {
    pub fn options(&self) -> NewtonOptions {
        let defaults = NewtonOptions::default();
        NewtonOptions {
            atol: self.atol.unwrap_or(defaults.atol),
            rtol: self.rtol.unwrap_or(defaults.rtol),
            max_iterations: self.max_iterations,
            line_search: !self.no_line_search,
            ..defaults
        }
    }
}
