//! CPU benchmarks at the users' size (P1: N1 = 1e6, N2 = 11, f64, 88 MB per array), next to a
//! plain memory copy of the same bytes measured in the same run.
//!
//! Run: `cargo bench --bench heat_cpu`. Targets: residual >= 90% of the copy's bandwidth
//! (both read 88 MB and write 88 MB); the linear backward-Euler Newton solve within 4
//! residual times.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use heatgpu::problems::heat1d::cpu::CpuSpaceTime;
use heatgpu::problems::heat1d::kernels::{heat_residual, heat_residual_par, HeatParams};
use heatgpu::solver::newton::{newton_solve_into, NewtonOptions, NewtonStats};
use heatgpu::Heat1D;

fn users_problem(theta: f64, beta: f64) -> Heat1D {
    Heat1D {
        theta,
        beta,
        ..Heat1D::default()
    }
}

fn p1_cpu(c: &mut Criterion) {
    let p = users_problem(0.0, 0.0);
    let n = p.unknowns();
    let bytes = 2 * 8 * n as u64;
    let v = p.initial_guess();
    let mut r = vec![1.0; n];
    let mut group = c.benchmark_group("p1_users_size");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Bytes(bytes));

    group.bench_function("copy_88MB", |b| b.iter(|| r.copy_from_slice(black_box(&v))));
    let params = HeatParams::new(&p);
    group.bench_function("residual_1thread", |b| {
        b.iter(|| heat_residual(&params, black_box(&v), &mut r))
    });
    group.bench_function("residual_all_threads", |b| {
        b.iter(|| heat_residual_par(&params, black_box(&v), &mut r))
    });

    // Whole Newton solves from the users' guess; resetting the guess is not timed.
    let solves = [
        ("newton_linear_theta1_affine", users_problem(1.0, 0.0), true),
        (
            "newton_linear_theta1_thomas",
            users_problem(1.0, 0.0),
            false,
        ),
        (
            "newton_nonlinear_theta1_beta0.01",
            users_problem(1.0, 0.01),
            false,
        ),
    ];
    for (name, problem, affine) in solves {
        let guess = problem.initial_guess();
        let mut system = CpuSpaceTime::new(&problem, guess.clone()).unwrap();
        if !affine {
            system = system.without_affine_map();
        }
        let opts = NewtonOptions::default();
        let mut stats = NewtonStats::default();
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    system.set_iterate(&guess, &problem).unwrap();
                    let start = Instant::now();
                    newton_solve_into(&mut system, &opts, &mut stats).unwrap();
                    total += start.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, p1_cpu);
criterion_main!(benches);
