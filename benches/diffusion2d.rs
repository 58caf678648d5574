//! 2D diffusion (PROBLEMS.md P2) on the CPU, and on the GPU when a hardware adapter exists, next
//! to same-run copies of the same bytes (`copy_from_slice` and a non-temporal-store copy).
//!
//! `cargo bench --bench diffusion2d`: criterion groups of 20 steps at 1024^2, 2048^2, 4096^2.
//! `DIFFUSION2D_TABLE=1 cargo bench --bench diffusion2d`: instead, the book's runs (500 steps,
//! explicit periodic; ADI periodic), one table in markdown with seconds per run, GB/s by the
//! one-pass traffic model (16 B per point-step explicit, 32 B ADI) and the ratio to the copy.
//! `DIFFUSION2D_STEPS` and `DIFFUSION2D_SIZES` (comma-separated N) override the defaults.

use std::time::Duration;

use criterion::{Criterion, Throughput};
use heatgpu::gpu::{AdapterRequest, GpuContext};
use heatgpu::problems::diffusion2d::bench::{time_copy, time_cpu, time_gpu, Timing2d};
use heatgpu::problems::diffusion2d::team::default_threads;
use heatgpu::problems::diffusion2d::{CpuAdi, CpuExplicit, Diffusion2D, Marcher2d, Scheme};

const BENCH_STEPS: usize = 20;

fn sizes() -> Vec<usize> {
    std::env::var("DIFFUSION2D_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1024, 2048, 4096])
}

/// A hardware adapter, if any (software adapters are far slower than the CPU here).
fn hardware_gpu() -> Option<GpuContext> {
    GpuContext::new(&AdapterRequest::from_env(), None)
        .ok()
        .filter(|ctx| !ctx.summary().is_software)
}

fn criterion_benches(c: &mut Criterion) {
    let threads = default_threads();
    let gpu = hardware_gpu();
    for n in sizes() {
        let p = Diffusion2D {
            steps: BENCH_STEPS,
            ..Diffusion2D::book(n)
        };
        let adi = Diffusion2D {
            scheme: Scheme::Adi,
            ..p.clone()
        };
        let points = (n * n) as u64;
        let mut group = c.benchmark_group(format!("diffusion2d_{n}"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(5));
        group.throughput(Throughput::Bytes(16 * points));
        group.bench_function("copy_stream", |b| {
            b.iter_custom(|iters| {
                Duration::from_secs_f64(
                    time_copy(n * n, threads, true, iters as usize) * iters as f64,
                )
            })
        });
        group.throughput(Throughput::Bytes(16 * points * BENCH_STEPS as u64));
        let u0 = p.initial_field();
        for block in [Some(1), None] {
            let mut m = CpuExplicit::new(&p, &u0, threads, block).unwrap();
            let name = format!("explicit_{BENCH_STEPS}_steps_block{}", m.block_steps());
            group.bench_function(name, |b| b.iter(|| m.advance(BENCH_STEPS).unwrap()));
        }
        group.throughput(Throughput::Bytes(32 * points * BENCH_STEPS as u64));
        let mut m = CpuAdi::new(&adi, &u0, threads).unwrap();
        group.bench_function(format!("adi_{BENCH_STEPS}_steps"), |b| {
            b.iter(|| m.advance(BENCH_STEPS).unwrap())
        });
        if let Some(ctx) = &gpu {
            for problem in [&p, &adi] {
                let mut m =
                    heatgpu::problems::diffusion2d::gpu::new_marcher(ctx, problem, &u0).unwrap();
                let name = format!("gpu_{:?}_{BENCH_STEPS}_steps", problem.scheme).to_lowercase();
                group.bench_function(name, |b| {
                    b.iter(|| {
                        m.advance(BENCH_STEPS).unwrap();
                        ctx.wait().unwrap();
                    })
                });
            }
        }
        group.finish();
    }
}

fn row(t: &Timing2d, copy_s: f64) -> String {
    let per_step = t.median_s / t.steps as f64;
    // The copy moves 16 B per point; an ADI step moves twice that by its model.
    let copy_equivalents = t.bytes_one_pass as f64 / (16.0 * (t.ny * t.nx) as f64 * t.steps as f64);
    format!(
        "| {} | {} | {} | {} | {:.3} s | {:.2} ms | {:.1} GB/s | {:.0}% |",
        t.case,
        t.nx,
        t.backend,
        t.block_steps,
        t.median_s,
        per_step * 1e3,
        t.gb_per_s(),
        100.0 * copy_s * copy_equivalents / per_step
    )
}

fn table() {
    let steps = std::env::var("DIFFUSION2D_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let threads = default_threads();
    println!("steps = {steps}, threads = {threads}, f64, periodic, the book's initial field");
    println!();
    println!(
        "| case | N | backend | steps/pass | run | per step | one-pass GB/s | of stream copy |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let gpu = hardware_gpu();
    for n in sizes() {
        let memcpy = time_copy(n * n, threads, false, 10);
        let stream = time_copy(n * n, threads, true, 10);
        let gbs = |s: f64| 16.0 * (n * n) as f64 / s / 1e9;
        println!(
            "| copy_from_slice | {n} | cpu | - | - | {:.2} ms | {:.1} GB/s | {:.0}% |",
            memcpy * 1e3,
            gbs(memcpy),
            100.0 * stream / memcpy
        );
        println!(
            "| stream copy | {n} | cpu | - | - | {:.2} ms | {:.1} GB/s | 100% |",
            stream * 1e3,
            gbs(stream)
        );
        let p = Diffusion2D {
            steps,
            ..Diffusion2D::book(n)
        };
        let adi = Diffusion2D {
            scheme: Scheme::Adi,
            ..p.clone()
        };
        let repeats = if n >= 4096 { 1 } else { 3 };
        for block in [Some(1), None] {
            println!(
                "{}",
                row(&time_cpu(&p, threads, block, repeats).unwrap(), stream)
            );
        }
        println!(
            "{}",
            row(&time_cpu(&adi, threads, None, repeats).unwrap(), stream)
        );
        if let Some(ctx) = &gpu {
            for problem in [&p, &adi] {
                println!("{}", row(&time_gpu(ctx, problem, repeats).unwrap(), stream));
            }
        }
    }
}

fn main() {
    if std::env::var("DIFFUSION2D_TABLE").is_ok() {
        table();
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c);
    c.final_summary();
}
