//! 2D diffusion on the GPU (lavapipe in CI) and the shaders' CPU twins, against the exact
//! discrete solution; f32 within its stated bound; the ledger: nothing created and nothing read
//! back while marching but the snapshots. Without an adapter the GPU tests print a notice and
//! pass, unless HEATGPU_REQUIRE_ADAPTER=1.

mod common;

use common::{random_field, relative_error};
use heatgpu::gpu::{AdapterRequest, GpuContext};
use heatgpu::precision::Precision;
use heatgpu::problems::diffusion2d::adi::{factorisations, transpose};
use heatgpu::problems::diffusion2d::exact::exact_discrete;
use heatgpu::problems::diffusion2d::kernels::{
    adi_step_twins, diffusion2d_explicit, ExplicitParams,
};
use heatgpu::problems::diffusion2d::{
    run_to_end, Boundary, CpuExplicit, Diffusion2D, GpuMarch, Marcher2d, Scheme,
};

fn context(precision: Precision) -> Option<GpuContext> {
    GpuContext::for_tests_with(&AdapterRequest::from_env(), Some(precision))
}

fn problem(
    ny: usize,
    nx: usize,
    scheme: Scheme,
    boundary: Boundary,
    dt: f64,
    steps: usize,
) -> Diffusion2D {
    Diffusion2D {
        ny,
        nx,
        dt,
        steps,
        scheme,
        boundary,
        edge: -0.5,
        ..Diffusion2D::book(0)
    }
}

fn rich_initial(p: &Diffusion2D, seed: u64) -> Vec<f64> {
    let noise = random_field(p.points(), seed, -1.0, 1.0);
    let mut u: Vec<f64> = p
        .initial_field()
        .iter()
        .zip(&noise)
        .map(|(a, b)| a + b)
        .collect();
    p.apply_boundary(&mut u);
    u
}

fn march(m: &mut dyn Marcher2d) -> Vec<f64> {
    let mut field = vec![0.0; m.problem().points()];
    run_to_end(m, &mut field, &mut |_, _| Ok(()), &mut |_| {}).unwrap();
    field
}

#[test]
fn twins_match_the_exact_solution_and_the_explicit_twin_the_cpu_march_to_the_bit() {
    for (ny, nx) in [(12, 12), (9, 14), (3, 5)] {
        for boundary in [Boundary::Periodic, Boundary::Dirichlet] {
            let p = problem(ny, nx, Scheme::Explicit, boundary, 0.25, 9);
            let u0 = rich_initial(&p, 1);
            let params = ExplicitParams {
                ny: ny as u32,
                nx: nx as u32,
                periodic: p.is_periodic(),
                r: p.r(),
            };
            let (mut u, mut next) = (u0.clone(), u0.clone());
            for _ in 0..p.steps {
                diffusion2d_explicit(&params, &u, &mut next);
                std::mem::swap(&mut u, &mut next);
            }
            let mut cpu = CpuExplicit::new(&p, &u0, 2, Some(3)).unwrap();
            let from_cpu = march(&mut cpu);
            assert!(
                u.iter()
                    .zip(&from_cpu)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{ny}x{nx}"
            );

            let p = Diffusion2D {
                scheme: Scheme::Adi,
                dt: 2.0,
                ..p
            };
            let (along_x, along_y) = factorisations(&p).unwrap();
            let mut state = vec![0.0; u0.len()];
            transpose(&u0, ny, nx, &mut state);
            let mut scratch = vec![0.0; u0.len()];
            for _ in 0..p.steps {
                adi_step_twins(&p, &along_x, &along_y, &mut state, &mut scratch);
            }
            transpose(&state, nx, ny, &mut scratch);
            let err = relative_error(&scratch, &exact_discrete(&p, &u0, p.steps));
            assert!(err < 1e-12, "ADI twins {ny}x{nx} {boundary:?}: {err:e}");
        }
    }
}

#[test]
fn gpu_f64_matches_the_exact_discrete_solution() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    for (ny, nx) in [(16, 16), (17, 23), (32, 12), (3, 4)] {
        for boundary in [Boundary::Periodic, Boundary::Dirichlet] {
            for (scheme, dt) in [
                (Scheme::Explicit, 0.24),
                (Scheme::Adi, 0.1),
                (Scheme::Adi, 4.0),
            ] {
                let p = problem(ny, nx, scheme, boundary, dt, 30);
                let u0 = rich_initial(&p, 2);
                let mut gpu = GpuMarch::new(&ctx, &p, &u0).unwrap();
                let err = relative_error(&march(&mut gpu), &exact_discrete(&p, &u0, p.steps));
                assert!(
                    err < 1e-12,
                    "{ny}x{nx} {boundary:?} {scheme:?} dt={dt}: {err:e}"
                );
            }
        }
    }
}

/// f32 bound: the initial field is rounded once (eps32 |u|) and each step adds the rounding of
/// its few operations. The explicit update with r <= 1/4 is a convex combination, so errors
/// never grow and at most `STEP_ERRORS` eps32 max|u0| is added per step. ADI damps every mode
/// (|g| <= 1) and a step's rounding is that of two diagonally dominant solves with their right
/// sides, bounded by the same count times their condition number `1 + 2r`.
const STEP_ERRORS: f64 = 8.0;

#[test]
fn gpu_f32_stays_within_its_rounding_bound() {
    let Some(ctx) = context(Precision::F32) else {
        return;
    };
    for (scheme, dt) in [(Scheme::Explicit, 0.25), (Scheme::Adi, 1.0)] {
        for boundary in [Boundary::Periodic, Boundary::Dirichlet] {
            let p = problem(24, 19, scheme, boundary, dt, 40);
            let u0 = rich_initial(&p, 4);
            let mut gpu = GpuMarch::new(&ctx, &p, &u0).unwrap();
            let u = march(&mut gpu);
            let exact = exact_discrete(&p, &u0, p.steps);
            let scale = u0.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            let err = u
                .iter()
                .zip(&exact)
                .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()))
                / scale;
            let condition = if scheme == Scheme::Adi {
                1.0 + 2.0 * p.r()
            } else {
                1.0
            };
            let bound = (STEP_ERRORS * condition * p.steps as f64 + 1.0) * f32::EPSILON as f64;
            assert!(err < bound, "{scheme:?} {boundary:?}: {err:e} >= {bound:e}");
            assert!(err > 0.0, "f32 should differ from the f64 solution");
        }
    }
}

#[test]
fn marching_creates_nothing_and_reads_back_only_snapshots() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    for scheme in [Scheme::Explicit, Scheme::Adi] {
        // 600 steps: several submits; snapshots every 7 steps: slots filled and flushed.
        let p = Diffusion2D {
            snapshot_every: 7,
            ..problem(20, 28, scheme, Boundary::Periodic, 0.2, 600)
        };
        let u0 = rich_initial(&p, 6);
        let mut gpu = GpuMarch::new(&ctx, &p, &u0).unwrap();
        let mut field = vec![0.0; p.points()];
        let before = ctx.ledger().snapshot();
        let mut steps = Vec::new();
        gpu.advance_with_snapshots(
            p.steps,
            p.snapshot_every,
            &mut field,
            &mut |step, u| {
                if step % 140 == 0 {
                    let err = relative_error(u, &exact_discrete(&p, &u0, step));
                    assert!(err < 1e-12, "{scheme:?} snapshot {step}: {err:e}");
                }
                steps.push(step);
                Ok(())
            },
            &mut |_| {},
        )
        .unwrap();
        let spent = ctx.ledger().snapshot().since(&before);
        let expected: Vec<usize> = (1..=p.steps / 7).map(|k| 7 * k).collect();
        assert_eq!(steps, expected, "{scheme:?}");
        assert_eq!(spent.buffers_created, 0, "{scheme:?}: {spent:?}");
        assert_eq!(spent.bytes_allocated, 0, "{scheme:?}: {spent:?}");
        assert_eq!(
            spent.pipelines_created + spent.bind_groups_created,
            0,
            "{scheme:?}"
        );
        assert_eq!(spent.bytes_uploaded, 0, "{scheme:?}");
        assert_eq!(
            spent.bytes_downloaded,
            (expected.len() * p.points() * 8) as u64,
            "{scheme:?}"
        );
        let per_step = if scheme == Scheme::Explicit { 1 } else { 4 };
        assert_eq!(spent.dispatches, (per_step * p.steps) as u64, "{scheme:?}");
        // Slots of 8 snapshots: one submit per 56 steps, plus the remainder.
        assert!(
            spent.submits <= (p.steps / 56 + 2) as u64 * 2,
            "{scheme:?}: {} submits",
            spent.submits
        );
    }
}

#[test]
fn snapshots_without_device_slots_are_read_one_by_one() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    // The problem asks for no snapshots (no device slots); a caller asks for them anyway.
    let p = problem(10, 12, Scheme::Adi, Boundary::Dirichlet, 1.0, 12);
    let u0 = rich_initial(&p, 8);
    let mut gpu = GpuMarch::new(&ctx, &p, &u0).unwrap();
    let mut field = vec![0.0; p.points()];
    let mut steps = Vec::new();
    gpu.advance_with_snapshots(
        12,
        5,
        &mut field,
        &mut |step, u| {
            assert!(
                relative_error(u, &exact_discrete(&p, &u0, step)) < 1e-12,
                "step {step}"
            );
            steps.push(step);
            Ok(())
        },
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(steps, vec![5, 10]);
    assert_eq!(gpu.steps_done(), 12);
}

#[test]
fn gpu_refuses_what_the_device_cannot_hold() {
    let Some(ctx) = context(Precision::F32) else {
        return;
    };
    let p = problem(20_000, 3, Scheme::Adi, Boundary::Periodic, 1.0, 1);
    let err = GpuMarch::new(&ctx, &p, &p.initial_field())
        .err()
        .expect("refused");
    assert!(err.to_string().contains("ny = 20000"), "{err}");
}
