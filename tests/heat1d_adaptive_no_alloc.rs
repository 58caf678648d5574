//! The adaptive heat march allocates nothing per step: a counting global allocator watches
//! TR-BDF2 attempts (accepted and rejected, linear and alpha(T), short and long levels) and
//! whole adaptive solves of different step counts.

mod common;

use heatgpu::problems::heat1d::adaptive::stepper::CpuHeatAdaptive;
use heatgpu::problems::heat1d::adaptive::{solve_adaptive, AdaptiveOptions};
use heatgpu::solver::newton::NewtonOptions;
use heatgpu::solver::step_control::{AdaptiveStepper, Attempt};
use heatgpu::Heat1D;

use common::alloc::{allocations_in, CountingAllocator};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn attempts_allocate_nothing() {
    // nx = 4097 evaluates residuals in chunks (levels longer than the stack buffer).
    for (nx, beta) in [(11, 0.0), (11, 0.02), (4097, 0.0), (4097, 0.02)] {
        let p = Heat1D {
            nx,
            beta,
            ..Heat1D::default()
        };
        let mut stepper = CpuHeatAdaptive::new(&p, 1e-6, &NewtonOptions::default());
        // Warm-up: the first attempt may not allocate either, but counts start after it.
        stepper.try_step(1e-6).unwrap();
        let mut estimates = Vec::with_capacity(10);
        let count = allocations_in(|| {
            for k in 0..10 {
                let attempt = stepper.try_step(1e-5 * (k + 1) as f64).unwrap();
                estimates.push(attempt);
                // Every other attempt discarded, as a rejected step is.
                if k % 2 == 0 {
                    stepper.accept();
                }
            }
        });
        assert_eq!(
            count, 0,
            "nx {nx} beta {beta}: 10 attempts allocated {count} times"
        );
        assert!(estimates.iter().all(|a| matches!(a, Attempt::Estimate(_))));
        assert!(stepper.stats.newton_iterations >= 10);
    }
}

#[test]
fn allocations_do_not_grow_with_the_steps() {
    // t = 0 and t_max kept only: the solve's allocations are the same for 10x more steps.
    let p = Heat1D {
        nx: 101,
        beta: 0.02,
        ..Heat1D::default()
    };
    let run = |tol: f64| {
        let opts = AdaptiveOptions {
            snapshot_every: usize::MAX,
            ..AdaptiveOptions::new(tol)
        };
        let mut steps = 0;
        let count = allocations_in(|| {
            let s = solve_adaptive(&p, &opts, &mut |_, _| {}).unwrap();
            steps = s.report.step_control.accepted;
            assert_eq!(s.times.len(), 2);
        });
        (count, steps)
    };
    run(1e-2); // warm-up: the thread pool behind the CPU label, the memory probes
    let (few, few_steps) = run(1e-2);
    let (many, many_steps) = run(1e-4);
    assert!(many_steps > 5 * few_steps, "{few_steps} vs {many_steps}");
    assert_eq!(
        few, many,
        "{few_steps} steps: {few} allocations; {many_steps}: {many}"
    );
}
