//! Tridiagonal solvers (f64): a batch of 4096 systems x 1024 rows (the ADI half-step shape of
//! P2 at 4096^2 is 4096 systems x 4096) and one system of 1e7 rows, on the CPU and, when an
//! adapter exists, on the GPU (end to end: rhs upload, solve, x download). Each group also times
//! a plain copy of one array into another of the same size, in the same run.
//!
//! Run: `cargo bench --bench tridiag`. Throughput is that of the copy's bytes (read + write of
//! one array); state bytes per unknown are in each shader's header.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use heatgpu::gpu::{shader_source, AdapterRequest, GpuContext};
use heatgpu::linalg::gpu_tridiag::{GpuBatchedTridiag, GpuLargeTridiag};
use heatgpu::precision::Precision;
use heatgpu::problems::heat1d::kernels::{
    thomas_batched, thomas_batched_factored, thomas_factor, thomas_solve, BatchParams,
    CpuPartitionedTridiag, DEFAULT_BLOCK_ROWS,
};

/// Diagonally dominant bands with smoothly varying coefficients (an implicit diffusion step).
fn bands(len: usize) -> [Vec<f64>; 3] {
    let lower: Vec<f64> = (0..len)
        .map(|i| -0.5 - 0.25 * ((i % 97) as f64 / 97.0))
        .collect();
    let upper: Vec<f64> = lower.iter().rev().copied().collect();
    let diag = lower.iter().zip(&upper).map(|(l, u)| 1.5 - l - u).collect();
    [lower, diag, upper]
}

fn rhs(len: usize) -> Vec<f64> {
    (0..len).map(|i| ((i % 1013) as f64).sin()).collect()
}

fn gpu() -> Option<GpuContext> {
    match GpuContext::new(&AdapterRequest::from_env(), Some(Precision::F64)) {
        Ok(ctx) => {
            eprintln!("GPU: {}", ctx.summary());
            Some(ctx)
        }
        Err(e) => {
            eprintln!("no f64 GPU, CPU only: {e}");
            None
        }
    }
}

/// `copy_real` over `len` reals on the device: the GPU's copy reference.
fn bench_gpu_copy(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    ctx: &GpuContext,
    len: usize,
) {
    let source = shader_source("copy_real", Precision::F64).unwrap();
    let pipeline = ctx
        .create_compute_pipeline("copy_real", &source, "main")
        .unwrap();
    let bytes = (len * 8) as u64;
    let storage = wgpu::BufferUsages::STORAGE;
    let inp = ctx.create_storage_buffer("inp", bytes, storage).unwrap();
    let out = ctx.create_storage_buffer("out", bytes, storage).unwrap();
    let params = ctx.create_uniform("params", &(len as u32)).unwrap();
    let bind_group = ctx
        .bind_buffers("copy_real", &pipeline, &[&inp, &out, &params])
        .unwrap();
    let grid = ctx.grid(len as u64).unwrap();
    group.bench_function("gpu_copy_on_device", |b| {
        b.iter(|| {
            let mut encoder = ctx.create_encoder("copy");
            {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
                ctx.dispatch(&mut pass, &pipeline, &bind_group, grid);
            }
            ctx.submit(encoder).unwrap();
            ctx.wait().unwrap();
        })
    });
}

fn batched(c: &mut Criterion) {
    let (n, batch) = (1024, 4096);
    let len = n * batch;
    let [lower, diag, upper] = bands(len);
    let r = rhs(len);
    let mut x = vec![0.0; len];
    let mut c_prime = vec![0.0; len];
    let mut group = c.benchmark_group("tridiag_batched_4096x1024");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Bytes(2 * 8 * len as u64));
    group.bench_function("cpu_copy", |b| b.iter(|| x.copy_from_slice(black_box(&r))));
    let p = BatchParams {
        n: n as u32,
        batch: batch as u32,
        offset: 0,
    };
    group.bench_function("cpu_thomas_batched", |b| {
        b.iter(|| {
            thomas_batched(
                &p,
                &lower,
                &diag,
                &upper,
                black_box(&r),
                &mut x,
                &mut c_prime,
            )
        })
    });
    let [l, d, u] = bands(n);
    let mut factors = vec![0.0; 3 * n];
    thomas_factor(&l, &d, &u, &mut factors).unwrap();
    group.bench_function("cpu_thomas_batched_factored", |b| {
        b.iter(|| thomas_batched_factored(&p, &factors, black_box(&r), &mut x))
    });
    if let Some(ctx) = gpu() {
        bench_gpu_copy(&mut group, &ctx, len);
        let mut solver = GpuBatchedTridiag::general(ctx, n, batch, &lower, &diag, &upper).unwrap();
        group.bench_function("gpu_thomas_batched_end_to_end", |b| {
            b.iter(|| solver.solve(black_box(&r), &mut x).unwrap())
        });
        let mut solver =
            GpuBatchedTridiag::shared(solver.into_context(), n, batch, &l, &d, &u).unwrap();
        group.bench_function("gpu_thomas_batched_factored_end_to_end", |b| {
            b.iter(|| solver.solve(black_box(&r), &mut x).unwrap())
        });
    }
    group.finish();
}

fn large(c: &mut Criterion) {
    let n = 10_000_000;
    let [lower, diag, upper] = bands(n);
    let r = rhs(n);
    let mut x = vec![0.0; n];
    let mut scratch = vec![0.0; n];
    let mut group = c.benchmark_group("tridiag_single_1e7");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Bytes(2 * 8 * n as u64));
    group.bench_function("cpu_copy", |b| b.iter(|| x.copy_from_slice(black_box(&r))));
    group.bench_function("cpu_thomas_solve", |b| {
        b.iter(|| thomas_solve(&lower, &diag, &upper, black_box(&r), &mut x, &mut scratch))
    });
    let mut partitioned =
        CpuPartitionedTridiag::new(&lower, &diag, &upper, DEFAULT_BLOCK_ROWS).unwrap();
    group.bench_function("cpu_partitioned_twins", |b| {
        b.iter(|| partitioned.solve(black_box(&r), &mut x).unwrap())
    });
    if let Some(ctx) = gpu() {
        bench_gpu_copy(&mut group, &ctx, n);
        let mut solver =
            GpuLargeTridiag::new(ctx, &lower, &diag, &upper, DEFAULT_BLOCK_ROWS).unwrap();
        group.bench_function("gpu_partitioned_end_to_end", |b| {
            b.iter(|| solver.solve(black_box(&r), &mut x).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, batched, large);
criterion_main!(benches);
