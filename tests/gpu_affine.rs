//! The blocked linear solve on the GPU against the CPU's (the twins are checked against the
//! fused CPU solve bit for bit in the unit tests, and that against the exact discrete solution
//! in tests/affine_blocks.rs). Without an adapter these tests print a notice and pass, unless
//! HEATGPU_REQUIRE_ADAPTER=1.

mod common;
use common::relative_error;

use heatgpu::gpu::{AdapterRequest, GpuContext};
use heatgpu::precision::Precision;
use heatgpu::problems::heat1d::gpu::blocked::GpuBlockedAffine;
use heatgpu::problems::heat1d::kernels::{BlockedAffineSolve, HeatParams};
use heatgpu::Heat1D;

fn context(precision: Precision, binding_cap: Option<u64>) -> Option<GpuContext> {
    let request = AdapterRequest {
        max_storage_binding_bytes: binding_cap,
        ..AdapterRequest::from_env()
    };
    GpuContext::for_tests_with(&request, Some(precision))
}

fn problem(nt: usize, nx: usize, theta: f64) -> Heat1D {
    Heat1D {
        nt,
        nx,
        theta,
        t_max: 2.0,
        ..Heat1D::default()
    }
}

/// f64 parity at 1e-12 relative, at sizes that cross workgroups (256 unknowns), blocks (K),
/// groups (S K) and segments (a capped storage binding), for theta 0, 1/2, 1 and nx 3..34.
#[test]
fn gpu_levels_match_the_cpu_in_f64() {
    let cases = [
        // (nt, nx, theta, K, S, binding cap in bytes)
        (2, 3, 1.0, 2, 2, None),
        (257, 11, 0.0, 7, 3, None),
        (1000, 34, 0.5, 5, 4, None),
        (4099, 11, 1.0, 16, 8, None),
        (500, 11, 1.0, 9, 2, Some(16384)),
        (333, 6, 0.5, 2, 1, Some(8192)),
    ];
    for (nt, nx, theta, k, s, cap) in cases {
        let Some(ctx) = context(Precision::F64, cap) else {
            return;
        };
        let p = problem(nt, nx, theta);
        let case = format!("nt={nt} nx={nx} theta={theta} K={k} S={s} cap={cap:?}");
        let mut gpu = GpuBlockedAffine::with_layout(ctx, &p, k, s).unwrap();
        if cap.is_some() {
            assert!(
                gpu.segments().len() > 1,
                "{case}: expected several segments"
            );
        }
        let gpu_check = gpu.solve().unwrap();
        let gpu_field = gpu.solution().unwrap();
        let mut cpu = BlockedAffineSolve::with_layout(&HeatParams::new(&p), 2, k, s).unwrap();
        let mut cpu_field = vec![0.0; p.unknowns()];
        let cpu_check = cpu.solve_into(&mut cpu_field);
        let err = relative_error(&gpu_field, &cpu_field);
        assert!(err <= 1e-12, "{case}: relative error {err:e}");
        assert_eq!(gpu_check.max_abs, cpu_check.max_abs, "{case}");
        let floor = 64.0 * f64::EPSILON * cpu_check.max_abs;
        assert!(
            gpu_check.residual <= floor && cpu_check.residual <= floor,
            "{case}: residuals {gpu_check:?} {cpu_check:?}"
        );
    }
}

/// A solve is one submit plus the read-back of two scalars: nothing is created or uploaded,
/// and the dispatch count does not depend on the number of levels or blocks.
#[test]
fn a_solve_has_no_host_round_trip_per_level() {
    let mut dispatches = Vec::new();
    for nt in [2_001, 40_001] {
        let Some(ctx) = context(Precision::F64, None) else {
            return;
        };
        let p = problem(nt, 11, 1.0);
        let mut gpu = GpuBlockedAffine::with_layout(ctx, &p, 16, 4).unwrap();
        gpu.solve().unwrap(); // warm-up
        let before = gpu.ledger();
        gpu.solve().unwrap();
        let cost = gpu.ledger().since(&before);
        assert_eq!(cost.buffers_created, 0, "nt={nt}: {cost:?}");
        assert_eq!(cost.bytes_uploaded, 0, "nt={nt}: {cost:?}");
        assert_eq!(
            cost.bytes_downloaded, 16,
            "nt={nt}: two f64 scalars, {cost:?}"
        );
        assert!(cost.submits <= 2, "nt={nt}: {cost:?}");
        dispatches.push(cost.dispatches);
    }
    // 2 001 and 40 001 levels (125 and 2 500 blocks): only the two norm reductions grow, by
    // a pass each (log_256 of the partials).
    assert!(dispatches[1] <= dispatches[0] + 2, "{dispatches:?}");
    assert!(dispatches[1] <= 8, "{dispatches:?}");
}

/// The users' problem (nt scaled down for a software adapter) in f64, and in f32 within the
/// accuracy of single precision (no chain: the error does not grow with nt).
#[test]
fn users_problem_on_the_gpu() {
    for (precision, tolerance) in [(Precision::F64, 1e-12), (Precision::F32, 2e-6)] {
        let Some(ctx) = context(precision, None) else {
            return;
        };
        let p = Heat1D {
            nt: 100_001,
            theta: 1.0,
            ..Heat1D::default()
        };
        let mut gpu = GpuBlockedAffine::new(ctx, &p).unwrap();
        let check = gpu.solve().unwrap();
        let mut cpu = BlockedAffineSolve::new(&HeatParams::new(&p)).unwrap();
        let mut field = vec![0.0; p.unknowns()];
        cpu.solve_into(&mut field);
        let err = relative_error(&gpu.solution().unwrap(), &field);
        println!(
            "{precision}: GPU vs CPU {err:.2e}, GPU residual {:.2e}",
            check.residual
        );
        assert!(err <= tolerance, "{precision}: {err:e}");
        assert!(check.residual.is_finite());
    }
}

#[test]
fn refuses_nonlinear_and_wide_problems_naming_the_parameter() {
    let Some(ctx) = context(Precision::F64, None) else {
        return;
    };
    let nonlinear = Heat1D {
        beta: 0.01,
        ..problem(100, 11, 1.0)
    };
    let err = GpuBlockedAffine::new(ctx, &nonlinear)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("beta"), "{err}");
    let Some(ctx) = context(Precision::F64, None) else {
        return;
    };
    let err = GpuBlockedAffine::new(ctx, &problem(100, 35, 1.0))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("nx") && err.contains("34"), "{err}");
}
