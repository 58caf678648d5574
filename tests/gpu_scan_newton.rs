//! The all-at-once Newton with alpha(T) on the GPU with the scanned direction
//! (`GpuScanSession`) against the CPU reference (`solve_cpu`), its ledger per iteration, f32
//! against the stated bound, and `solve`'s use of it. Without an adapter these tests print a
//! notice and pass, unless HEATGPU_REQUIRE_ADAPTER=1.

mod common;
use common::relative_error;

use heatgpu::gpu::{AdapterRequest, GpuContext};
use heatgpu::precision::Precision;
use heatgpu::problems::heat1d::gpu::GpuScanSession;
use heatgpu::problems::heat1d::solve::{solve, solve_cpu, Compute, SolveOptions, SolveReport};
use heatgpu::solver::newton::{newton_solve, NewtonOptions, NewtonStats};
use heatgpu::verify::F32Bound;
use heatgpu::Heat1D;

fn context(precision: Precision) -> Option<GpuContext> {
    GpuContext::for_tests_with(&AdapterRequest::from_env(), Some(precision))
}

/// The CPU all-at-once reference: its field (every level) and Newton statistics.
fn cpu_reference(p: &Heat1D) -> (Vec<f64>, NewtonStats) {
    let s = solve_cpu(p, &SolveOptions::default(), None, &mut |_, _| {}).unwrap();
    let SolveReport::AllAtOnce { newton, .. } = s.report else {
        panic!(
            "the CPU solved {p:?} without Newton: {:?}",
            s.report.stopping_reason()
        );
    };
    (s.field.into_raw_vec_and_offset().0, newton)
}

/// theta 0, 1/2, 1 with beta = 0.01; chunks of levels that leave partial chunks and many of
/// them (the scan of composites crosses groups), and the default chunks.
#[test]
fn scanned_newton_equals_the_cpu_reference_in_f64() {
    let Some(mut ctx) = context(Precision::F64) else {
        return;
    };
    for (nt, nx, theta, t_max, chunk) in [
        (20_001, 11, 1.0, 5.0, None),
        (4_001, 11, 0.5, 2.0, Some(7)),
        (3_001, 7, 0.0, 1.0, Some(13)),
        (2_001, 34, 1.0, 1.0, Some(5)),
        (2, 3, 1.0, 1.0, Some(1)),
    ] {
        let p = Heat1D {
            nt,
            nx,
            theta,
            beta: 0.01,
            t_max,
            ..Heat1D::default()
        };
        let case = format!("nt={nt} nx={nx} theta={theta} chunk={chunk:?}");
        let (cpu, cpu_stats) = cpu_reference(&p);
        let guess = p.initial_guess();
        let mut gpu = match chunk {
            Some(levels) => GpuScanSession::with_chunk_levels(ctx, &p, &guess, levels),
            None => GpuScanSession::new(ctx, &p, &guess),
        }
        .unwrap_or_else(|e| panic!("{case}: {e}"));
        let (_, stats) = newton_solve(&mut gpu, &NewtonOptions::default())
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        eprintln!(
            "{case}: iterations gpu {} cpu {}, residuals {:?}",
            stats.iterations, cpu_stats.iterations, stats.residual_history
        );
        assert_eq!(stats.iterations, cpu_stats.iterations, "{case}");
        let err = relative_error(&gpu.solution().unwrap(), &cpu);
        assert!(err <= 1e-12, "{case}: solution relative error {err:e}");
        ctx = gpu.into_context();
    }
}

/// From the first residual on, a solve creates nothing, uploads only lambda (one real per
/// trial) and downloads only norms: 2 reals per residual evaluation, 1 per direction.
#[test]
fn newton_iterations_create_nothing_and_read_back_only_scalars() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let p = Heat1D {
        nt: 10_001,
        theta: 1.0,
        beta: 0.01,
        t_max: 5.0,
        ..Heat1D::default()
    };
    let mut gpu = GpuScanSession::new(ctx, &p, &p.initial_guess()).unwrap();
    let before = gpu.ledger();
    let (_, stats) = newton_solve(&mut gpu, &NewtonOptions::default()).unwrap();
    let cost = gpu.ledger().since(&before);
    let trials = (stats.residual_evaluations - 1) as u64;
    let directions = stats.direction_solves as u64;
    eprintln!(
        "{} iterations, {directions} directions, {trials} trials: {cost:?}",
        stats.iterations
    );
    assert!(stats.iterations >= 2, "{stats:?}");
    assert_eq!(
        (cost.buffers_created, cost.bind_groups_created),
        (0, 0),
        "{cost:?}"
    );
    assert_eq!(cost.bytes_uploaded, 8 * trials, "{cost:?}");
    assert_eq!(
        cost.bytes_downloaded,
        16 * (1 + trials) + 8 * directions,
        "{cost:?}"
    );
    // Per residual, trial and direction one submit of work (the accept copy rides on the
    // direction's) and one of the scalars' read-back.
    assert_eq!(cost.submits, 2 * (1 + trials + directions), "{cost:?}");
    // A second solve from the same guess reuses everything: one upload, the same iterations.
    let first = gpu.solution().unwrap();
    gpu.set_iterate(&p.initial_guess(), &p).unwrap();
    let before = gpu.ledger();
    let (_, again) = newton_solve(&mut gpu, &NewtonOptions::default()).unwrap();
    assert_eq!(gpu.ledger().since(&before).buffers_created, 0);
    assert_eq!(again.iterations, stats.iterations);
    assert_eq!(gpu.solution().unwrap(), first);
}

/// f32 on the device: within the a-priori bound of `F32Bound` of the f64 CPU solution.
#[test]
fn scanned_newton_in_f32_is_within_the_stated_bound() {
    let Some(ctx) = context(Precision::F32) else {
        return;
    };
    let p = Heat1D {
        nt: 2_001,
        theta: 1.0,
        beta: 0.02,
        t_max: 5.0,
        ..Heat1D::default()
    };
    let (cpu, _) = cpu_reference(&p);
    let s = solve(
        &p,
        &SolveOptions::default(),
        Compute::Gpu(Box::new(ctx)),
        None,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(s.label.precision, Precision::F32);
    let bound = F32Bound::bound(&p);
    let field = s.field.as_slice().unwrap();
    let err = field
        .iter()
        .zip(&cpu)
        .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
    eprintln!("f32 error {err:e} K, bound {:e} K", bound.absolute);
    assert!(err <= bound.absolute, "{err:e} > {:e}", bound.absolute);
    let v = &s.verification;
    assert!(v.residual <= v.target.max(v.floor), "{v:?}");
}

/// `solve` on the GPU with alpha(T) and small nx: the same field and iterations as the CPU,
/// verified in f64.
#[test]
fn solve_uses_the_scanned_session_and_matches_the_cpu() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let p = Heat1D {
        nt: 5_001,
        theta: 0.5,
        beta: 0.01,
        t_max: 2.0,
        ..Heat1D::default()
    };
    let (cpu, cpu_stats) = cpu_reference(&p);
    // The condition `solve_all_at_once_gpu` routes by.
    assert!(!p.is_linear() && GpuScanSession::check_fits(&ctx, &p).is_ok());
    let s = solve(
        &p,
        &SolveOptions::default(),
        Compute::Gpu(Box::new(ctx)),
        None,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(s.label.backend, "gpu");
    let SolveReport::AllAtOnce { newton, .. } = &s.report else {
        panic!("{:?}", s.report.stopping_reason());
    };
    assert_eq!(newton.iterations, cpu_stats.iterations);
    let err = relative_error(s.field.as_slice().unwrap(), &cpu);
    assert!(err <= 1e-12, "solution relative error {err:e}");
    let v = &s.verification;
    assert!(v.residual <= v.target.max(v.floor), "{v:?}");
}

/// Where the iterate does not fit: refused before anything is created, naming the limit.
#[test]
fn too_many_unknowns_for_one_binding_are_refused_up_front() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let limits = ctx.limits();
    let binding = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size) as usize;
    let p = Heat1D {
        nt: binding / (8 * 11) + 2,
        theta: 1.0,
        beta: 0.01,
        ..Heat1D::default()
    };
    let before = ctx.ledger().snapshot();
    let err = GpuScanSession::check_fits(&ctx, &p)
        .unwrap_err()
        .to_string();
    assert!(err.contains("max_storage_buffer_binding_size"), "{err}");
    assert_eq!(ctx.ledger().snapshot().since(&before).buffers_created, 0);
    let wide = Heat1D {
        nx: 35,
        nt: 10,
        theta: 1.0,
        beta: 0.01,
        ..Heat1D::default()
    };
    let err = GpuScanSession::check_fits(&ctx, &wide)
        .unwrap_err()
        .to_string();
    assert!(err.contains("nx"), "{err}");
}
