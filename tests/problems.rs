//! The generic drivers, tested once per problem and backend (diffsol's pattern): each model is a
//! problem paired with its exact solution and the agreement its method promises, and every model
//! runs through the same [`Problem`] interface on the CPU and, when an adapter exists, on the GPU
//! in f64. A new problem adds one model here.

use heatgpu::backend::Compute;
use heatgpu::gpu::GpuContext;
use heatgpu::precision::Precision;
use heatgpu::problems::burgers1d::exact::cole_hopf_level;
use heatgpu::problems::burgers1d::{Burgers1D, Stepping};
use heatgpu::problems::diffusion2d::exact::exact_discrete;
use heatgpu::problems::diffusion2d::{Boundary, Diffusion2D, Scheme};
use heatgpu::problems::heat1d::exact::semi_discrete_level;
use heatgpu::problems::Problem;
use heatgpu::Heat1D;

/// A problem, its exact final level, and the max-norm error (relative to max |exact|) its
/// method must stay under.
struct Model {
    problem: Box<dyn Problem>,
    exact: Vec<f64>,
    tolerance: f64,
    /// Whether the GPU runs this model (the adaptive march runs on the CPU only).
    on_gpu: bool,
}

fn models() -> Vec<Model> {
    // P1, Crank-Nicolson, against the semi-discrete solution: the error is the O(dt^2) time
    // error alone.
    let heat = Heat1D {
        nt: 2001,
        nx: 21,
        theta: 0.5,
        t_max: 5.0,
        ..Heat1D::default()
    };
    let heat_exact = semi_discrete_level(&heat, heat.t_max);
    // P3, Crank-Nicolson against Cole-Hopf (O(dx^2 + dt^2)); and adaptive TR-BDF2 to 1e-6.
    let burgers = Burgers1D {
        n: 512,
        stepping: Stepping::Fixed { steps: 200 },
        ..Burgers1D::default()
    };
    let adaptive = Burgers1D {
        n: 512,
        stepping: Stepping::Adaptive { tol: 1e-6 },
        ..Burgers1D::default()
    };
    let cole_hopf = |p: &Burgers1D| {
        let mut level = vec![0.0; p.n];
        cole_hopf_level(p, p.t_end, &mut level);
        level
    };
    // P2, explicit and ADI on a non-square odd grid, against the exact discrete solution.
    let d2 = |scheme, boundary, dt| Diffusion2D {
        ny: 33,
        nx: 48,
        d: 1.0,
        dt,
        h: 1.0,
        steps: 40,
        scheme,
        boundary,
        edge: 0.0,
        snapshot_every: 0,
    };
    let d2_model = |p: Diffusion2D| Model {
        exact: exact_discrete(&p, &p.initial_field(), p.steps),
        problem: Box::new(p),
        tolerance: 1e-12,
        on_gpu: true,
    };
    vec![
        Model {
            problem: Box::new(heat),
            exact: heat_exact,
            tolerance: 2e-8,
            on_gpu: true,
        },
        Model {
            exact: cole_hopf(&burgers),
            problem: Box::new(burgers),
            tolerance: 1e-4,
            on_gpu: true,
        },
        Model {
            exact: cole_hopf(&adaptive),
            problem: Box::new(adaptive),
            tolerance: 1e-4,
            on_gpu: false,
        },
        d2_model(d2(Scheme::Explicit, Boundary::Periodic, 0.2)),
        d2_model(d2(Scheme::Adi, Boundary::Dirichlet, 3.0)),
    ]
}

/// max |a - b| / max |b|.
fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let diff = a
        .iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()));
    diff / scale
}

fn check(model: &Model, compute: Compute, backend: &str) {
    let p = &model.problem;
    p.validate().unwrap();
    let shape = p.level_shape();
    assert_eq!(p.initial_level().len(), shape.iter().product::<usize>());
    let level = p.solve_final_level(compute).unwrap();
    assert_eq!(level.len(), model.exact.len(), "{}", p.name());
    let error = relative_error(&level, &model.exact);
    eprintln!(
        "{} {shape:?} on {backend}: error {error:.2e} at t = {} (tolerance {:.0e})",
        p.name(),
        p.end_time(),
        model.tolerance
    );
    assert!(
        error <= model.tolerance,
        "{} on {backend}: {error:e} > {:e}",
        p.name(),
        model.tolerance
    );
}

#[test]
fn every_problem_matches_its_exact_solution_on_the_cpu() {
    for model in models() {
        check(&model, Compute::Cpu, "cpu");
    }
}

#[test]
fn every_problem_matches_its_exact_solution_on_the_gpu() {
    let request = heatgpu::gpu::AdapterRequest::from_env();
    let context = || GpuContext::for_tests_with(&request, Some(Precision::F64));
    if context().is_none() {
        return; // no adapter: skipped with a notice
    }
    for model in models().into_iter().filter(|m| m.on_gpu) {
        let ctx = context().expect("an adapter was found above");
        check(&model, Compute::Gpu(Box::new(ctx)), "gpu");
    }
}
