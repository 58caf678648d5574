//! Property: for random problems over wide ranges (r from 1e-6 to 1e9, every theta, alpha(T)
//! or not, sizes from the smallest), every mode and backend either refuses cleanly (a typed
//! error, no panic) or returns a verified field, and all fields returned agree: to 1e-10
//! relative, or to the conditioning limit `8 r eps` where the discrete operator itself cannot be
//! evaluated closer (see tests/solver.rs), plus the partitioned GPU solver's rounding per step.

use heatgpu::gpu::{AdapterRequest, GpuContext};
use heatgpu::precision::Precision;
use heatgpu::problems::heat1d::solve::{solve, Compute, Mode, Solution, SolveOptions};
use heatgpu::Heat1D;
use proptest::prelude::*;

fn gpu() -> Option<Compute> {
    GpuContext::for_tests_with(&AdapterRequest::from_env(), Some(Precision::F64))
        .filter(|ctx| ctx.precision() == Precision::F64)
        .map(|ctx| Compute::Gpu(Box::new(ctx)))
}

/// The last level of a solve, or None if it was refused; panics only on a wrong answer.
fn last_level(p: &Heat1D, mode: Mode, compute: Compute) -> Option<Vec<f64>> {
    let options = SolveOptions {
        mode,
        ..SolveOptions::default()
    };
    match solve(p, &options, compute, None, &mut |_, _| {}) {
        Ok(Solution {
            field,
            verification,
            ..
        }) => {
            assert!(
                verification.residual <= verification.target,
                "{p:?} {mode:?}: returned unverified"
            );
            assert!(
                field.iter().all(|x| x.is_finite()),
                "{p:?}: non-finite field returned"
            );
            Some(field.row(field.nrows() - 1).to_vec())
        }
        Err(e) => {
            // A refusal is one line naming what went wrong.
            let message = e.to_string();
            assert!(
                !message.is_empty() && !message.contains('\n'),
                "{message:?}"
            );
            None
        }
    }
}

fn problem() -> impl Strategy<Value = Heat1D> {
    (
        2usize..40,
        prop_oneof![3usize..12, 12usize..400],
        prop_oneof![Just(0.0), Just(0.5), Just(1.0), 0.0f64..1.0],
        -6.0f64..9.0,
        prop_oneof![Just(0.0), -0.01f64..0.03],
        (-100.0f64..100.0, -100.0f64..100.0, -100.0f64..100.0),
    )
        .prop_map(|(nt, nx, theta, log_r, beta, (t_x0, t_xl, t_t0))| {
            // r = alpha dt / dx^2 with alpha = 0.01 and x_max = 1 sets t_max.
            let dx = 1.0 / (nx - 1) as f64;
            let dt = 10f64.powf(log_r) * dx * dx / 0.01;
            Heat1D {
                nt,
                nx,
                theta,
                beta,
                t_max: dt * (nt - 1) as f64,
                t_x0,
                t_xl,
                t_t0,
                t_ref: 0.0,
                ..Heat1D::default()
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn modes_and_backends_agree_or_refuse_cleanly(p in problem()) {
        let mut fields: Vec<(&str, Vec<f64>)> = Vec::new();
        for (name, mode) in [("cpu all-at-once", Mode::AllAtOnce), ("cpu march", Mode::March)] {
            if let Some(level) = last_level(&p, mode, Compute::Cpu) {
                fields.push((name, level));
            }
        }
        for (name, mode) in [("gpu all-at-once", Mode::AllAtOnce), ("gpu march", Mode::March)] {
            if let Some(compute) = gpu() {
                if let Some(level) = last_level(&p, mode, compute) {
                    fields.push((name, level));
                }
            }
        }
        // A valid linear problem is solved by the CPU in at least one mode (a nonlinear one
        // may defeat Newton, e.g. one Crank-Nicolson step at r = 1e6: a clean refusal).
        if p.validate().is_ok() && p.beta == 0.0 {
            prop_assert!(!fields.is_empty(), "{p:?}: every mode refused");
        }
        let scale = p.temperature_scale().max(f64::MIN_POSITIVE);
        let r = p.mesh_ratio() * p.max_diffusivity_factor();
        let bound = 1e-10_f64.max(8.0 * r * f64::EPSILON) + 50.0 * f64::EPSILON * p.nt as f64;
        for (name, level) in fields.iter().skip(1) {
            let diff = level
                .iter()
                .zip(&fields[0].1)
                .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()))
                / scale;
            prop_assert!(
                diff <= bound,
                "{p:?}: {name} differs from {} by {diff:e} (bound {bound:e})",
                fields[0].0
            );
        }
    }
}
