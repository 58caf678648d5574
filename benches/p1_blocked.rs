//! The linear P1 solve (users' problem, nx = 11) by blocked powers, next to the old all-at-once
//! direction (step-by-step Thomas march, and the affine map `T -> M T + c`), the verification
//! pass alone (`heat_residual_norm`) and a plain copy of the field measured in the same run.
//!
//! Run: `cargo bench --bench p1_blocked` (figures in docs/p1-blocked.md). Target: the blocked
//! solve, verification included, within 3 copy-times. Set `P1_BENCH_NT=1000000` to skip 1e7.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use heatgpu::problems::heat1d::kernels::{
    heat_residual_norm, newton_march, AffineLevelMap, BlockedAffineSolve, HeatParams,
};
use heatgpu::Heat1D;

fn level_counts() -> Vec<usize> {
    match std::env::var("P1_BENCH_NT") {
        Ok(nt) => vec![nt.parse().expect("P1_BENCH_NT: a level count")],
        Err(_) => vec![1_000_000, 10_000_000],
    }
}

fn p1_blocked(c: &mut Criterion) {
    for nt in level_counts() {
        for theta in [1.0, 0.0] {
            let p = Heat1D {
                nt,
                theta,
                ..Heat1D::default()
            };
            let hp = HeatParams::new(&p);
            let v = p.initial_guess();
            let mut out = vec![0.0; v.len()];
            let mut scratch = vec![0.0; p.nx];
            let mut group = c.benchmark_group(format!("p1_nt{nt}_theta{theta}"));
            group
                .sample_size(10)
                .warm_up_time(Duration::from_millis(500))
                .measurement_time(Duration::from_secs(3));
            group.throughput(Throughput::Bytes(2 * 8 * v.len() as u64));
            group.bench_function("copy", |b| b.iter(|| out.copy_from_slice(black_box(&v))));
            let mut solve = BlockedAffineSolve::new(&hp).unwrap();
            best_of_ratios(nt, theta, &v, &mut out, &mut solve);
            group.bench_function("blocked_solve_and_verify", |b| {
                b.iter(|| black_box(solve.solve_into(&mut out)))
            });
            group.bench_function("verify_alone_heat_residual_norm", |b| {
                b.iter(|| black_box(heat_residual_norm(&hp, black_box(&out))))
            });
            group.bench_function("thomas_march_direction", |b| {
                b.iter(|| black_box(newton_march(&hp, &v, &mut out, &mut scratch)))
            });
            let map = AffineLevelMap::new(&hp).unwrap();
            group.bench_function("affine_map_direction", |b| {
                b.iter(|| black_box(map.newton_march(&hp, &v, &mut out)))
            });
            group.bench_function("blocked_setup_new", |b| {
                b.iter(|| black_box(BlockedAffineSolve::new(&hp).unwrap()))
            });
            group.finish();
        }
    }
}

/// Minimum over 20 alternating repeats of the copy and the blocked solve: on a shared machine
/// the minimum is the estimate least disturbed by other processes (criterion's statistics
/// follow for each operation).
fn best_of_ratios(
    nt: usize,
    theta: f64,
    v: &[f64],
    out: &mut [f64],
    solve: &mut BlockedAffineSolve,
) {
    let (mut copy, mut blocked) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..20 {
        let start = Instant::now();
        out.copy_from_slice(black_box(v));
        copy = copy.min(start.elapsed().as_secs_f64());
        let start = Instant::now();
        black_box(solve.solve_into(out));
        blocked = blocked.min(start.elapsed().as_secs_f64());
    }
    println!(
        "best of 20: nt={nt} theta={theta}: copy {:.2} ms, blocked solve + verification {:.2} ms = {:.2} copies ({} threads)",
        copy * 1e3,
        blocked * 1e3,
        blocked / copy,
        solve.threads()
    );
}

criterion_group!(benches, p1_blocked);
criterion_main!(benches);
