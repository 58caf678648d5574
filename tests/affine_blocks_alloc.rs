//! The blocked solve (and its Newton-direction form) allocates nothing on any thread once built: a counting global allocator
//! that counts every thread's allocations (this file holds a single test, so no other test's
//! threads run while it measures), including the worker pool's threads.

mod common;

use heatgpu::problems::heat1d::kernels::{BlockedAffineSolve, HeatParams};
use heatgpu::Heat1D;

use common::alloc::{allocations_in_all_threads, CountingAllocator};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn blocked_solves_allocate_nothing_on_any_thread() {
    for (theta, threads) in [(1.0, 2), (0.0, 3), (0.5, 1)] {
        let p = HeatParams::new(&Heat1D {
            nt: 20_000,
            theta,
            ..Heat1D::default()
        });
        let mut solve = BlockedAffineSolve::with_layout(&p, threads, 37, 5).unwrap();
        let n = p.nt() * p.nx();
        let (mut field, mut dv, v) = (vec![0.0; n], vec![0.0; n], vec![30.0; n]);
        solve.solve_into(&mut field); // warm-up: first use of each worker
        let mut residual = 0.0;
        let count = allocations_in_all_threads(|| {
            for _ in 0..5 {
                residual = solve.solve_into(&mut field).residual;
                solve.direction_into(&v, &mut dv, &mut field);
            }
        });
        assert_eq!(
            count, 0,
            "theta={theta}, {threads} threads: {count} allocations"
        );
        assert!(residual < 1e-12, "{residual:e}");
    }
}
