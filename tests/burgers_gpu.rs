//! Burgers on the GPU against the CPU, on whatever adapter exists (lavapipe in CI): the cyclic
//! solvers with device-resident bands, the march of one member and of a sweep (f64: 1e-12
//! relative), the host-driven Newton with scalar read-backs only (ledger), the refusal of the
//! partitioned solver above cell Reynolds number 2, and the f32 bound. Without an adapter these
//! tests print a notice and pass, unless HEATGPU_REQUIRE_ADAPTER=1.

mod common;
use common::relative_error;

use heatgpu::gpu::layout::{bytes_to_reals, reals_to_bytes};
use heatgpu::gpu::{AdapterRequest, GpuContext};
use heatgpu::linalg::cyclic::CyclicTridiag;
use heatgpu::linalg::gpu_cyclic::{GpuCyclicBatched, GpuCyclicLarge};
use heatgpu::precision::Precision;
use heatgpu::problems::burgers1d::gpu::{GpuBurgersMarch, GpuMarchOptions};
use heatgpu::problems::burgers1d::solve::{march_newton_options, solve_cpu};
use heatgpu::problems::burgers1d::{Burgers1D, Stepping};
use heatgpu::solver::newton::{newton_solve_into, NewtonStats, NewtonSystem};

fn context(precision: Precision) -> Option<GpuContext> {
    GpuContext::for_tests_with(&AdapterRequest::from_env(), Some(precision))
}

fn upload(ctx: &GpuContext, buffer: &wgpu::Buffer, values: &[f64]) {
    ctx.upload(buffer, 0, &reals_to_bytes(values, ctx.precision()))
        .unwrap();
}

fn download(ctx: &GpuContext, buffer: &wgpu::Buffer, n: usize) -> Vec<f64> {
    let bytes = ctx
        .download(buffer, 0, (n * ctx.precision().bytes()) as u64)
        .unwrap();
    let mut out = vec![0.0; n];
    bytes_to_reals(&bytes, ctx.precision(), &mut out);
    out
}

fn record(ctx: &GpuContext, f: impl FnOnce(&mut wgpu::ComputePass<'_>)) {
    let mut encoder = ctx.create_encoder("test");
    {
        let mut pass = ctx.begin_compute_pass(&mut encoder, "test");
        f(&mut pass);
    }
    ctx.submit(encoder).unwrap();
}

/// Bands of a cyclic system: `dominant` ones have |diag| > |lower| + |upper|.
fn bands(n: usize, dominant: bool, salt: f64) -> [Vec<f64>; 4] {
    let wave = |k: usize, s: f64| (k as f64 * 0.37 + s + salt).sin();
    let lower: Vec<f64> = (0..n).map(|k| wave(k, 0.1)).collect();
    let upper: Vec<f64> = (0..n).map(|k| wave(k, 1.3)).collect();
    let diag = (0..n)
        .map(|k| {
            if dominant {
                2.5 + wave(k, 2.2)
            } else {
                0.3 * wave(k, 2.2)
            }
        })
        .collect();
    let rhs = (0..n).map(|k| wave(k, 3.7)).collect();
    [lower, diag, upper, rhs]
}

#[test]
fn large_cyclic_solver_on_device_bands_matches_the_cpu() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    for (n, block_rows) in [(8, 3), (1000, 8), (70_001, 32)] {
        let [lower, diag, upper, rhs] = bands(n, true, n as f64);
        let x = ctx
            .create_storage_buffer(
                "x",
                (8 * n) as u64,
                wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
            )
            .unwrap();
        let solver = GpuCyclicLarge::new(&ctx, n, block_rows, &x).unwrap();
        // Rotated layout: row k at element (k + 1) % n.
        let rotate = |band: &[f64]| -> Vec<f64> {
            let mut out = vec![0.0; n];
            for (k, v) in band.iter().enumerate() {
                out[(k + 1) % n] = *v;
            }
            out
        };
        for (buffer, band) in solver
            .bands()
            .into_iter()
            .zip([&lower, &diag, &upper, &rhs])
        {
            upload(&ctx, buffer, &rotate(band));
        }
        record(&ctx, |pass| solver.record(&ctx, pass));
        let got = download(&ctx, &x, n);
        let mut expected = vec![0.0; n];
        CyclicTridiag::new(n)
            .unwrap()
            .solve(&lower, &diag, &upper, &rhs, &mut expected)
            .unwrap();
        let err = relative_error(&got, &expected);
        assert!(err <= 1e-12, "n={n} block_rows={block_rows}: {err:e}");
    }
}

#[test]
fn batched_cyclic_solver_pivots_on_non_dominant_systems() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let (n, batch) = (300, 37);
    let x = ctx
        .create_storage_buffer(
            "x",
            (8 * n * batch) as u64,
            wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        )
        .unwrap();
    let solver = GpuCyclicBatched::new(&ctx, n, batch, &x).unwrap();
    let systems: Vec<[Vec<f64>; 4]> = (0..batch).map(|s| bands(n, false, s as f64)).collect();
    for (b, buffer) in solver.bands().into_iter().enumerate() {
        let mut interleaved = vec![0.0; n * batch];
        for (s, system) in systems.iter().enumerate() {
            for k in 0..n {
                interleaved[k * batch + s] = system[b][k];
            }
        }
        upload(&ctx, buffer, &interleaved);
    }
    record(&ctx, |pass| solver.record(&ctx, pass));
    let got = download(&ctx, &x, n * batch);
    for (s, [lower, diag, upper, rhs]) in systems.iter().enumerate() {
        let mut expected = vec![0.0; n];
        CyclicTridiag::new(n)
            .unwrap()
            .solve(lower, diag, upper, rhs, &mut expected)
            .unwrap();
        let mine: Vec<f64> = (0..n).map(|k| got[k * batch + s]).collect();
        let err = relative_error(&mine, &expected);
        assert!(err <= 1e-11, "system {s}: {err:e}");
    }
}

/// Kept levels of a CPU run, member by member.
fn cpu_levels(members: &[Burgers1D], every: usize) -> Vec<Vec<Vec<f64>>> {
    let mut levels = vec![Vec::new(); members.len()];
    solve_cpu(members, every, &mut |s, _, _, level| {
        levels[s].push(level.to_vec());
        Ok(())
    })
    .unwrap();
    levels
}

fn gpu_levels(
    ctx: GpuContext,
    members: &[Burgers1D],
    every: usize,
    options: &GpuMarchOptions,
) -> (Vec<Vec<Vec<f64>>>, GpuContext) {
    let mut session = GpuBurgersMarch::new(ctx, members, options).unwrap();
    let mut levels = vec![Vec::new(); members.len()];
    let report = session
        .march(every, &mut |s, _, _, level| {
            levels[s].push(level.to_vec());
            Ok(())
        })
        .unwrap();
    assert!(report.verification.residual <= report.verification.target);
    (levels, session.into_context())
}

#[test]
fn march_of_one_member_and_of_a_sweep_match_the_cpu_in_f64() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let one = Burgers1D {
        n: 3000,
        stepping: Stepping::Fixed { steps: 40 },
        ..Burgers1D::default()
    };
    let sweep: Vec<Burgers1D> = [0.02, 0.05, 0.08]
        .iter()
        .zip([1.05, 1.2, 1.02])
        .map(|(&nu, a)| Burgers1D {
            n: 256,
            nu,
            a,
            theta: 1.0,
            ..one.clone()
        })
        .collect();
    // Few steps per submit: several chunks, kept levels across them.
    let options = GpuMarchOptions {
        steps_per_submit: 16,
        ..GpuMarchOptions::default()
    };
    let mut ctx = Some(ctx);
    for members in [vec![one], sweep] {
        let cpu = cpu_levels(&members, 7);
        let (gpu, back) = gpu_levels(ctx.take().unwrap(), &members, 7, &options);
        ctx = Some(back);
        for (s, (g, c)) in gpu.iter().zip(&cpu).enumerate() {
            assert_eq!(g.len(), c.len());
            for (k, (gl, cl)) in g.iter().zip(c).enumerate() {
                let err = relative_error(gl, cl);
                assert!(err <= 1e-12, "member {s} level {k}: {err:e}");
            }
        }
    }
}

#[test]
fn host_driven_newton_reads_back_scalars_only() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let p = Burgers1D {
        n: 5000,
        stepping: Stepping::Fixed { steps: 10 },
        ..Burgers1D::default()
    };
    let mut session =
        GpuBurgersMarch::new(ctx, std::slice::from_ref(&p), &GpuMarchOptions::default()).unwrap();
    let mut stats = NewtonStats::default();
    session.begin_step();
    newton_solve_into(&mut session, &march_newton_options(), &mut stats).unwrap();
    let before = session.context().ledger().snapshot();
    session.begin_step();
    newton_solve_into(&mut session, &march_newton_options(), &mut stats).unwrap();
    let delta = session.context().ledger().snapshot().since(&before);
    let iterations = stats.iterations as u64;
    assert!(iterations >= 1);
    assert_eq!(delta.buffers_created, 0, "{delta:?}");
    assert_eq!(delta.bind_groups_created, 0);
    // Per iteration: the direction's three scalars and each trial's one; the first residual.
    let trials = stats.residual_evaluations as u64 - 1;
    assert_eq!(
        delta.bytes_downloaded,
        8 * (1 + 3 * iterations + trials),
        "{delta:?}"
    );
    // Uploads: lambda (the 32-byte parameter block) per trial, nothing else.
    assert_eq!(delta.bytes_uploaded, 32 * trials, "{delta:?}");
    // The fixed-iteration march: many steps per submit, one scalar pair per submit.
    session.reset().unwrap();
    let before = session.context().ledger().snapshot();
    let report = session.march(usize::MAX, &mut |_, _, _, _| Ok(())).unwrap();
    let delta = session.context().ledger().snapshot().since(&before);
    assert_eq!(report.steps, 10);
    assert_eq!(delta.buffers_created, 0);
    // Start and end levels; two scalars per attempt of the one chunk (K = 2, maybe K = 3).
    let attempts = 1 + report.retried_chunks as u64;
    assert!(attempts <= 2, "{report:?}");
    assert!(delta.submits <= 4 + 3 * attempts, "{delta:?}");
    let level = 8 * p.n as u64;
    assert_eq!(
        delta.bytes_downloaded,
        2 * level + 16 * attempts,
        "{delta:?}"
    );
}

#[test]
fn steep_case_is_refused_by_the_partitioned_solver_and_solved_by_the_batched_one() {
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let steep = Burgers1D {
        n: 32,
        a: 1.01,
        theta: 1.0,
        t_end: 10.0,
        stepping: Stepping::Fixed { steps: 5 },
        ..Burgers1D::default()
    };
    let err = GpuBurgersMarch::new(
        ctx,
        std::slice::from_ref(&steep),
        &GpuMarchOptions::default(),
    )
    .err()
    .expect("refused")
    .to_string();
    for part in [
        "cell Reynolds number",
        "Courant number",
        "--backend cpu",
        "steps",
    ] {
        assert!(err.contains(part), "{err}");
    }
    // Two members (batched, pivoting): solved, equal to the CPU.
    let Some(ctx) = context(Precision::F64) else {
        return;
    };
    let members = vec![steep.clone(), Burgers1D { nu: 0.06, ..steep }];
    let cpu = cpu_levels(&members, 1);
    let (gpu, _) = gpu_levels(ctx, &members, 1, &GpuMarchOptions::default());
    for (g, c) in gpu.iter().zip(&cpu) {
        let err = relative_error(g.last().unwrap(), c.last().unwrap());
        assert!(err <= 1e-12, "{err:e}");
    }
}

#[test]
fn f32_stays_within_its_stated_bound() {
    let Some(ctx) = context(Precision::F32) else {
        return;
    };
    let p = Burgers1D {
        n: 4096,
        stepping: Stepping::Fixed { steps: 50 },
        ..Burgers1D::default()
    };
    let cpu = cpu_levels(std::slice::from_ref(&p), usize::MAX);
    let mut session =
        GpuBurgersMarch::new(ctx, std::slice::from_ref(&p), &GpuMarchOptions::default()).unwrap();
    let bound = session.f32_bound().expect("f32 session");
    let mut last = Vec::new();
    session
        .march(usize::MAX, &mut |_, _, _, level| {
            last = level.to_vec();
            Ok(())
        })
        .unwrap();
    let reference = cpu[0].last().unwrap();
    let error = last
        .iter()
        .zip(reference)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!("f32: error {error:e}, bound {:e}", bound.absolute);
    assert!(error <= bound.absolute, "{error:e} > {:e}", bound.absolute);
    let _ = session.residual_norm();
}
