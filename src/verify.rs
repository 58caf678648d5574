//! Verification of results: a solve claims success only after the residual of the discrete
//! system it solved has been evaluated on the returned values and found at or below the
//! target, and only when every value is finite. For f32 results, an a-priori bound of their
//! distance from the f64 solution is stated (and runs it would make useless are refused).

use serde::Serialize;

use crate::error::{Error, Result};
use crate::precision::Precision;
use crate::problems::heat1d::params::Heat1D;

/// The verified residual of a result and what it was judged against.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verification {
    /// Scaled residual max-norm of the returned values.
    pub residual: f64,
    /// The rounding floor of the solve's precision.
    pub floor: f64,
    /// `max(atol, rtol |F0|, floor)`: the residual must not exceed it.
    pub target: f64,
    /// Where and in which precision the residual was evaluated.
    pub evaluated: &'static str,
}

impl Verification {
    /// The verification itself, or an error saying by how much it failed.
    pub fn check(self) -> Result<Verification> {
        if self.residual <= self.target {
            return Ok(self);
        }
        Err(Error::Unverified(format!(
            "verification failed: the result's scaled residual ({}) is {:.3e}, above the target {:.3e} \
             (rounding floor {:.3e}); the solve did not converge on the discrete system",
            self.evaluated, self.residual, self.target, self.floor
        )))
    }
}

/// Fails on the first NaN or infinity of `values` (rows of `row_len`), naming its place.
pub fn check_finite_levels(values: &[f64], row_len: usize, what: &str) -> Result<()> {
    match values.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(k) => Err(Error::NonFinite {
            what: what.to_string(),
            value: values[k],
            location: format!("T[{}, {}]", k / row_len.max(1), k % row_len.max(1)),
            cause: "an overflow or an unstable step; check the magnitudes of the parameters"
                .to_string(),
        }),
    }
}

/// Relative f32 error bounds above which a run is refused, and above which a warning is given.
pub const F32_REFUSE_RELATIVE: f64 = 0.1;
pub const F32_WARN_RELATIVE: f64 = 1e-3;

/// The error of an f32 solution against the f64 one (max-norm, temperature units), as a bound
/// calibrated on measurements: `(nt - 1) (1 + 4 sqrt(r k) + r k / 8) eps32 |T|`, `k = k_max`.
///
/// Each level adds rounding: half an ulp of |T| to store it, which stays unsigned noise only
/// while a step's change exceeds an ulp (below, increments are rounded away the same way at
/// every step and the errors add up linearly: the f32 march lags behind the f64 one); and the
/// right side and solve of a step, whose rounding `r eps |T|` per row is rough and damped by
/// the implicit step everywhere but in its `~1/sqrt(r)` smoothest modes, leaving about
/// `sqrt(r) eps |T|`; the all-at-once Newton in f32 converges only as far as its f32 residual
/// resolves, which leaves about `r / 25 eps |T|` per level at large r (measured: 0.04 r at
/// r = 1250 and 5e4). Levels add at most linearly (the step is a contraction). Measured by
/// `tests/f32_bound.rs` on lavapipe (march and all-at-once, theta 0, 1/2, 1, r from 2.5e-5 to
/// 5e6, nt up to 1e6; last run 2026-11-23): the bound is 4x to 33x the error, 190x and 4000x
/// for a few steps at r = 5e6 and 3e5, where the error is small; a worst-case bound with the
/// `(1 + 4 r)` of `|A| |x|` instead of `sqrt(r)` is larger by up to 1e4x and would refuse
/// runs that f32 delivers to 1e-3.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct F32Bound {
    pub absolute: f64,
    pub relative: f64,
    /// Set when the bound exceeds [`F32_WARN_RELATIVE`] of the data's magnitude.
    pub warning: Option<String>,
}

impl F32Bound {
    /// The bound for an f32 solve of `problem`; `None` in f64. Refuses a run whose bound
    /// exceeds [`F32_REFUSE_RELATIVE`] of |T|.
    pub fn check(problem: &Heat1D, precision: Precision) -> Result<Option<F32Bound>> {
        if precision == Precision::F64 {
            return Ok(None);
        }
        let bound = F32Bound::bound(problem);
        if bound.relative > F32_REFUSE_RELATIVE {
            return Err(Error::invalid(
                "precision",
                "f32",
                format!(
                    "cannot deliver this run: its error bound is {:.3e} ({:.1}% of |T|, limit {}%) \
                     because {} levels each add rounding; use --precision f64 or fewer levels",
                    bound.absolute,
                    100.0 * bound.relative,
                    100.0 * F32_REFUSE_RELATIVE,
                    problem.nt - 1
                ),
            ));
        }
        Ok(Some(bound))
    }

    /// The bound itself, without refusing.
    pub fn bound(problem: &Heat1D) -> F32Bound {
        let eps = f32::EPSILON as f64;
        let rk = problem.mesh_ratio() * problem.max_diffusivity_factor();
        let relative = (problem.nt - 1) as f64 * (1.0 + 4.0 * rk.sqrt() + rk / 8.0) * eps;
        let absolute = relative * problem.temperature_scale();
        let warning = (relative > F32_WARN_RELATIVE).then(|| {
            format!(
                "f32 error bound {absolute:.3e} is {:.2}% of |T|: use --precision f64 for accuracy",
                100.0 * relative
            )
        });
        F32Bound {
            absolute,
            relative,
            warning,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_verification_names_residual_and_target() {
        let v = Verification {
            residual: 6.3e9,
            floor: 1e-13,
            target: 1e-13,
            evaluated: "all levels, in f64 on the host",
        };
        let err = v.check().unwrap_err().to_string();
        assert!(
            err.contains("6.300e9") && err.contains("1.000e-13"),
            "{err}"
        );
    }

    #[test]
    fn non_finite_values_are_located() {
        let err = check_finite_levels(&[1.0, 2.0, 3.0, f64::NAN], 2, "the solution")
            .unwrap_err()
            .to_string();
        assert!(err.contains("T[1, 1]") && err.contains("NaN"), "{err}");
    }

    #[test]
    fn f32_bound_grows_with_levels_and_refuses_useless_runs() {
        let small = Heat1D {
            nt: 2001,
            theta: 1.0,
            ..Heat1D::default()
        };
        let b = F32Bound::check(&small, Precision::F32).unwrap().unwrap();
        assert!(b.relative > 1e-4 && b.relative < 1e-2, "{b:?}");
        let users = Heat1D {
            theta: 1.0,
            ..Heat1D::default()
        };
        let err = F32Bound::check(&users, Precision::F32)
            .unwrap_err()
            .to_string();
        assert!(err.contains("precision") && err.contains("f64"), "{err}");
        assert_eq!(F32Bound::check(&users, Precision::F64).unwrap(), None);
    }
}
