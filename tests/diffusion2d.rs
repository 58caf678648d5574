//! 2D diffusion on the CPU against the exact discrete solution (every mode times its
//! amplification factor per step), temporal blocking against plain steps (bitwise), ADI's order
//! in time, and the driver's checks.

mod common;

use common::{random_field, relative_error};
use heatgpu::problems::diffusion2d::exact::{exact_discrete, exact_evolution, Evolution};
use heatgpu::problems::diffusion2d::{
    run_to_end, Boundary, CpuAdi, CpuExplicit, Diffusion2D, Marcher2d, Scheme,
};

/// Square and non-square, power-of-two and odd, down to the smallest grid.
const SHAPES: [(usize, usize); 6] = [(16, 16), (17, 23), (32, 12), (9, 31), (3, 4), (41, 70)];

fn problem(
    ny: usize,
    nx: usize,
    scheme: Scheme,
    boundary: Boundary,
    dt: f64,
    steps: usize,
) -> Diffusion2D {
    Diffusion2D {
        ny,
        nx,
        dt,
        steps,
        scheme,
        boundary,
        edge: 0.25,
        ..Diffusion2D::book(0)
    }
}

/// The book's square plus noise, so that every mode is present.
fn rich_initial(p: &Diffusion2D, seed: u64) -> Vec<f64> {
    let noise = random_field(p.points(), seed, -1.0, 1.0);
    let mut u: Vec<f64> = p
        .initial_field()
        .iter()
        .zip(&noise)
        .map(|(a, b)| a + b)
        .collect();
    p.apply_boundary(&mut u);
    u
}

fn march(m: &mut dyn Marcher2d) -> Vec<f64> {
    let mut field = vec![0.0; m.problem().points()];
    run_to_end(m, &mut field, &mut |_, _| Ok(()), &mut |_| {}).unwrap();
    field
}

#[test]
fn explicit_matches_the_exact_discrete_solution() {
    for (ny, nx) in SHAPES {
        for boundary in [Boundary::Periodic, Boundary::Dirichlet] {
            let p = problem(ny, nx, Scheme::Explicit, boundary, 0.24, 40);
            let u0 = rich_initial(&p, 7);
            let exact = exact_discrete(&p, &u0, p.steps);
            for (threads, block) in [(1, Some(1)), (2, Some(1)), (3, None), (2, Some(5))] {
                let mut m = CpuExplicit::new(&p, &u0, threads, block).unwrap();
                let u = march(&mut m);
                let err = relative_error(&u, &exact);
                assert!(
                    err < 1e-12,
                    "{ny}x{nx} {boundary:?} threads={threads} block={block:?}: {err:e}"
                );
            }
        }
    }
}

#[test]
fn temporal_blocking_is_bitwise_equal_to_plain_steps() {
    for (ny, nx) in [(64, 48), (37, 29), (5, 7)] {
        for boundary in [Boundary::Periodic, Boundary::Dirichlet] {
            // 23 steps: passes of every depth end with a shorter one.
            let p = problem(ny, nx, Scheme::Explicit, boundary, 0.25, 23);
            let u0 = rich_initial(&p, 11);
            let mut plain = CpuExplicit::new(&p, &u0, 1, Some(1)).unwrap();
            let reference = march(&mut plain);
            for (threads, block) in [(1, 2), (2, 4), (3, 7), (2, 16)] {
                let mut blocked = CpuExplicit::new(&p, &u0, threads, Some(block)).unwrap();
                let u = march(&mut blocked);
                let same = u
                    .iter()
                    .zip(&reference)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(
                    same,
                    "{ny}x{nx} {boundary:?} threads={threads} block={block}"
                );
            }
        }
    }
}

#[test]
fn adi_matches_the_exact_discrete_solution_at_any_r() {
    for (ny, nx) in SHAPES {
        for boundary in [Boundary::Periodic, Boundary::Dirichlet] {
            for dt in [0.1, 3.0] {
                let p = problem(ny, nx, Scheme::Adi, boundary, dt, 25);
                let u0 = rich_initial(&p, 3);
                let exact = exact_discrete(&p, &u0, p.steps);
                for threads in [1, 2, 3] {
                    let mut m = CpuAdi::new(&p, &u0, threads).unwrap();
                    let u = march(&mut m);
                    let err = relative_error(&u, &exact);
                    assert!(
                        err < 1e-12,
                        "{ny}x{nx} {boundary:?} dt={dt} threads={threads}: {err:e}"
                    );
                }
            }
        }
    }
}

#[test]
fn adi_is_second_order_in_time() {
    // A smooth field (the lowest modes), marched to t = 4 with halving steps, against the
    // solution exact in time on the same grid: errors fall four-fold per halving.
    for boundary in [Boundary::Periodic, Boundary::Dirichlet] {
        let (ny, nx) = (24, 20);
        let base = problem(ny, nx, Scheme::Adi, boundary, 1.0, 4);
        let u0: Vec<f64> = (0..ny * nx)
            .map(|k| {
                let (y, x) = ((k / nx) as f64 / ny as f64, (k % nx) as f64 / nx as f64);
                let tau = std::f64::consts::TAU;
                0.25 + (tau * x).sin() * (tau * y).cos() + 0.5 * (tau * y).sin()
            })
            .collect();
        let mut errors = Vec::new();
        for refine in 0..4 {
            let factor = 1 << refine;
            let p = Diffusion2D {
                dt: base.dt / factor as f64,
                steps: base.steps * factor,
                ..base.clone()
            };
            let mut start = u0.clone();
            p.apply_boundary(&mut start);
            let exact = exact_evolution(&p, &start, p.steps, Evolution::ContinuousTime);
            let mut m = CpuAdi::new(&p, &start, 2).unwrap();
            errors.push(relative_error(&march(&mut m), &exact));
        }
        for pair in errors.windows(2) {
            let order = (pair[0] / pair[1]).log2();
            assert!(
                (1.9..2.2).contains(&order),
                "{boundary:?}: errors {errors:?}"
            );
        }
    }
}

#[test]
fn snapshots_arrive_in_order_and_match_the_final_field() {
    for scheme in [Scheme::Explicit, Scheme::Adi] {
        let p = Diffusion2D {
            snapshot_every: 4,
            ..problem(12, 10, scheme, Boundary::Periodic, 0.2, 10)
        };
        let u0 = rich_initial(&p, 5);
        let mut m: Box<dyn Marcher2d> = match scheme {
            Scheme::Explicit => Box::new(CpuExplicit::new(&p, &u0, 2, None).unwrap()),
            Scheme::Adi => Box::new(CpuAdi::new(&p, &u0, 2).unwrap()),
        };
        let mut seen = Vec::new();
        let mut field = vec![0.0; p.points()];
        run_to_end(
            m.as_mut(),
            &mut field,
            &mut |step, u| {
                let exact = exact_discrete(&p, &u0, step);
                assert!(relative_error(u, &exact) < 1e-12, "{scheme:?} step {step}");
                seen.push(step);
                Ok(())
            },
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(seen, vec![0, 4, 8], "{scheme:?}");
        assert!(relative_error(&field, &exact_discrete(&p, &u0, 10)) < 1e-12);
    }
}

#[test]
fn a_non_finite_result_is_an_error_naming_step_and_point() {
    // Values near f64::MAX pass the input check (|u| <= MAX / 64) but the ADI right side of a
    // huge r overflows: the march must refuse the result, naming where.
    let p = Diffusion2D {
        d: 1e6,
        ..problem(8, 8, Scheme::Adi, Boundary::Periodic, 1.0, 3)
    };
    let mut u0 = vec![0.0; p.points()];
    u0[9] = f64::MAX / 64.0;
    u0[10] = -f64::MAX / 64.0;
    let mut m = CpuAdi::new(&p, &u0, 1).unwrap();
    let mut field = vec![0.0; p.points()];
    let err = run_to_end(&mut m, &mut field, &mut |_, _| Ok(()), &mut |_| {}).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("u[") && msg.contains("step 3") && msg.contains("not finite"),
        "{msg}"
    );
}
