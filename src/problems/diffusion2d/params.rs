//! The 2D diffusion problem (PROBLEMS.md P2): `u_t = D (u_xx + u_yy)` on an `ny x nx` grid of
//! spacing `h` (dx = dy = h), `u[i, j]` row-major (row i is y, column j is x), advanced `steps`
//! times by `dt`, with `r = D dt / h^2`.
//!
//! Explicit (the book's update): `u'[i,j] = u + r (u[i+1,j] + u[i-1,j] + u[i,j+1] + u[i,j-1] - 4u)`,
//! stable for `r <= 1/4`. ADI (Peaceman-Rachford): `(1 - r/2 dxx) u* = (1 + r/2 dyy) u`, then
//! `(1 - r/2 dyy) u' = (1 + r/2 dxx) u*`, unconditionally stable and second order in time.
//! Boundaries: periodic (indices modulo the grid) or Dirichlet (rows 0, ny-1 and columns 0,
//! nx-1 held at the edge value; the interior is updated).
//!
//! Everything is validated here before anything is allocated: sizes (and their products),
//! finite parameters, the explicit stability limit, and the memory a run needs
//! ([`Diffusion2D::memory_bytes`]) so that the caller can check it against what is available.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::precision::Precision;

/// Largest `r = D dt / h^2` of a stable explicit step.
pub const EXPLICIT_R_LIMIT: f64 = 0.25;

/// Steps recorded into one GPU submit (fewer when snapshots fill the device's snapshot slots).
pub const GPU_STEPS_PER_SUBMIT: usize = 256;

/// Most snapshots buffered on the device between two downloads.
pub const GPU_MAX_SNAPSHOTS_PER_SUBMIT: usize = 8;

/// Value of the book's initial square.
pub const BOOK_SQUARE_VALUE: f64 = 0.005;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// Forward Euler, the book's update (r <= 1/4).
    Explicit,
    /// Peaceman-Rachford alternating directions (any r).
    Adi,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Boundary {
    /// Indices modulo the grid.
    Periodic,
    /// Edge rows and columns held at the edge value.
    Dirichlet,
}

/// Where a run's arrays live, for [`Diffusion2D::memory_bytes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Host memory of a CPU run (f64) with `threads` workers.
    Cpu { threads: usize },
    /// Device memory of a GPU run in the given precision.
    Gpu(Precision),
}

/// One 2D diffusion run: grid, coefficients, scheme, boundary, steps and snapshots.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diffusion2D {
    pub ny: usize,
    pub nx: usize,
    /// Diffusivity D.
    pub d: f64,
    pub dt: f64,
    /// Grid spacing h = dx = dy.
    pub h: f64,
    pub steps: usize,
    pub scheme: Scheme,
    pub boundary: Boundary,
    /// Dirichlet edge value (ignored when periodic).
    pub edge: f64,
    /// Snapshots at steps 0, k, 2k, ... up to `steps` (0: none).
    pub snapshot_every: usize,
}

impl Diffusion2D {
    /// The book's benchmark: `n x n`, D = 1, dt = 0.1, h = 1, 500 explicit periodic steps.
    pub fn book(n: usize) -> Diffusion2D {
        Diffusion2D {
            ny: n,
            nx: n,
            d: 1.0,
            dt: 0.1,
            h: 1.0,
            steps: 500,
            scheme: Scheme::Explicit,
            boundary: Boundary::Periodic,
            edge: 0.0,
            snapshot_every: 0,
        }
    }

    /// `r = D dt / h^2`.
    pub fn r(&self) -> f64 {
        self.d * self.dt / (self.h * self.h)
    }

    pub fn is_periodic(&self) -> bool {
        self.boundary == Boundary::Periodic
    }

    /// Grid points `ny * nx` (validated not to overflow).
    pub fn points(&self) -> usize {
        self.ny * self.nx
    }

    /// Steps at which snapshots are taken: 0, k, 2k, ... <= steps.
    pub fn snapshot_steps(&self) -> impl Iterator<Item = usize> {
        let every = self.snapshot_every;
        let count = self.steps.checked_div(every).map_or(0, |k| k + 1);
        (0..count).map(move |k| k * every)
    }

    pub fn snapshot_count(&self) -> usize {
        self.snapshot_steps().count()
    }

    /// Snapshots a GPU run buffers on the device between two downloads.
    pub fn gpu_snapshots_per_submit(&self) -> usize {
        match self.snapshot_every {
            0 => 0,
            every => GPU_STEPS_PER_SUBMIT
                .div_ceil(every)
                .clamp(1, GPU_MAX_SNAPSHOTS_PER_SUBMIT)
                .min(self.snapshot_count()),
        }
    }

    /// Checks every parameter; the first violation is a one-line error naming it and its limit.
    pub fn validate(&self) -> Result<()> {
        for (name, n) in [("ny", self.ny), ("nx", self.nx)] {
            if n < 3 {
                return Err(Error::invalid(
                    name,
                    n,
                    "a grid needs at least 3 points a side",
                ));
            }
        }
        let points = self
            .ny
            .checked_mul(self.nx)
            .filter(|&p| p <= u32::MAX as usize);
        let Some(points) = points else {
            return Err(Error::invalid(
                "ny * nx",
                format!("{} * {}", self.ny, self.nx),
                format!("at most {} points (u32 indices on the GPU)", u32::MAX),
            ));
        };
        if points.checked_mul(8 * 4).is_none() {
            return Err(Error::invalid(
                "ny * nx",
                points,
                "the fields' bytes overflow",
            ));
        }
        for (name, value) in [("D", self.d), ("dt", self.dt), ("h", self.h)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(Error::invalid(name, value, "must be finite and > 0"));
            }
        }
        if !self.edge.is_finite() {
            return Err(Error::invalid("edge", self.edge, "must be finite"));
        }
        let r = self.r();
        if !(r.is_finite() && r > 0.0) {
            return Err(Error::invalid(
                "r = D dt / h^2",
                r,
                "must be finite and > 0 (D, dt, h out of scale)",
            ));
        }
        if self.scheme == Scheme::Explicit && r > EXPLICIT_R_LIMIT {
            return Err(Error::invalid(
                "r = D dt / h^2",
                r,
                format!(
                    "the explicit scheme is stable only for r <= {EXPLICIT_R_LIMIT}; \
                     lower dt to <= {:e} or use --scheme adi (stable for any r)",
                    EXPLICIT_R_LIMIT * self.h * self.h / self.d
                ),
            ));
        }
        let diagonal_dominant = 1.0 + 0.5 * r > 0.5 * r;
        if self.scheme == Scheme::Adi && !diagonal_dominant {
            return Err(Error::invalid(
                "r = D dt / h^2",
                r,
                "ADI needs 1 + r/2 > r/2 in f64 (r < 1.8e16): lower dt",
            ));
        }
        if self.snapshot_every > 0 && self.snapshot_every > self.steps.max(1) {
            return Err(Error::invalid(
                "snapshot_every",
                self.snapshot_every,
                format!("must be <= steps = {}", self.steps),
            ));
        }
        if self.snapshot_count().checked_mul(points * 8).is_none() {
            return Err(Error::invalid(
                "snapshot_every",
                self.snapshot_every,
                "the snapshots' bytes overflow",
            ));
        }
        Ok(())
    }

    /// The book's initial condition: zeros with rows `int(0.4 ny) .. int(0.5 ny)` and columns
    /// `int(0.4 nx) .. int(0.5 nx)` at 0.005 (Python's `int` of the same f64 products), edges
    /// set to the edge value when Dirichlet.
    pub fn initial_field(&self) -> Vec<f64> {
        let band = |n: usize| (0.4 * n as f64) as usize..(0.5 * n as f64) as usize;
        let mut u = vec![0.0; self.points()];
        for i in band(self.ny) {
            u[i * self.nx..(i + 1) * self.nx][band(self.nx)].fill(BOOK_SQUARE_VALUE);
        }
        self.apply_boundary(&mut u);
        u
    }

    /// Sets the Dirichlet edges of `u` to the edge value (nothing when periodic).
    pub fn apply_boundary(&self, u: &mut [f64]) {
        if self.is_periodic() {
            return;
        }
        let nx = self.nx;
        u[..nx].fill(self.edge);
        u[(self.ny - 1) * nx..].fill(self.edge);
        for row in u.chunks_exact_mut(nx) {
            row[0] = self.edge;
            row[nx - 1] = self.edge;
        }
    }

    /// Checks a given initial field: its length, finite values, and magnitudes whose stencil
    /// sums stay finite in `precision` (|u| <= MAX / 64).
    pub fn check_field(&self, field: &[f64], precision: Precision) -> Result<()> {
        if field.len() != self.points() {
            return Err(Error::InvalidInput {
                name: "initial field".into(),
                reason: format!(
                    "{} values for a {} x {} grid",
                    field.len(),
                    self.ny,
                    self.nx
                ),
            });
        }
        let max = match precision {
            Precision::F64 => f64::MAX,
            Precision::F32 => f32::MAX as f64,
        } / 64.0;
        let bad = field.iter().position(|v| v.is_nan() || v.abs() > max);
        if let Some(k) = bad {
            return Err(Error::InvalidInput {
                name: format!("initial u[{}, {}]", k / self.nx, k % self.nx),
                reason: format!(
                    "{} is not finite or exceeds {max:e} ({precision})",
                    field[k]
                ),
            });
        }
        Ok(())
    }

    /// Bytes a run needs: host memory for [`Target::Cpu`], device memory for [`Target::Gpu`]
    /// (the host then holds one f64 field plus the downloaded snapshots).
    pub fn memory_bytes(&self, target: Target) -> u64 {
        let n = self.points() as u64;
        let (ny, nx) = (self.ny as u64, self.nx as u64);
        match target {
            Target::Cpu { threads } => {
                let threads = threads.max(1) as u64;
                let (field, per_thread) = match self.scheme {
                    Scheme::Explicit => (n, super::blocked::ring_bytes(self.nx)),
                    Scheme::Adi => {
                        let panels = super::adi::panel_len(self.nx, self.ny)
                            .max(super::adi::panel_len(self.ny, self.nx));
                        (
                            panels as u64 + 8,
                            super::adi::scratch_bytes(self.ny, self.nx),
                        )
                    }
                };
                // Two fields, the field handed to snapshots, per-thread scratch.
                8 * (2 * field + n) + threads * per_thread as u64
            }
            Target::Gpu(precision) => {
                let real = precision.bytes() as u64;
                let slots = self.gpu_snapshots_per_submit() as u64;
                let factors = match self.scheme {
                    Scheme::Explicit => 0,
                    Scheme::Adi => (5 * (ny + nx) + 4) * real,
                };
                // Two fields, the snapshot slots and their staging copy, factors, parameters.
                (2 + 2 * slots) * n * real + factors + 256
            }
        }
    }

    /// The first non-finite value of `field` as an error naming the step and the point.
    pub fn check_result(&self, step: usize, field: &[f64]) -> Result<()> {
        match field.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(k) => Err(Error::NonFinite {
                what: "the field".into(),
                value: field[k],
                location: format!("u[{}, {}] after step {step}", k / self.nx, k % self.nx),
                cause: "not finite; the run is stopped".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn book_initial_square_matches_python_int() {
        let p = Diffusion2D::book(10);
        let u = p.initial_field();
        // int(0.4 * 10) = 4, int(0.5 * 10) = 5: one cell.
        assert_eq!(u.iter().filter(|&&v| v == BOOK_SQUARE_VALUE).count(), 1);
        assert_eq!(u[4 * 10 + 4], BOOK_SQUARE_VALUE);
        let p = Diffusion2D {
            ny: 7,
            nx: 30,
            ..Diffusion2D::book(0)
        };
        let u = p.initial_field();
        // rows int(2.8)=2..int(3.5)=3, columns 12..15.
        let set: Vec<usize> = (0..u.len()).filter(|&k| u[k] != 0.0).collect();
        assert_eq!(set, vec![72, 73, 74]);
    }

    #[test]
    fn refuses_unstable_explicit_steps_naming_the_limit_and_adi() {
        let p = Diffusion2D {
            dt: 0.3,
            ..Diffusion2D::book(8)
        };
        let msg = p.validate().unwrap_err().to_string();
        assert!(
            msg.contains("r = D dt / h^2") && msg.contains("0.25"),
            "{msg}"
        );
        assert!(msg.contains("adi"), "{msg}");
        let adi = Diffusion2D {
            scheme: Scheme::Adi,
            ..p
        };
        adi.validate().unwrap();
    }

    #[test]
    fn refuses_bad_sizes_and_values_before_allocating() {
        let cases = [
            (
                Diffusion2D {
                    ny: 2,
                    ..Diffusion2D::book(8)
                },
                "ny",
            ),
            (
                Diffusion2D {
                    nx: 1,
                    ..Diffusion2D::book(8)
                },
                "nx",
            ),
            (
                Diffusion2D {
                    ny: 1 << 20,
                    nx: 1 << 13,
                    ..Diffusion2D::book(8)
                },
                "ny * nx",
            ),
            (
                Diffusion2D {
                    ny: usize::MAX,
                    nx: 3,
                    ..Diffusion2D::book(8)
                },
                "ny * nx",
            ),
            (
                Diffusion2D {
                    d: f64::NAN,
                    ..Diffusion2D::book(8)
                },
                "D",
            ),
            (
                Diffusion2D {
                    dt: -0.1,
                    ..Diffusion2D::book(8)
                },
                "dt",
            ),
            (
                Diffusion2D {
                    h: 0.0,
                    ..Diffusion2D::book(8)
                },
                "h",
            ),
            (
                Diffusion2D {
                    d: 1e300,
                    h: 1e-300,
                    scheme: Scheme::Adi,
                    ..Diffusion2D::book(8)
                },
                "r =",
            ),
            (
                Diffusion2D {
                    d: 1e300,
                    scheme: Scheme::Adi,
                    ..Diffusion2D::book(8)
                },
                "ADI needs",
            ),
            (
                Diffusion2D {
                    edge: f64::INFINITY,
                    ..Diffusion2D::book(8)
                },
                "edge",
            ),
            (
                Diffusion2D {
                    snapshot_every: 501,
                    ..Diffusion2D::book(8)
                },
                "snapshot_every",
            ),
        ];
        for (p, name) in cases {
            let msg = p.validate().unwrap_err().to_string();
            assert!(msg.contains(name), "{name}: {msg}");
        }
    }

    #[test]
    fn snapshots_and_memory() {
        let p = Diffusion2D {
            steps: 10,
            snapshot_every: 4,
            ..Diffusion2D::book(16)
        };
        assert_eq!(p.snapshot_steps().collect::<Vec<_>>(), vec![0, 4, 8]);
        assert_eq!(p.gpu_snapshots_per_submit(), 3);
        let gpu = p.memory_bytes(Target::Gpu(Precision::F32));
        assert_eq!(gpu, (2 + 6) * 256 * 4 + 256);
        assert!(p.memory_bytes(Target::Cpu { threads: 2 }) > 3 * 8 * 256);
    }

    #[test]
    fn field_checks_name_the_point() {
        let p = Diffusion2D::book(4);
        let mut u = p.initial_field();
        u[6] = f64::NAN;
        let msg = p.check_field(&u, Precision::F64).unwrap_err().to_string();
        assert!(msg.contains("u[1, 2]"), "{msg}");
        let msg = p.check_result(7, &u).unwrap_err().to_string();
        assert!(msg.contains("u[1, 2]") && msg.contains("step 7"), "{msg}");
        u[6] = 1e38;
        assert!(p.check_field(&u, Precision::F64).is_ok());
        assert!(p.check_field(&u, Precision::F32).is_err());
        assert!(p.check_field(&u[1..], Precision::F64).is_err());
    }
}
