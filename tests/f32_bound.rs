//! The f32 error bound (`heatgpu::verify::F32Bound`) against measured f32 errors: GPU f32
//! solutions (all-at-once Newton and the linear march) against the f64 CPU solution, over r
//! from 1e-4 to 1e3 and theta 0, 1/2, 1. The quick cases run in CI; the study up to
//! nt = 1e6 runs with `cargo test --release --test f32_bound -- --ignored --nocapture`.

mod common;

use heatgpu::gpu::{AdapterRequest, GpuContext};
use heatgpu::precision::Precision;
use heatgpu::problems::heat1d::gpu::session::GpuHeatSession;
use heatgpu::problems::heat1d::solve::{solve_cpu, Mode, SolveOptions};
use heatgpu::problems::heat1d::theta_march::GpuThetaMarch;
use heatgpu::solver::newton::{newton_solve, NewtonOptions};
use heatgpu::verify::F32Bound;
use heatgpu::Heat1D;

fn f32_context() -> Option<GpuContext> {
    GpuContext::for_tests_with(&AdapterRequest::from_env(), Some(Precision::F32))
}

/// Max |T_f32 - T_f64| over the last level, relative to the data's max |T|.
fn last_level_error(p: &Heat1D, f32_last: &[f64]) -> f64 {
    let reference = solve_cpu(
        p,
        &SolveOptions {
            mode: Mode::March,
            snapshot_every: p.nt - 1,
            ..SolveOptions::default()
        },
        None,
        &mut |_, _| {},
    )
    .unwrap();
    let f64_last = reference.field.row(reference.field.nrows() - 1).to_vec();
    f32_last
        .iter()
        .zip(&f64_last)
        .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()))
        / p.temperature_scale()
}

/// (all-at-once error, march error) of an f32 run, relative.
fn f32_errors(ctx: GpuContext, p: &Heat1D, all_at_once: bool) -> (Option<f64>, f64, GpuContext) {
    let aao = if all_at_once {
        let mut session = GpuHeatSession::new(ctx, p, &p.initial_guess()).unwrap();
        newton_solve(&mut session, &NewtonOptions::default()).unwrap();
        let v = session.solution().unwrap();
        let ctx = session.into_context();
        let last = &v[(p.nt - 1) * p.nx..];
        (Some(last_level_error(p, last)), ctx)
    } else {
        (None, ctx)
    };
    let (aao, ctx) = aao;
    let mut march = GpuThetaMarch::new(ctx, std::slice::from_ref(p)).unwrap();
    let mut last = Vec::new();
    march
        .march(
            p.nt,
            p.nt - 1,
            &mut |_, level| {
                last = level.to_vec();
                Ok(())
            },
            &mut |_| {},
        )
        .unwrap();
    let err = last_level_error(p, &last);
    (aao, err, march.into_context())
}

fn check(cases: &[(f64, usize, usize, f64)], all_at_once: bool) {
    let Some(mut ctx) = f32_context() else { return };
    if ctx.precision() != Precision::F32 {
        return;
    }
    for &(theta, nt, nx, t_max) in cases {
        let p = Heat1D {
            theta,
            nt,
            nx,
            t_max,
            ..Heat1D::default()
        };
        let bound = F32Bound::bound(&p);
        let (aao, march, back) = f32_errors(ctx, &p, all_at_once);
        ctx = back;
        eprintln!(
            "theta {theta} nt {nt} nx {nx} r {:.2e}: f32 error all-at-once {} march {march:.2e}; bound {:.2e} ({:.0}x the largest)",
            p.mesh_ratio(),
            aao.map_or("-".to_string(), |e| format!("{e:.2e}")),
            bound.relative,
            bound.relative / march.max(aao.unwrap_or(0.0)).max(f64::MIN_POSITIVE)
        );
        assert!(
            march <= bound.relative,
            "theta {theta} nt {nt} nx {nx}: march {march:e} > bound {:e}",
            bound.relative
        );
        if let Some(e) = aao {
            assert!(
                e <= bound.relative,
                "theta {theta} nt {nt} nx {nx}: all-at-once {e:e} > bound {:e}",
                bound.relative
            );
        }
    }
}

#[test]
fn f32_errors_stay_below_the_bound() {
    check(
        &[
            (1.0, 2001, 11, 25.0),
            (0.5, 2001, 11, 25.0),
            (0.0, 20001, 11, 25.0),
            (1.0, 201, 101, 25.0),
            (0.5, 201, 1001, 25.0),
            (1.0, 21, 2001, 25.0),
        ],
        true,
    );
}

#[test]
#[ignore = "a study of several minutes on lavapipe: run with --ignored --nocapture"]
fn f32_errors_up_to_a_million_levels() {
    check(
        &[
            (1.0, 20001, 11, 25.0),
            (1.0, 200001, 11, 25.0),
            (1.0, 1000001, 11, 25.0),
            (0.5, 200001, 11, 25.0),
            (0.5, 1000001, 11, 25.0),
            (0.0, 1000001, 11, 25.0),
            (1.0, 2001, 1001, 25.0),
            (0.5, 2001, 1001, 25.0),
            (1.0, 201, 5001, 25.0),
            (0.5, 21, 5001, 25.0),
            (1.0, 21, 20001, 25.0),
        ],
        false,
    );
}
