//! GPU benchmarks of the operations `heatgpu bench` compares, when an adapter exists (otherwise
//! a notice and nothing). On a software adapter (llvmpipe) the figures say nothing about GPU
//! speed. Run: `cargo bench --bench gpu`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use heatgpu::gpu::{AdapterRequest, GpuContext};
use heatgpu::linalg::gpu_tridiag::{GpuBatchedTridiag, GpuLargeTridiag};
use heatgpu::problems::heat1d::gpu::scan_session::GpuScanSession;
use heatgpu::problems::heat1d::gpu::session::GpuHeatSession;
use heatgpu::problems::heat1d::kernels::DEFAULT_BLOCK_ROWS;
use heatgpu::solver::newton::{newton_solve_into, NewtonOptions, NewtonStats, NewtonSystem};
use heatgpu::Heat1D;

fn gpu(c: &mut Criterion) {
    let Ok(ctx) = GpuContext::new(&AdapterRequest::from_env(), None) else {
        eprintln!("no GPU adapter: GPU benchmarks skipped");
        return;
    };
    let mut group = c.benchmark_group(format!("gpu {}", ctx.summary()));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));

    // P1 at nt = 1e5 (a software adapter is slow; pass larger sizes through `heatgpu bench`).
    let p = Heat1D {
        nt: 100_000,
        theta: 1.0,
        ..Heat1D::default()
    };
    let guess = p.initial_guess();
    let mut session = GpuHeatSession::new(ctx, &p, &guess).unwrap();
    group.bench_function("p1_residual_norm_nt1e5", |b| {
        b.iter(|| session.residual_norm().unwrap())
    });
    let (opts, mut stats) = (NewtonOptions::default(), NewtonStats::default());
    group.bench_function("p1_newton_nt1e5", |b| {
        b.iter(|| {
            session.set_iterate(&guess, &p).unwrap();
            newton_solve_into(&mut session, &opts, &mut stats).unwrap()
        })
    });
    let ctx = session.into_context();

    // P1 with alpha(T) at nt = 1e5: the Newton direction by the march over levels
    // (GpuHeatSession) against the scan (GpuScanSession), and whole Newton solves.
    let p = Heat1D {
        nt: 100_000,
        theta: 1.0,
        beta: 0.01,
        ..Heat1D::default()
    };
    let guess = p.initial_guess();
    let mut march = GpuHeatSession::new(ctx, &p, &guess).unwrap();
    group.bench_function("p1_nonlinear_direction_march_nt1e5", |b| {
        b.iter(|| march.newton_direction().unwrap())
    });
    group.bench_function("p1_nonlinear_newton_march_nt1e5", |b| {
        b.iter(|| {
            march.set_iterate(&guess, &p).unwrap();
            newton_solve_into(&mut march, &opts, &mut stats).unwrap()
        })
    });
    let ctx = march.into_context();
    let mut scan = GpuScanSession::new(ctx, &p, &guess).unwrap();
    group.bench_function("p1_nonlinear_direction_scan_nt1e5", |b| {
        b.iter(|| scan.newton_direction().unwrap())
    });
    group.bench_function("p1_nonlinear_newton_scan_nt1e5", |b| {
        b.iter(|| {
            scan.set_iterate(&guess, &p).unwrap();
            newton_solve_into(&mut scan, &opts, &mut stats).unwrap()
        })
    });
    let ctx = scan.into_context();

    // Batched 1024 systems of 1024 rows and one system of 1e6 (diagonally dominant).
    let system = |len: usize| {
        let diag: Vec<f64> = (0..len).map(|k| 4.0 + 0.1 * (k % 7) as f64).collect();
        (vec![-1.0; len], diag, vec![-1.0; len], vec![1.0; len])
    };
    let (lower, diag, upper, rhs) = system(1024 * 1024);
    let mut batched = GpuBatchedTridiag::general(ctx, 1024, 1024, &lower, &diag, &upper).unwrap();
    let mut x = vec![0.0; rhs.len()];
    group.bench_function("batched_1024x1024", |b| {
        b.iter(|| batched.solve(&rhs, &mut x).unwrap())
    });
    let ctx = batched.into_context();
    let (lower, diag, upper, rhs) = system(1_000_000);
    let mut large = GpuLargeTridiag::new(ctx, &lower, &diag, &upper, DEFAULT_BLOCK_ROWS).unwrap();
    let mut x = vec![0.0; rhs.len()];
    group.bench_function("large_1e6", |b| {
        b.iter(|| large.solve(&rhs, &mut x).unwrap())
    });
    group.finish();
}

criterion_group!(benches, gpu);
criterion_main!(benches);
