//! P1 marched with adaptive TR-BDF2 steps (`heatgpu::problems::heat1d::adaptive`): the error tracks `tol`
//! against the exact Fourier series (semi-discrete and continuous), the steps are far fewer
//! than fixed steps of the same accuracy (the same method, and Crank-Nicolson), linear and
//! with alpha(T); every result verified; bad options refused by name.

use heatgpu::problems::heat1d::adaptive::stepper::CpuHeatAdaptive;
use heatgpu::problems::heat1d::adaptive::{solve_adaptive, AdaptiveOptions, AdaptiveSolution};
use heatgpu::problems::heat1d::exact::{fourier_level, semi_discrete_level};
use heatgpu::problems::heat1d::solve::{solve_cpu, Mode, SolveOptions};
use heatgpu::solver::newton::NewtonOptions;
use heatgpu::solver::step_control::{integrate, AdaptiveStepper, Attempt, StepControlOptions};
use heatgpu::Heat1D;

fn rod(nx: usize, beta: f64) -> Heat1D {
    Heat1D {
        nx,
        beta,
        ..Heat1D::default()
    }
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
}

fn adaptive(p: &Heat1D, tol: f64) -> AdaptiveSolution {
    solve_adaptive(p, &AdaptiveOptions::new(tol), &mut |_, _| {}).unwrap()
}

fn last_row(s: &AdaptiveSolution) -> Vec<f64> {
    s.field.row(s.field.nrows() - 1).to_vec()
}

/// Output times of the accuracy comparisons: t_max / OUTPUTS, 2 t_max / OUTPUTS, ..., t_max.
const OUTPUTS: usize = 100;

/// Crank-Nicolson with `steps` fixed steps (the theta march, Newton per step; `steps` a
/// multiple of OUTPUTS): the levels at the output times.
fn crank_nicolson(p: &Heat1D, steps: usize) -> Vec<Vec<f64>> {
    let p = Heat1D {
        nt: steps + 1,
        theta: 0.5,
        ..p.clone()
    };
    let opts = SolveOptions {
        mode: Mode::March,
        snapshot_every: steps / OUTPUTS,
        newton: NewtonOptions {
            atol: 1e-12,
            ..Default::default()
        },
    };
    let s = solve_cpu(&p, &opts, None, &mut |_, _| {}).unwrap();
    s.field
        .rows()
        .into_iter()
        .skip(1)
        .map(|r| r.to_vec())
        .collect()
}

/// TR-BDF2 with `steps` fixed steps (the adaptive stepper, every step accepted; `steps` a
/// multiple of OUTPUTS): the levels at the output times.
fn fixed_tr_bdf2(p: &Heat1D, steps: usize) -> Vec<Vec<f64>> {
    let mut stepper = CpuHeatAdaptive::new(p, 1e-6, &NewtonOptions::default());
    let mut levels = Vec::new();
    for k in 1..=steps {
        let attempt = stepper.try_step(p.t_max / steps as f64).unwrap();
        assert!(matches!(attempt, Attempt::Estimate(_)), "{attempt:?}");
        stepper.accept();
        if (k * OUTPUTS).is_multiple_of(steps) {
            levels.push(stepper.level().to_vec());
        }
    }
    levels
}

/// The adaptive march landing on the output times: its levels there and its attempts.
fn adaptive_at_outputs(p: &Heat1D, tol: f64) -> (Vec<Vec<f64>>, usize) {
    let opts = AdaptiveOptions {
        output_interval: Some(p.t_max / OUTPUTS as f64),
        ..AdaptiveOptions::new(tol)
    };
    let s = solve_adaptive(p, &opts, &mut |_, _| {}).unwrap();
    assert_eq!(s.times.len(), OUTPUTS + 1);
    let control = &s.report.step_control;
    let levels = s
        .field
        .rows()
        .into_iter()
        .skip(1)
        .map(|r| r.to_vec())
        .collect();
    (
        levels,
        control.accepted + control.rejected + control.failed_solves,
    )
}

/// The largest error over the output times.
fn trajectory_error(levels: &[Vec<f64>], reference: &[Vec<f64>]) -> f64 {
    assert_eq!(levels.len(), reference.len());
    levels
        .iter()
        .zip(reference)
        .map(|(a, b)| max_diff(a, b))
        .fold(0.0, f64::max)
}

/// The fewest fixed steps (a multiple of OUTPUTS, to 5%) for which `error(steps) <= target`.
fn fewest_steps(target: f64, mut error: impl FnMut(usize) -> f64) -> usize {
    let mut steps = OUTPUTS;
    while error(steps) > target {
        steps *= 2;
        assert!(steps <= 1 << 20, "fixed steps never reach {target:e}");
    }
    let mut too_few = steps / 2;
    while (steps - too_few) * 20 > steps && steps - too_few > OUTPUTS {
        let mid = (too_few + steps) / (2 * OUTPUTS) * OUTPUTS;
        if error(mid) > target {
            too_few = mid;
        } else {
            steps = mid;
        }
    }
    steps
}

#[test]
fn error_tracks_tol_against_the_fourier_series() {
    // Against the semi-discrete series (the time error alone), at every accepted step.
    let p = rod(51, 0.0);
    let mut runs = Vec::new();
    for tol in [1e-2, 1e-3, 1e-4] {
        let opts = AdaptiveOptions {
            snapshot_every: 10,
            ..AdaptiveOptions::new(tol)
        };
        let s = solve_adaptive(&p, &opts, &mut |_, _| {}).unwrap();
        let error = s
            .times
            .iter()
            .zip(s.field.rows())
            .map(|(&t, row)| max_diff(row.as_slice().unwrap(), &semi_discrete_level(&p, t)))
            .fold(0.0, f64::max);
        let control = &s.report.step_control;
        let (h_min, h_max) = control.step_range();
        println!(
            "nx 51, tol {tol:e}: max error over {} kept levels {error:.3e}; {} accepted, {} \
             rejected, h {h_min:.2e} .. {h_max:.2e}",
            s.times.len(),
            control.accepted,
            control.rejected
        );
        assert!(
            error <= tol && error >= tol / 20.0,
            "tol {tol:e}: error {error:e}"
        );
        assert_eq!(*s.times.last().unwrap(), p.t_max);
        assert!(s.verification.residual <= s.verification.target);
        runs.push((error, control.accepted));
    }
    // Second order, error per unit step: 10x tighter tol, about sqrt(10) x the steps.
    for pair in runs.windows(2) {
        let growth = pair[1].1 as f64 / pair[0].1 as f64;
        assert!((2.0..5.0).contains(&growth), "{runs:?}");
    }
    // Against the continuous series: nx = 401 leaves a spatial error of ~2e-5 at t_max.
    let p = rod(401, 0.0);
    let continuous = fourier_level(&p, p.t_max, 200);
    let spatial = max_diff(&semi_discrete_level(&p, p.t_max), &continuous);
    let tol = 1e-3;
    let s = adaptive(&p, tol);
    let error = max_diff(&last_row(&s), &continuous);
    println!("nx 401, tol {tol:e}: error {error:.3e} against the continuous series (spatial part {spatial:.3e})");
    assert!(spatial < 1e-4 && error <= tol + spatial, "{error:e}");
}

#[test]
fn linear_far_fewer_steps_than_fixed_steps_of_the_same_accuracy() {
    // The users' grid (nx = 11); accuracy: the largest error at 100 output times.
    let p = rod(11, 0.0);
    let exact: Vec<Vec<f64>> = (1..=OUTPUTS)
        .map(|k| semi_discrete_level(&p, k as f64 * p.t_max / OUTPUTS as f64))
        .collect();
    for tol in [1e-3, 1e-4, 1e-5] {
        let (levels, attempts) = adaptive_at_outputs(&p, tol);
        let error = trajectory_error(&levels, &exact);
        let tr_bdf2 = fewest_steps(error, |n| trajectory_error(&fixed_tr_bdf2(&p, n), &exact));
        let cn = fewest_steps(error, |n| trajectory_error(&crank_nicolson(&p, n), &exact));
        // For the record: judged at t_max alone, where diffusion has damped the early steps'
        // errors, a fixed step needs no more steps than the adaptive run (not asserted).
        let final_error = max_diff(&levels[OUTPUTS - 1], &exact[OUTPUTS - 1]);
        let final_only = fewest_steps(final_error, |n| {
            max_diff(&fixed_tr_bdf2(&p, n)[OUTPUTS - 1], &exact[OUTPUTS - 1])
        });
        println!(
            "linear nx 11, tol {tol:e}: adaptive {attempts} attempts, max error at the outputs \
             {error:.3e}; fixed TR-BDF2 {tr_bdf2} steps ({:.1}x); fixed Crank-Nicolson {cn} \
             steps ({:.1}x); at t_max alone ({final_error:.3e}) fixed TR-BDF2 {final_only} steps",
            tr_bdf2 as f64 / attempts as f64,
            cn as f64 / attempts as f64
        );
        assert!(error <= tol);
        assert!(tr_bdf2 >= 3 * attempts, "{tr_bdf2} vs {attempts}");
        assert!(cn >= 3 * attempts, "{cn} vs {attempts}");
    }
}

/// alpha(T) = alpha (1 + beta (T - 25)): diffusivity 1.7 times larger at the hot end.
#[test]
fn nonlinear_error_tracks_tol_with_far_fewer_steps() {
    let p = rod(21, 0.02);
    // Reference: Crank-Nicolson with 200000 steps (dt = 1.25e-4: error ~1e-9 here).
    let reference = crank_nicolson(&p, 200_000);
    let mut runs = Vec::new();
    for tol in [1e-3, 1e-5] {
        let (levels, attempts) = adaptive_at_outputs(&p, tol);
        let error = trajectory_error(&levels, &reference);
        println!("alpha(T), nx 21, tol {tol:e}: error {error:.3e}, {attempts} attempts");
        assert!(
            error <= tol && error >= tol / 20.0,
            "tol {tol:e}: error {error:e}"
        );
        runs.push((error, attempts));
    }
    let (error, attempts) = runs[0];
    let fixed = fewest_steps(error, |n| {
        trajectory_error(&fixed_tr_bdf2(&p, n), &reference)
    });
    println!("alpha(T): fixed TR-BDF2 needs {fixed} steps for {error:.3e}");
    assert!(fixed >= 3 * attempts, "{fixed} vs {attempts}");
    // Every stage of every accepted step verified against its Newton target.
    let s = adaptive(&p, 1e-3);
    let stages = &s.report.stages;
    assert!(
        stages.newton_iterations >= stages.stage_solves,
        "{stages:?}"
    );
    assert!(s.verification.residual <= s.verification.target);
}

#[test]
fn snapshots_are_accepted_steps_and_t_max() {
    let p = rod(51, 0.0);
    let all = adaptive(&p, 1e-3);
    let opts = AdaptiveOptions {
        snapshot_every: 5,
        ..AdaptiveOptions::new(1e-3)
    };
    let some = solve_adaptive(&p, &opts, &mut |_, _| {}).unwrap();
    let accepted = all.report.step_control.accepted;
    assert_eq!(
        some.times.len(),
        1 + accepted / 5 + usize::from(!accepted.is_multiple_of(5))
    );
    for (row, t) in some.times.iter().enumerate() {
        let k = all
            .times
            .iter()
            .position(|s| s == t)
            .expect("an accepted time");
        assert_eq!(some.field.row(row), all.field.row(k));
    }
    assert_eq!(*some.times.last().unwrap(), p.t_max);
    // Accepted step sizes add up to t_max.
    let total: f64 = all.report.step_control.step_sizes.iter().sum();
    assert!((total - p.t_max).abs() < 1e-9 * p.t_max);
}

#[test]
fn bad_options_are_refused_by_name() {
    let p = rod(51, 0.0);
    for (tol, name) in [
        (0.0, "tol"),
        (-1.0, "tol"),
        (f64::NAN, "tol"),
        (100.0, "tol"),
    ] {
        let err = solve_adaptive(&p, &AdaptiveOptions::new(tol), &mut |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(err.contains(name), "{err}");
    }
    let opts = AdaptiveOptions {
        snapshot_every: 0,
        ..AdaptiveOptions::new(1e-3)
    };
    let err = solve_adaptive(&p, &opts, &mut |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("snapshot_every"), "{err}");
    // nt and theta do not matter (a forward-Euler nt that would be unstable is fine) ...
    let unstable_fixed = Heat1D {
        nt: 10,
        theta: 0.0,
        ..p.clone()
    };
    assert!(solve_adaptive(&unstable_fixed, &AdaptiveOptions::new(1e-3), &mut |_, _| {}).is_ok());
    // ... the physics does.
    let bad = Heat1D {
        alpha: -1.0,
        ..p.clone()
    };
    let err = solve_adaptive(&bad, &AdaptiveOptions::new(1e-3), &mut |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("alpha"), "{err}");
    // A step budget too small is named.
    let opts = AdaptiveOptions {
        max_steps: 3,
        ..AdaptiveOptions::new(1e-6)
    };
    let err = solve_adaptive(&p, &opts, &mut |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("max_steps"), "{err}");
}

#[test]
fn the_controller_lands_on_output_times() {
    let p = rod(51, 0.02);
    let mut stepper = CpuHeatAdaptive::new(&p, 1e-4, &NewtonOptions::default());
    let opts = StepControlOptions {
        output_interval: Some(5.0),
        ..StepControlOptions::new(1e-4, p.t_max)
    };
    let mut outputs = Vec::new();
    integrate(&mut stepper, &opts, |_, _, t, at_output| {
        if at_output {
            outputs.push(t);
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(outputs, vec![5.0, 10.0, 15.0, 20.0, 25.0]);
}
