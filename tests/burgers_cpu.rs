//! Burgers (P3) on the CPU against Cole-Hopf: order 2 in space, 1 (theta 1) and 2 (theta 1/2)
//! in time; adaptive runs against the discrete limit and against fixed steps; the all-at-once
//! space-time solve against the march; sweeps against single runs; a steep case with cell
//! Reynolds number above 2.

use heatgpu::problems::burgers1d::cpu_adaptive::CpuBurgersAdaptive;
use heatgpu::problems::burgers1d::cpu_space_time::CpuBurgersSpaceTime;
use heatgpu::problems::burgers1d::exact::cole_hopf_level;
use heatgpu::problems::burgers1d::solve::{solve_cpu, BurgersReport};
use heatgpu::problems::burgers1d::stencil::{periodic_stencil, StageCoefficients};
use heatgpu::problems::burgers1d::sweep::BurgersSweep;
use heatgpu::problems::burgers1d::{Burgers1D, Stepping};
use heatgpu::solver::newton::{newton_solve, NewtonOptions};
use heatgpu::solver::step_control::{integrate, AdaptiveStepper, Attempt, StepControlOptions};

/// Every kept level of a run, and its report.
fn run(p: &Burgers1D, snapshot_every: usize) -> (Vec<Vec<f64>>, BurgersReport) {
    let mut levels = Vec::new();
    let report = solve_cpu(
        std::slice::from_ref(p),
        snapshot_every,
        &mut |_, kept, _, level| {
            assert_eq!(kept, levels.len());
            levels.push(level.to_vec());
            Ok(())
        },
    )
    .unwrap();
    (levels, report)
}

fn final_level(p: &Burgers1D) -> Vec<f64> {
    run(p, usize::MAX).0.pop().unwrap()
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn error_vs_cole_hopf(p: &Burgers1D) -> f64 {
    let mut exact = vec![0.0; p.n];
    cole_hopf_level(p, p.t_end, &mut exact);
    max_diff(&final_level(p), &exact)
}

fn fixed(n: usize, theta: f64, steps: usize) -> Burgers1D {
    Burgers1D {
        n,
        theta,
        stepping: Stepping::Fixed { steps },
        ..Burgers1D::default()
    }
}

/// Observed orders `log2(e_k / e_{k+1})` of errors at halved mesh sizes.
fn orders(errors: &[f64]) -> Vec<f64> {
    errors.windows(2).map(|e| (e[0] / e[1]).log2()).collect()
}

#[test]
fn second_order_in_space() {
    // 400 Crank-Nicolson steps: time error below 1e-7, far under the space error.
    let errors: Vec<f64> = [64, 128, 256]
        .iter()
        .map(|&n| error_vs_cole_hopf(&fixed(n, 0.5, 400)))
        .collect();
    for order in orders(&errors) {
        assert!((order - 2.0).abs() <= 0.2, "errors {errors:?}");
    }
}

#[test]
fn first_order_backward_euler_second_order_crank_nicolson() {
    // n = 4096: space error about 7e-7, under the time errors.
    for (theta, expected) in [(1.0, 1.0), (0.5, 2.0)] {
        let errors: Vec<f64> = [10, 20, 40]
            .iter()
            .map(|&steps| error_vs_cole_hopf(&fixed(4096, theta, steps)))
            .collect();
        for order in orders(&errors) {
            assert!(
                (order - expected).abs() <= 0.2,
                "theta {theta}: errors {errors:?}"
            );
        }
    }
}

/// The semi-discrete solution at t_end (the limit dt -> 0 at fixed n): Crank-Nicolson at two
/// step sizes, extrapolated (its error expands in dt^2).
fn discrete_limit(n: usize) -> Vec<f64> {
    let coarse = final_level(&fixed(n, 0.5, 400));
    let fine = final_level(&fixed(n, 0.5, 800));
    fine.iter()
        .zip(&coarse)
        .map(|(f, c)| (4.0 * f - c) / 3.0)
        .collect()
}

#[test]
fn adaptive_runs_end_within_tol_of_the_discrete_limit() {
    let n = 1024;
    let limit = discrete_limit(n);
    for tol in [1e-4, 1e-5, 1e-6] {
        let p = Burgers1D {
            n,
            stepping: Stepping::Adaptive { tol },
            ..Burgers1D::default()
        };
        let (levels, report) = run(&p, 1);
        let error = max_diff(levels.last().unwrap(), &limit);
        let control = report.step_control.as_ref().unwrap();
        assert!(
            error <= 2.0 * tol,
            "tol {tol}: error {error:e}, {control:?}"
        );
        assert_eq!(report.times.len(), control.accepted + 1);
        assert_eq!(*report.times.last().unwrap(), p.t_end);
        assert_eq!(control.step_sizes.len(), control.accepted);
        let total: f64 = control.step_sizes.iter().sum();
        assert!((total - p.t_end).abs() < 1e-12);
        assert!(report.verification.residual <= report.verification.target);
    }
}

#[test]
fn adaptive_takes_far_fewer_steps_than_fixed_steps_of_the_same_accuracy() {
    // A steep front (a - b = 0.01) that relaxes: fast early, slow later. Accuracy: the largest
    // error at the output times t = 0.25, 0.5, ..., 20 against a fine fixed-step solution.
    let p = Burgers1D {
        n: 512,
        a: 1.01,
        t_end: 20.0,
        stepping: Stepping::Fixed { steps: 20_000 },
        ..Burgers1D::default()
    };
    const OUTPUTS: usize = 80;
    let (fine, _) = run(&p, 20_000 / OUTPUTS);
    let tol = 1e-4;
    let mut stepper = CpuBurgersAdaptive::new(&p, tol).unwrap();
    let opts = StepControlOptions {
        output_interval: Some(p.t_end / OUTPUTS as f64),
        ..StepControlOptions::new(tol, p.t_end)
    };
    let mut adaptive_error = 0.0_f64;
    let mut outputs = 0;
    let control = integrate(&mut stepper, &opts, |s, _, t, at_output| {
        if at_output {
            outputs += 1;
            assert!(
                (t - outputs as f64 * p.t_end / OUTPUTS as f64).abs() < 1e-12,
                "{t}"
            );
            adaptive_error = adaptive_error.max(max_diff(s.level(), &fine[outputs]));
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(outputs, OUTPUTS);
    // The same method (TR-BDF2) with a fixed step: the fewest steps reaching the same accuracy.
    let fixed_error = |steps: usize| {
        let mut stepper = CpuBurgersAdaptive::new(&p, tol).unwrap();
        let mut error = 0.0_f64;
        for k in 1..=steps {
            let attempt = stepper.try_step(p.t_end / steps as f64).unwrap();
            assert!(matches!(attempt, Attempt::Estimate(_)));
            stepper.accept();
            if (k * OUTPUTS).is_multiple_of(steps) {
                error = error.max(max_diff(stepper.level(), &fine[k * OUTPUTS / steps]));
            }
        }
        error
    };
    let mut steps = OUTPUTS;
    while fixed_error(steps) > adaptive_error {
        steps *= 2;
        assert!(steps < 20_000, "fixed steps never reach {adaptive_error:e}");
    }
    // Bisect between steps / 2 (too few) and steps, in multiples of the outputs.
    let mut too_few = steps / 2;
    while steps - too_few > OUTPUTS {
        let mid = (too_few + steps) / (2 * OUTPUTS) * OUTPUTS;
        if fixed_error(mid) > adaptive_error {
            too_few = mid;
        } else {
            steps = mid;
        }
    }
    let (h_min, h_max) = control.step_range();
    println!(
        "adaptive: {} steps (h {h_min:.2e} .. {h_max:.2e}), max error {adaptive_error:e}; \
         fixed TR-BDF2: {steps} steps",
        control.accepted
    );
    assert!(adaptive_error <= 2.0 * tol);
    assert!(
        steps >= 4 * control.accepted,
        "adaptive {} vs fixed {steps}",
        control.accepted
    );
}

#[test]
fn all_at_once_space_time_solve_equals_the_march() {
    for theta in [0.5, 1.0] {
        let p = fixed(128, theta, 20);
        let (marched, _) = run(&p, 1);
        let mut system = CpuBurgersSpaceTime::new(&p).unwrap();
        let (_, stats) = newton_solve(&mut system, &NewtonOptions::default()).unwrap();
        assert!(stats.iterations <= 8, "{stats:?}");
        for (i, level) in marched.iter().enumerate() {
            let diff = max_diff(system.level(i), level);
            assert!(
                diff <= 1e-12 * p.max_velocity(),
                "theta {theta} level {i}: {diff:e}"
            );
        }
    }
}

#[test]
fn sweep_members_equal_single_runs() {
    let base = fixed(256, 0.5, 30);
    for spec in ["nu=0.02:0.08:3", "a=1.02,1.5", "b=0.5,0.9"] {
        let sweep: BurgersSweep = spec.parse().unwrap();
        let members = sweep.members(&base).unwrap();
        let mut swept = vec![Vec::new(); members.len()];
        let report = solve_cpu(&members, 10, &mut |s, kept, _, level| {
            assert_eq!(kept, swept[s].len());
            swept[s].push(level.to_vec());
            Ok(())
        })
        .unwrap();
        assert_eq!(report.members, members.len());
        for (member, levels) in members.iter().zip(&swept) {
            let (single, _) = run(member, 10);
            assert_eq!(&single, levels, "{spec}: member {member:?}");
        }
    }
}

/// The scaled residual of a theta step from `u` to `w`, transcribed from PROBLEMS.md.
fn literal_step_residual(p: &Burgers1D, dt: f64, u: &[f64], w: &[f64]) -> f64 {
    let (dx, nu, theta) = (p.dx(), p.nu, p.theta);
    let l = |v: &[f64], j: usize| {
        let [a, b, c] = periodic_stencil(v, j);
        -(c * c - a * a) / (4.0 * dx) + nu * (c - 2.0 * b + a) / (dx * dx)
    };
    let diagonal = 1.0 / dt + 2.0 * theta * nu / (dx * dx);
    (0..p.n)
        .map(|j| ((w[j] - u[j]) / dt - theta * l(w, j) - (1.0 - theta) * l(u, j)).abs() / diagonal)
        .fold(0.0, f64::max)
}

#[test]
fn steep_case_above_cell_reynolds_two_is_solved_right() {
    // a - b = 0.01: max |u| = 0.70; n = 32: cell Reynolds number 2.8; backward Euler, dt = 2.
    let p = Burgers1D {
        n: 32,
        a: 1.01,
        theta: 1.0,
        t_end: 10.0,
        stepping: Stepping::Fixed { steps: 5 },
        ..Burgers1D::default()
    };
    assert!(p.cell_reynolds() > 2.0, "{}", p.cell_reynolds());
    let dt = 2.0;
    let (levels, report) = run(&p, 1);
    let stage = StageCoefficients::new(p.nu, p.dx(), p.theta * dt);
    let mut worst_off_diagonal = 0.0_f64;
    for pair in levels.windows(2) {
        let r = literal_step_residual(&p, dt, &pair[0], &pair[1]);
        assert!(r <= 1e-13, "step residual {r:e}");
        // The Jacobian at the solution is not diagonally dominant (diagonal 1).
        for j in 0..p.n {
            let [l, _, u] = heatgpu::problems::burgers1d::stencil::stage_jacobian(
                &stage,
                periodic_stencil(&pair[1], j),
            );
            worst_off_diagonal = worst_off_diagonal.max(l.abs() + u.abs());
        }
    }
    assert!(worst_off_diagonal > 1.0, "{worst_off_diagonal}");
    assert!(report.verification.residual <= report.verification.target);
}
