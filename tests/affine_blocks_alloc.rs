//! The blocked solve (and its Newton-direction form) allocates nothing on any thread once built: a counting global allocator
//! that counts every thread's allocations (this file holds a single test, so no other test's
//! threads run while it measures), including the worker pool's threads.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use heatgpu::problems::heat1d::kernels::{BlockedAffineSolve, HeatParams};
use heatgpu::Heat1D;

struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

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
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        let mut residual = 0.0;
        for _ in 0..5 {
            residual = solve.solve_into(&mut field).residual;
            solve.direction_into(&v, &mut dv, &mut field);
        }
        let count = ALLOCATIONS.load(Ordering::SeqCst) - before;
        assert_eq!(
            count, 0,
            "theta={theta}, {threads} threads: {count} allocations"
        );
        assert!(residual < 1e-12, "{residual:e}");
    }
}
