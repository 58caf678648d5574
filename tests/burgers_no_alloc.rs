//! Burgers' hot paths allocate nothing: a counting global allocator watches theta steps,
//! adaptive TR-BDF2 attempts and all-at-once Newton iterations after warm-up.

mod common;

use heatgpu::problems::burgers1d::cpu_adaptive::CpuBurgersAdaptive;
use heatgpu::problems::burgers1d::cpu_space_time::CpuBurgersSpaceTime;
use heatgpu::problems::burgers1d::cpu_step::CpuBurgersStep;
use heatgpu::problems::burgers1d::{Burgers1D, Stepping};
use heatgpu::solver::march::LevelStepper;
use heatgpu::solver::newton::{newton_solve_into, NewtonOptions, NewtonStats, NewtonSystem};
use heatgpu::solver::step_control::AdaptiveStepper;

use common::alloc::{allocations_in, CountingAllocator};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn stats_with_room() -> NewtonStats {
    let mut stats = NewtonStats::default();
    stats.residual_history.reserve(64);
    stats.step_history.reserve(64);
    stats.lambda_history.reserve(64);
    stats
}

#[test]
fn theta_steps_allocate_nothing() {
    for theta in [0.5, 1.0] {
        let p = Burgers1D {
            n: 2048,
            theta,
            ..Burgers1D::default()
        };
        let mut step = CpuBurgersStep::new(&p, 0.01).unwrap();
        let mut stats = stats_with_room();
        let opts = NewtonOptions {
            min_iterations: 1,
            ..NewtonOptions::default()
        };
        let count = allocations_in(|| {
            for _ in 0..20 {
                step.begin_step();
                newton_solve_into(&mut step, &opts, &mut stats).unwrap();
            }
        });
        assert_eq!(count, 0, "theta {theta}: 20 steps allocated {count} times");
        assert!(stats.iterations >= 1);
    }
}

#[test]
fn adaptive_attempts_allocate_nothing() {
    let p = Burgers1D {
        n: 2048,
        stepping: Stepping::Adaptive { tol: 1e-6 },
        ..Burgers1D::default()
    };
    let mut stepper = CpuBurgersAdaptive::new(&p, 1e-6).unwrap();
    let count = allocations_in(|| {
        for _ in 0..10 {
            stepper.try_step(0.01).unwrap();
            stepper.accept();
        }
    });
    assert_eq!(count, 0, "10 TR-BDF2 steps allocated {count} times");
    assert!(stepper.stats.newton_iterations >= 20);
}

#[test]
fn space_time_newton_allocates_nothing() {
    let p = Burgers1D {
        n: 256,
        stepping: Stepping::Fixed { steps: 50 },
        ..Burgers1D::default()
    };
    let mut system = CpuBurgersSpaceTime::new(&p).unwrap();
    let mut stats = stats_with_room();
    let count = allocations_in(|| {
        newton_solve_into(&mut system, &NewtonOptions::default(), &mut stats).unwrap();
        system.newton_direction().unwrap();
        system.trial_residual_norm(0.5).unwrap();
    });
    assert_eq!(
        count, 0,
        "a space-time Newton solve allocated {count} times"
    );
    assert!(stats.iterations >= 2);
}
