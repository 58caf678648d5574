//! Linear time marching for big grids and sweeps: the CPU twin path against the Newton march,
//! the GPU against the CPU, sweep members against single solves.

use heatgpu::gpu::{AdapterRequest, GpuContext};
use heatgpu::precision::Precision;
use heatgpu::problems::heat1d::solve::{solve_cpu, Mode, SolveOptions};
use heatgpu::problems::heat1d::theta_march::{CpuThetaMarch, GpuThetaMarch};
use heatgpu::Heat1D;

/// Kept levels of a march, each de-interleaved into members: `[member][kept level][j]`.
fn collect(
    members: usize,
    nt: usize,
    every: usize,
    mut run: impl FnMut(usize, usize, &mut dyn FnMut(usize, &[f64]) -> heatgpu::Result<()>),
) -> (Vec<usize>, Vec<Vec<Vec<f64>>>) {
    let mut levels = Vec::new();
    let mut out = vec![Vec::new(); members];
    run(nt, every, &mut |i, level| {
        levels.push(i);
        for (s, rows) in out.iter_mut().enumerate() {
            rows.push(level.iter().skip(s).step_by(members).copied().collect());
        }
        Ok(())
    });
    (levels, out)
}

fn max_rel_diff(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    let scale = b.iter().flatten().fold(0.0_f64, |m, x| m.max(x.abs()));
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

fn newton_march(p: &Heat1D, every: usize) -> Vec<Vec<f64>> {
    let opts = SolveOptions {
        mode: Mode::March,
        snapshot_every: every,
        newton: heatgpu::solver::newton::NewtonOptions {
            atol: 1e-13,
            ..Default::default()
        },
    };
    let s = solve_cpu(p, &opts, None, &mut |_, _| {}).unwrap();
    s.field.rows().into_iter().map(|r| r.to_vec()).collect()
}

fn sweep(base: &Heat1D, alphas: &[f64]) -> Vec<Heat1D> {
    alphas
        .iter()
        .map(|&alpha| Heat1D {
            alpha,
            t_x0: 60.0 + alpha * 100.0,
            ..base.clone()
        })
        .collect()
}

#[test]
fn cpu_theta_march_matches_the_newton_march_and_sweeps_match_single_solves() {
    for (theta, nx) in [(1.0, 11), (0.5, 301)] {
        let base = Heat1D {
            nt: 1201,
            nx,
            theta,
            t_max: 5.0,
            ..Heat1D::default()
        };
        let problems = sweep(&base, &[0.005, 0.01, 0.02]);
        let mut batch = CpuThetaMarch::new(&problems).unwrap();
        let (levels, members) = collect(3, base.nt, 100, |nt, every, on| {
            batch.march(nt, every, on, &mut |_| {}).unwrap();
        });
        assert_eq!(levels, (0..=1200).step_by(100).collect::<Vec<_>>());
        for (p, rows) in problems.iter().zip(&members) {
            let reference = newton_march(p, 100);
            let err = max_rel_diff(rows, &reference);
            assert!(
                err < 1e-11,
                "theta={theta} nx={nx} alpha={}: {err:e}",
                p.alpha
            );
        }
    }
}

#[test]
fn nonlinear_problems_are_refused_with_the_reason() {
    let p = Heat1D {
        nt: 11,
        beta: 0.01,
        theta: 1.0,
        ..Heat1D::default()
    };
    let err = CpuThetaMarch::new(&[p]).err().unwrap().to_string();
    assert!(err.contains("beta") && err.contains("linear"), "{err}");
}

fn context() -> Option<GpuContext> {
    GpuContext::for_tests_with(&AdapterRequest::from_env(), Some(Precision::F64))
}

/// A single large grid (partitioned solver) and a sweep (batched solver) on the GPU, with more
/// steps than one submit holds, against the CPU twins.
#[test]
fn gpu_theta_march_matches_the_cpu() {
    let Some(mut ctx) = context() else { return };
    let cases = [
        (
            Heat1D {
                nt: 1301,
                nx: 5000,
                theta: 1.0,
                t_max: 1.0,
                ..Heat1D::default()
            },
            vec![0.01],
        ),
        (
            Heat1D {
                nt: 700,
                nx: 64,
                theta: 0.5,
                t_max: 2.0,
                ..Heat1D::default()
            },
            (1..=37).map(|k| 0.001 * k as f64).collect(),
        ),
    ];
    for (base, alphas) in cases {
        let problems = sweep(&base, &alphas);
        let m = problems.len();
        let mut cpu = CpuThetaMarch::new(&problems).unwrap();
        let (cpu_levels, cpu_rows) = collect(m, base.nt, 97, |nt, every, on| {
            cpu.march(nt, every, on, &mut |_| {}).unwrap();
        });
        let mut gpu = GpuThetaMarch::new(ctx, &problems).unwrap();
        let before = gpu.context().ledger().snapshot();
        let (gpu_levels, gpu_rows) = collect(m, base.nt, 97, |nt, every, on| {
            gpu.march(nt, every, on, &mut |_| {}).unwrap();
        });
        let d = gpu.context().ledger().snapshot().since(&before);
        assert_eq!(gpu_levels, cpu_levels);
        // The sweep runs the CPU's algorithm (Thomas per member); the single grid the
        // partitioned solver, whose rounding differs from Thomas by a few eps per step and adds
        // up over the steps (the scheme is a contraction, so no faster): allow 50 eps per step
        // (measured on lavapipe: 6.2e-12 after 1300 steps, 22 eps per step).
        let bound = if m == 1 {
            50.0 * f64::EPSILON * base.nt as f64
        } else {
            1e-12
        };
        for (s, (g, c)) in gpu_rows.iter().zip(&cpu_rows).enumerate() {
            let err = max_rel_diff(g, c);
            eprintln!(
                "nx={} member {s}: GPU vs CPU march relative error {err:e}",
                base.nx
            );
            assert!(
                err <= bound,
                "nx={} member {s}: {err:e} > {bound:e}",
                base.nx
            );
        }
        // The march creates nothing and downloads only the kept levels, and with each download
        // the largest step residual since the last one (one 8-byte slot).
        assert_eq!(d.buffers_created, 0, "{d:?}");
        let kept_bytes = (gpu_levels.len() * base.nx * m * 8) as u64;
        let scalars = d.bytes_downloaded - kept_bytes;
        assert!(
            scalars.is_multiple_of(8) && scalars <= 8 * d.submits,
            "{d:?}: {scalars} bytes besides the kept levels"
        );
        assert!(
            d.submits < base.nt as u64 / 50,
            "many steps per submit: {d:?}"
        );
        ctx = gpu.into_context();
    }
}
