//! The GPU session against the CPU reference, on whatever adapter exists (lavapipe in CI).
//! Without an adapter these tests print a notice and pass, unless HEATGPU_REQUIRE_ADAPTER=1.

mod common;
use common::{random_field, relative_error, seed_from_clock};

use heatgpu::gpu::{AdapterRequest, GpuContext};
use heatgpu::precision::Precision;
use heatgpu::problems::heat1d::cpu::CpuSpaceTime;
use heatgpu::problems::heat1d::gpu::session::GpuHeatSession;
use heatgpu::problems::heat1d::kernels::{
    heat_residual, heat_residual_norm, newton_march, newton_trial, HeatParams,
};
use heatgpu::solver::newton::{newton_solve, NewtonOptions, NewtonSystem};
use heatgpu::Heat1D;

fn context(precision: Precision) -> Option<GpuContext> {
    GpuContext::for_tests_with(&AdapterRequest::from_env(), Some(precision))
}

/// Residual, direction and trial norm on fresh random fields: f64 parity to 1e-12.
#[test]
fn kernels_match_the_cpu_twins_in_f64() {
    let Some(mut ctx) = context(Precision::F64) else {
        return;
    };
    let seed = seed_from_clock();
    let cases = [
        (300, 11, 0.0, 0.0),
        (2000, 11, 0.02, 1.0),
        (257, 5, 0.02, 1.0),
        (50, 300, 0.01, 0.5),
        (2, 3, 0.0, 1.0),
    ];
    for (nt, nx, beta, theta) in cases {
        let p = Heat1D {
            nt,
            nx,
            beta,
            theta,
            t_max: 1.0,
            ..Heat1D::default()
        };
        let hp = HeatParams::new(&p);
        let v = random_field(p.unknowns(), seed ^ nt as u64, 25.0, 60.0);
        let mut session = GpuHeatSession::new(ctx, &p, &v).unwrap();
        let case = format!("nt={nt} nx={nx} beta={beta} theta={theta} seed={seed}");

        let (mut gpu_r, mut cpu_r) = (vec![0.0; v.len()], vec![0.0; v.len()]);
        session.residual_into(&mut gpu_r).unwrap();
        heat_residual(&hp, &v, &mut cpu_r);
        // Energy rows are differences of terms ~ |T| / dt: compare relative to the largest term.
        let err = relative_error(&gpu_r, &cpu_r);
        assert!(err <= 1e-12, "{case}: residual relative error {err:e}");

        let norms = session.newton_direction().unwrap();
        let mut cpu_dv = vec![0.0; v.len()];
        let cpu_norms = newton_march(&hp, &v, &mut cpu_dv, &mut vec![0.0; nx]);
        let err = relative_error(&session.direction().unwrap(), &cpu_dv);
        assert!(err <= 1e-12, "{case}: direction relative error {err:e}");
        assert!(
            (norms.step - cpu_norms.step).abs() <= 1e-12 * cpu_norms.step,
            "{case}"
        );
        assert_eq!(norms.iterate, cpu_norms.iterate, "{case}");

        let gpu_trial = session.trial_residual_norm(0.5).unwrap();
        let cpu_trial = newton_trial(&hp, &v, &cpu_dv, 0.5, &mut vec![0.0; v.len()]);
        assert!(
            (gpu_trial - cpu_trial).abs() <= 1e-10 * cpu_trial.max(1e-3),
            "{case}: {gpu_trial} vs {cpu_trial}"
        );
        ctx = session.into_context();
    }
}

/// The users' problem (scaled down in nt for a software adapter) solved on both backends.
#[test]
fn newton_solution_matches_the_cpu_in_f64() {
    let Some(mut ctx) = context(Precision::F64) else {
        return;
    };
    for (theta, beta) in [(0.0, 0.0), (1.0, 0.0), (1.0, 0.05), (0.5, 0.05)] {
        let p = Heat1D {
            nt: 20_001,
            theta,
            beta,
            ..Heat1D::default()
        };
        let opts = NewtonOptions::default();
        let mut cpu = CpuSpaceTime::new(&p, p.initial_guess()).unwrap();
        let (_, cpu_stats) = newton_solve(&mut cpu, &opts).unwrap();
        let mut gpu = GpuHeatSession::new(ctx, &p, &p.initial_guess()).unwrap();
        let (_, gpu_stats) = newton_solve(&mut gpu, &opts).unwrap();
        assert_eq!(
            gpu_stats.iterations, cpu_stats.iterations,
            "theta={theta} beta={beta}"
        );
        let err = relative_error(&gpu.solution().unwrap(), cpu.solution());
        assert!(
            err <= 1e-12,
            "theta={theta} beta={beta}: solution relative error {err:e}"
        );
        assert_eq!(gpu.label().precision, Precision::F64);
        ctx = gpu.into_context();
    }
}

/// f32: the march accumulates rounding of eps_f32 |T| per level, damped by diffusion (measured
/// 5.8e-6 relative on lavapipe). We require 5e-5 relative (|T| = 60: 3 mK), about 420 eps_f32.
#[test]
fn newton_solution_in_f32_is_within_the_stated_bound() {
    let Some(ctx) = context(Precision::F32) else {
        return;
    };
    let p = Heat1D {
        nt: 2001,
        theta: 1.0,
        beta: 0.02,
        t_max: 5.0,
        ..Heat1D::default()
    };
    let mut cpu = CpuSpaceTime::new(&p, p.initial_guess()).unwrap();
    newton_solve(&mut cpu, &NewtonOptions::default()).unwrap();
    let mut gpu = GpuHeatSession::new(ctx, &p, &p.initial_guess()).unwrap();
    // f32 rounding floor of the scaled residual: ~32 eps_f32 |T|.
    let opts = NewtonOptions {
        atol: 32.0 * f32::EPSILON as f64 * 60.0,
        ..NewtonOptions::default()
    };
    newton_solve(&mut gpu, &opts).unwrap();
    let err = relative_error(&gpu.solution().unwrap(), cpu.solution());
    eprintln!("f32 solution relative error against the f64 CPU solution: {err:e}");
    assert!(err <= 5e-5, "f32 solution relative error {err:e}");
    assert_eq!(gpu.label().precision, Precision::F32);
}

/// After warm-up, Newton creates no buffer and downloads only scalars; a direction over all
/// levels is one submit of the work (plus one for the scalar read-back).
#[test]
fn newton_iterations_allocate_nothing_and_read_back_only_scalars() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let p = Heat1D {
        nt: 60_001,
        theta: 1.0,
        beta: 0.02,
        ..Heat1D::default()
    };
    let mut gpu = GpuHeatSession::new(ctx, &p, &p.initial_guess()).unwrap();
    let (chunk_levels, chunks) = gpu.march_chunks();
    assert!(
        chunks >= 2,
        "the test must cross chunk borders ({chunk_levels} levels per chunk)"
    );
    let real = 8;

    // Residual norm: |F| and |v| come back.
    let before = gpu.ledger();
    gpu.residual_norm().unwrap();
    let d = gpu.ledger().since(&before);
    assert_eq!(
        (d.buffers_created, d.bytes_downloaded, d.submits),
        (0, 2 * real, 2),
        "{d:?}"
    );

    let before = gpu.ledger();
    gpu.newton_direction().unwrap();
    let d = gpu.ledger().since(&before);
    // Only |dv| comes back (|v| came with the residual norm).
    assert_eq!(
        (d.buffers_created, d.bytes_uploaded, d.bytes_downloaded),
        (0, 0, real),
        "{d:?}"
    );
    // One submit of work, one for the read-back; every chunk's assembly and march in it.
    assert_eq!(d.submits, 2, "{d:?}");
    assert!(d.dispatches >= 2 * chunks as u64, "{d:?}");

    let before = gpu.ledger();
    let (_, stats) = newton_solve(&mut gpu, &NewtonOptions::default()).unwrap();
    let d = gpu.ledger().since(&before);
    assert_eq!(d.buffers_created, 0, "{d:?}");
    assert_eq!(d.bind_groups_created + d.pipelines_created, 0, "{d:?}");
    let readbacks = (stats.residual_evaluations + stats.direction_solves) as u64;
    assert!(d.bytes_downloaded <= 2 * real * readbacks, "{d:?}");
    // Only the line-search lambda goes up: one small struct per trial.
    assert!(
        d.bytes_uploaded <= 16 * stats.residual_evaluations as u64,
        "{d:?}"
    );

    // The solution handed back is a fresh host array: solving again does not change it.
    let first = gpu.solution().unwrap();
    gpu.set_iterate(&p.initial_guess(), &p).unwrap();
    newton_solve(&mut gpu, &NewtonOptions::default()).unwrap();
    assert_eq!(first.len(), p.unknowns());
    assert_eq!(first, gpu.solution().unwrap());
}

/// Arrays over the binding limit are split into segments of levels: force a tiny limit so that
/// segment and chunk borders fall everywhere, and compare with the CPU.
#[test]
fn arrays_split_across_bindings_give_the_same_solution() {
    for (limit, nx) in [(8 * 1024, 11), (16 * 1024, 64), (8 * 1024, 5)] {
        let request = AdapterRequest {
            max_storage_binding_bytes: Some(limit),
            ..AdapterRequest::from_env()
        };
        let Some(ctx) = GpuContext::for_tests_with(&request, Some(Precision::F64)) else {
            return;
        };
        let p = Heat1D {
            nt: 3001,
            nx,
            theta: 1.0,
            beta: 0.02,
            t_max: 2.0,
            ..Heat1D::default()
        };
        let mut gpu = GpuHeatSession::new(ctx, &p, &p.initial_guess()).unwrap();
        let segments = gpu.segments();
        let per_segment = limit as usize / (8 * nx);
        assert_eq!(segments.len(), p.nt.div_ceil(per_segment), "limit {limit}");
        let v = random_field(p.unknowns(), seed_from_clock(), 25.0, 60.0);
        gpu.set_iterate(&v, &p).unwrap();
        let (mut gpu_r, mut cpu_r) = (vec![0.0; v.len()], vec![0.0; v.len()]);
        gpu.residual_into(&mut gpu_r).unwrap();
        let hp = HeatParams::new(&p);
        heat_residual(&hp, &v, &mut cpu_r);
        assert!(
            relative_error(&gpu_r, &cpu_r) <= 1e-12,
            "limit {limit}: residual"
        );
        assert_eq!(gpu.residual_norm().unwrap(), heat_residual_norm(&hp, &v));

        gpu.set_iterate(&p.initial_guess(), &p).unwrap();
        let opts = NewtonOptions::default();
        newton_solve(&mut gpu, &opts).unwrap();
        let mut cpu = CpuSpaceTime::new(&p, p.initial_guess()).unwrap();
        newton_solve(&mut cpu, &opts).unwrap();
        let err = relative_error(&gpu.solution().unwrap(), cpu.solution());
        let count = segments.len();
        assert!(
            err <= 1e-12,
            "limit {limit} nx {nx}: {count} segments, solution error {err:e}"
        );
    }
}

#[test]
fn a_level_larger_than_a_binding_is_refused_with_the_limit() {
    let request = AdapterRequest {
        max_storage_binding_bytes: Some(1024),
        ..AdapterRequest::from_env()
    };
    let Some(ctx) = GpuContext::for_tests_with(&request, Some(Precision::F64)) else {
        return;
    };
    // One level of Jacobian rows: 20 points x 7 reals x 8 bytes = 1120 bytes > 1024.
    let p = Heat1D {
        nt: 10,
        nx: 20,
        theta: 1.0,
        ..Heat1D::default()
    };
    let err = GpuHeatSession::new(ctx, &p, &p.initial_guess())
        .err()
        .expect("over the binding limit")
        .to_string();
    let named = err.contains("1120 bytes") && err.contains("1024 bytes");
    assert!(
        named && err.contains("max_storage_buffer_binding_size"),
        "{err}"
    );
}

/// Benchmarks time kernels with timestamp queries around each compute pass.
#[test]
fn pass_timing_measures_kernel_time_when_the_adapter_can() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let p = Heat1D {
        nt: 5001,
        ..Heat1D::default()
    };
    let mut gpu = GpuHeatSession::new(ctx, &p, &p.initial_guess()).unwrap();
    assert_eq!(
        gpu.context().take_pass_time(),
        None,
        "timing is off by default"
    );
    if !gpu.context().enable_pass_timing().unwrap() {
        eprintln!("adapter has no TIMESTAMP_QUERY: kernel times are not measured");
        return;
    }
    gpu.residual_norm().unwrap();
    let elapsed = gpu.context().take_pass_time().expect("every pass timed");
    assert!(elapsed.as_nanos() > 0, "{elapsed:?}");
    assert_eq!(
        gpu.context().take_pass_time(),
        Some(std::time::Duration::ZERO)
    );
    gpu.context().disable_pass_timing();
    assert_eq!(gpu.context().take_pass_time(), None);
}

/// Levels longer than one invocation may sweep go through the windowed march: forced here with
/// windows of 64 rows on small grids (nx crossing 1, 2 and many windows, odd remainders), the
/// direction must equal the fused CPU march, and the solve the CPU's.
#[test]
fn long_levels_swept_in_windows_match_the_cpu() {
    let Some(mut ctx) = context(Precision::F64) else {
        return;
    };
    let seed = seed_from_clock();
    for (nt, nx, beta, theta) in [
        (7, 65, 0.0, 1.0),
        (5, 129, 0.02, 0.5),
        (4, 300, 0.0, 1.0),
        (3, 1000, 0.01, 1.0),
    ] {
        let p = Heat1D {
            nt,
            nx,
            beta,
            theta,
            t_max: 0.01,
            ..Heat1D::default()
        };
        let case = format!("nt={nt} nx={nx} beta={beta} theta={theta} seed={seed}");
        let hp = HeatParams::new(&p);
        let v = random_field(p.unknowns(), seed ^ nx as u64, 25.0, 60.0);
        let mut session = GpuHeatSession::with_sweep_rows(ctx, &p, &v, 64).unwrap();
        let norms = session.newton_direction().unwrap();
        let mut cpu_dv = vec![0.0; v.len()];
        let cpu_norms = newton_march(&hp, &v, &mut cpu_dv, &mut vec![0.0; nx]);
        let err = relative_error(&session.direction().unwrap(), &cpu_dv);
        assert!(err <= 1e-12, "{case}: direction relative error {err:e}");
        assert!(
            (norms.step - cpu_norms.step).abs() <= 1e-12 * cpu_norms.step,
            "{case}: |dv| {} vs {}",
            norms.step,
            cpu_norms.step
        );
        ctx = session.into_context();
    }
}

/// In f32 the GPU solve reaches the f32 floor and passes its f64 verification at every r the
/// precision accepts (1e-6 to 1e6; beyond about 4e6 f32 refuses: 1 + 2 r rounds to 2 r).
#[test]
fn f32_solves_are_verified_at_every_accepted_r() {
    use heatgpu::problems::heat1d::solve::{solve, Compute, Mode, SolveOptions};
    for log_r in -6..=6 {
        let Some(ctx) = context(Precision::F32) else {
            return;
        };
        let r = 10f64.powi(log_r);
        let nx = 41;
        let dx = 1.0 / (nx - 1) as f64;
        let p = Heat1D {
            nt: 6,
            nx,
            theta: 1.0,
            t_max: r * dx * dx / 0.01 * 5.0,
            ..Heat1D::default()
        };
        let s = solve(
            &p,
            &SolveOptions {
                mode: Mode::AllAtOnce,
                ..SolveOptions::default()
            },
            Compute::Gpu(Box::new(ctx)),
            None,
            &mut |_, _| {},
        )
        .unwrap_or_else(|e| panic!("r={r:e}: {e}"));
        let v = &s.verification;
        assert!(v.residual <= v.floor, "r={r:e}: {v:?}");
        assert!(s.f32_bound.is_some());
    }
}
