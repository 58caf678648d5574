//! Every bad input gets an error that names the parameter and the limit; nothing panics.

use heatgpu::memory::MemoryBudget;
use heatgpu::problems::heat1d::cpu::CpuSpaceTime;
use heatgpu::problems::heat1d::solve::{solve_cpu, Mode, SolveOptions};
use heatgpu::solver::newton::{newton_solve, NewtonOptions};
use heatgpu::{Error, Heat1D};

fn error_of(p: Heat1D) -> String {
    p.validate().expect_err("must be rejected").to_string()
}

#[test]
fn each_bad_parameter_is_named() {
    let base = Heat1D {
        nt: 1001,
        ..Heat1D::default()
    };
    let cases: Vec<(Heat1D, &[&str])> = vec![
        (
            Heat1D {
                nt: 1,
                ..base.clone()
            },
            &["nt = 1", ">= 2"],
        ),
        (
            Heat1D {
                nx: 2,
                ..base.clone()
            },
            &["nx = 2", ">= 3"],
        ),
        (
            Heat1D {
                alpha: 0.0,
                ..base.clone()
            },
            &["alpha = 0", "> 0"],
        ),
        (
            Heat1D {
                alpha: -1.0,
                ..base.clone()
            },
            &["alpha = -1", "> 0"],
        ),
        (
            Heat1D {
                t_max: -2.0,
                ..base.clone()
            },
            &["t_max = -2", "> 0"],
        ),
        (
            Heat1D {
                x_max: 0.0,
                ..base.clone()
            },
            &["x_max = 0", "> 0"],
        ),
        (
            Heat1D {
                theta: 1.5,
                ..base.clone()
            },
            &["theta = 1.5", "[0, 1]"],
        ),
        (
            Heat1D {
                theta: -0.1,
                ..base.clone()
            },
            &["theta = -0.1", "[0, 1]"],
        ),
        (
            Heat1D {
                alpha: f64::NAN,
                ..base.clone()
            },
            &["alpha = NaN", "finite"],
        ),
        (
            Heat1D {
                t_x0: f64::INFINITY,
                ..base.clone()
            },
            &["t_x0 = inf", "finite"],
        ),
        (
            Heat1D {
                beta: -0.1,
                ..base.clone()
            },
            &["beta = -0.1", "must stay > 0"],
        ),
        (
            Heat1D {
                nt: 100_000,
                nx: 100_000,
                ..base.clone()
            },
            &["nt*nx", "4294967295"],
        ),
        // Forward Euler with alpha dt/dx^2 = 0.01 * 0.5 / 0.01^2 = 50 > 1/2.
        (
            Heat1D {
                nt: 51,
                nx: 101,
                ..base.clone()
            },
            &["unstable", "5.0000e1", "5.0000e-1", "theta = 0"],
        ),
    ];
    for (p, needles) in cases {
        let msg = error_of(p);
        for needle in needles {
            assert!(msg.contains(needle), "{msg:?} should contain {needle:?}");
        }
    }
    // Crank-Nicolson and backward Euler are stable at any step.
    for theta in [0.5, 1.0] {
        let p = Heat1D {
            nt: 2,
            nx: 1001,
            theta,
            ..base.clone()
        };
        assert!(p.validate().is_ok());
    }
}

#[test]
fn bad_initial_guesses_are_rejected() {
    let p = Heat1D {
        nt: 10,
        nx: 5,
        ..Heat1D::default()
    };
    let short = CpuSpaceTime::new(&p, vec![25.0; 49])
        .err()
        .unwrap()
        .to_string();
    assert!(
        short.contains("49 values") && short.contains("10*5 = 50"),
        "{short}"
    );
    let mut guess = p.initial_guess();
    guess[17] = f64::NAN;
    let nan = CpuSpaceTime::new(&p, guess).err().unwrap().to_string();
    assert!(
        nan.contains("T[3, 2]") && nan.contains("not finite"),
        "{nan}"
    );
}

#[test]
fn memory_needs_are_stated() {
    let budget = MemoryBudget {
        bytes: Some(8 << 30),
        limited_by: "available memory",
    };
    let err = budget
        .ensure_fits(
            "all-at-once CPU solve",
            24 * 1_000_000_000,
            "use --mode march",
        )
        .unwrap_err();
    assert!(matches!(err, Error::OutOfMemory { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("22888.2 MiB") && msg.contains("8192.0 MiB") && msg.contains("--mode march"),
        "{msg}"
    );
}

#[test]
fn snapshot_interval_zero_is_rejected() {
    let p = Heat1D {
        nt: 10,
        nx: 5,
        ..Heat1D::default()
    };
    let opts = SolveOptions {
        mode: Mode::March,
        snapshot_every: 0,
        ..SolveOptions::default()
    };
    let msg = solve_cpu(&p, &opts, None, &mut |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(msg.contains("snapshot_every = 0"), "{msg}");
}

#[test]
fn newton_failures_are_typed_and_keep_statistics() {
    let p = Heat1D {
        nt: 41,
        nx: 21,
        theta: 1.0,
        beta: 0.08,
        alpha: 0.05,
        t_max: 2.0,
        ..Heat1D::default()
    };
    let mut system = CpuSpaceTime::new(&p, p.initial_guess()).unwrap();
    let opts = NewtonOptions {
        max_iterations: 1,
        ..NewtonOptions::default()
    };
    match newton_solve(&mut system, &opts) {
        Err(Error::Newton(failure)) => {
            assert_eq!(failure.stats.iterations, 1);
            assert_eq!(failure.stats.residual_history.len(), 2);
            assert!(failure
                .to_string()
                .contains("did not converge in 1 iterations"));
        }
        other => panic!("expected a Newton failure, got {other:?}"),
    }
}
