//! The hot path allocates nothing: a counting global allocator watches the residual, the
//! Newton kernels and whole Newton solves after warm-up.

mod common;

use heatgpu::problems::heat1d::cpu::CpuSpaceTime;
use heatgpu::problems::heat1d::kernels::{
    heat_residual, heat_residual_norm, newton_march, newton_trial, HeatParams,
};
use heatgpu::solver::newton::{newton_solve_into, NewtonOptions, NewtonStats, NewtonSystem};
use heatgpu::Heat1D;

use common::alloc::{allocations_in, CountingAllocator};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn kernels_and_newton_iterations_allocate_nothing() {
    for beta in [0.0, 0.03] {
        let p = Heat1D {
            nt: 5000,
            nx: 11,
            theta: 1.0,
            beta,
            ..Heat1D::default()
        };
        let hp = HeatParams::new(&p);
        let v = p.initial_guess();
        let mut r = vec![0.0; v.len()];
        let mut dv = vec![0.0; v.len()];
        let mut trial = vec![0.0; v.len()];
        let mut scratch = vec![0.0; p.nx];
        let count = allocations_in(|| {
            heat_residual(&hp, &v, &mut r);
            heat_residual_norm(&hp, &v);
            newton_march(&hp, &v, &mut dv, &mut scratch);
            newton_trial(&hp, &v, &dv, 0.5, &mut trial);
        });
        assert_eq!(count, 0, "beta={beta}: kernels allocated {count} times");

        // Whole solves: the system's arrays and the statistics' histories are reused.
        let mut system = CpuSpaceTime::new(&p, p.initial_guess()).unwrap();
        let mut stats = NewtonStats::default();
        stats.residual_history.reserve(64);
        stats.step_history.reserve(64);
        stats.lambda_history.reserve(64);
        let opts = NewtonOptions::default();
        let count = allocations_in(|| {
            newton_solve_into(&mut system, &opts, &mut stats).unwrap();
            system.newton_direction().unwrap();
            system.trial_residual_norm(1.0).unwrap();
            system.accept_trial();
        });
        assert_eq!(
            count, 0,
            "beta={beta}: a Newton solve allocated {count} times"
        );
        assert!(stats.iterations >= 1);
    }
}
