//! The CPU marches allocate nothing per step: a counting allocator sees every thread's
//! allocations (the workers included), and a march of many steps allocates exactly as much as a
//! march of two (the worker threads are made once per call, not per step). One test in this
//! file, so that no other test allocates meanwhile.

mod common;

use heatgpu::problems::diffusion2d::{
    Boundary, CpuAdi, CpuExplicit, Diffusion2D, Marcher2d, Scheme,
};

use common::alloc::{allocations_in_all_threads, CountingAllocator};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

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
            let short = allocations_in_all_threads(|| march.advance(2).unwrap());
            let long = allocations_in_all_threads(|| march.advance(64).unwrap());
            assert_eq!(
                short, long,
                "{scheme:?} {boundary:?}: 2 steps {short}, 64 steps {long} allocations"
            );
            // Reading the field out allocates nothing either.
            let mut field = vec![0.0; p.points()];
            assert_eq!(
                allocations_in_all_threads(|| march.read_field(&mut field).unwrap()),
                0
            );
        }
    }
}
