//! The CPU marches allocate nothing per step: a counting allocator sees every thread's
//! allocations (the workers included), and a march of many steps allocates exactly as much as a
//! march of two (the worker threads are made once per call, not per step). One test in this
//! file, so that no other test allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use heatgpu::problems::diffusion2d::{
    Boundary, CpuAdi, CpuExplicit, Diffusion2D, Marcher2d, Scheme,
};

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

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    f();
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

#[test]
fn steps_allocate_nothing_on_any_thread() {
    for scheme in [Scheme::Explicit, Scheme::Adi] {
        for boundary in [Boundary::Periodic, Boundary::Dirichlet] {
            let p = Diffusion2D {
                ny: 48,
                nx: 40,
                scheme,
                boundary,
                ..Diffusion2D::book(0)
            };
            let u0 = p.initial_field();
            let mut march: Box<dyn Marcher2d> = match scheme {
                Scheme::Explicit => Box::new(CpuExplicit::new(&p, &u0, 2, Some(4)).unwrap()),
                Scheme::Adi => Box::new(CpuAdi::new(&p, &u0, 2).unwrap()),
            };
            march.advance(1).unwrap();
            let short = allocations_in(|| march.advance(2).unwrap());
            let long = allocations_in(|| march.advance(64).unwrap());
            assert_eq!(
                short, long,
                "{scheme:?} {boundary:?}: 2 steps {short}, 64 steps {long} allocations"
            );
            // Reading the field out allocates nothing either.
            let mut field = vec![0.0; p.points()];
            assert_eq!(allocations_in(|| march.read_field(&mut field).unwrap()), 0);
        }
    }
}
