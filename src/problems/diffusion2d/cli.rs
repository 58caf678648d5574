//! `heatgpu solve diffusion2d`: arguments and the run. Everything is validated (sizes, values,
//! the input file, the memory the run needs) before the march allocates; snapshots stream to the
//! `.npy` file and the GIF as they arrive; a NaN or an infinity stops the run with the step and
//! the point.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Args;
use ndarray::{Array2, ArrayView2};
use serde_json::json;

use super::march::{run_to_end, Marcher2d};
use super::params::{Boundary, Diffusion2D, Scheme, Target};
use super::team::default_threads;
use super::{gpu, CpuAdi, CpuExplicit};
use crate::backend::Compute;
use crate::cli::report::{note, DelayedProgress};
use crate::cli::ComputeArgs;
use crate::error::Error;
use crate::input::read_field;
use crate::memory::ensure_fits;
use crate::output::Outputs;
use crate::plot::{field_map_png, FieldGif};
use crate::precision::Precision;
use crate::problems::heat1d::solve::{Mode, WorkShape};

/// `heatgpu solve diffusion2d`: u_t = D (u_xx + u_yy) on an ny x nx grid (PROBLEMS.md P2).
#[derive(Args, Debug, Clone)]
// Negative values parse without `=` (`--edge -1`); validation names the parameter.
#[command(allow_negative_numbers = true)]
pub struct Diffusion2dArgs {
    /// Square grid of N x N points (or give --nx and --ny, or --input).
    #[arg(long, value_name = "N", conflicts_with_all = ["nx", "ny"])]
    pub n: Option<usize>,
    /// Points along x (columns).
    #[arg(long, requires = "ny")]
    pub nx: Option<usize>,
    /// Points along y (rows).
    #[arg(long, requires = "nx")]
    pub ny: Option<usize>,
    /// Time steps (at least 1).
    #[arg(long, default_value_t = 500,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub steps: usize,
    #[arg(long, default_value_t = 0.1)]
    pub dt: f64,
    /// Diffusivity D.
    #[arg(long, default_value_t = 1.0)]
    pub d: f64,
    /// Grid spacing h = dx = dy.
    #[arg(long, default_value_t = 1.0)]
    pub h: f64,
    /// explicit: the book's update (r = D dt / h^2 <= 1/4); adi: Peaceman-Rachford, any r.
    #[arg(long, value_enum, default_value_t = Scheme::Explicit)]
    pub scheme: Scheme,
    #[arg(long, value_enum, default_value_t = Boundary::Periodic)]
    pub boundary: Boundary,
    /// Dirichlet edge value (rows 0, ny-1 and columns 0, nx-1).
    #[arg(long, default_value_t = 0.0, value_name = "VALUE")]
    pub edge: f64,
    /// Keep the field every K steps (and at step 0) in --out and --gif.
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub snapshot_every: usize,
    /// Initial field, an ny x nx f64 .npy (default: the book's square of 0.005).
    #[arg(long, value_name = "F.npy")]
    pub input: Option<PathBuf>,
    /// Write the final field (ny x nx) or, with --snapshot-every, the snapshots (k x ny x nx).
    #[arg(long, value_name = "FILE.npy")]
    pub out: Option<PathBuf>,
    /// Write a colour map of the final field with a colour bar.
    #[arg(long, value_name = "FILE.png")]
    pub png: Option<PathBuf>,
    /// Write an animation of the snapshots (needs --snapshot-every).
    #[arg(long, value_name = "FILE.gif")]
    pub gif: Option<PathBuf>,
    /// Print a machine-readable summary instead of text.
    #[arg(long)]
    pub json: bool,
    /// --backend and --precision (auto: the problem's cost model, said in one line).
    #[command(flatten)]
    pub compute: ComputeArgs,
    /// CPU worker threads (default: all, at most one per 65536 grid points), 1 to 1024.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

impl Diffusion2dArgs {
    /// The problem, with the grid from --n, --nx/--ny or the input file's shape.
    fn problem(&self, input_shape: Option<(usize, usize)>) -> anyhow::Result<Diffusion2D> {
        let (ny, nx) = match (self.n, self.ny, self.nx, input_shape) {
            (Some(n), _, _, _) => (n, n),
            (None, Some(ny), Some(nx), _) => (ny, nx),
            (None, _, _, Some(shape)) => shape,
            _ => bail!("give the grid: --n N, or --nx and --ny, or --input F.npy"),
        };
        if let Some(shape) = input_shape.filter(|&shape| shape != (ny, nx)) {
            bail!(
                "--input holds a {} x {} field for a {ny} x {nx} grid",
                shape.0,
                shape.1
            );
        }
        let problem = Diffusion2D {
            ny,
            nx,
            d: self.d,
            dt: self.dt,
            h: self.h,
            steps: self.steps,
            scheme: self.scheme,
            boundary: self.boundary,
            edge: self.edge,
            snapshot_every: self.snapshot_every,
        };
        problem.validate()?;
        Ok(problem)
    }
}

/// Runs `heatgpu solve diffusion2d`. Order: values, the input file's header, the output paths,
/// the backend, memory; then the march, whose snapshots stream into temporary files that are
/// renamed onto `--out`/`--gif` only when the whole run has succeeded.
pub fn run(args: &Diffusion2dArgs) -> anyhow::Result<()> {
    let input = match &args.input {
        // The field plus the CPU march's second field and snapshot buffer.
        Some(path) => Some(read_field("input", path, 16)?),
        None => None,
    };
    let input_shape = input
        .as_ref()
        .map(|f| f.shape_2d.unwrap_or((1, f.values.len())));
    let problem = args.problem(input_shape)?;
    if args.gif.is_some() && problem.snapshot_every == 0 {
        bail!("--gif animates the snapshots: give --snapshot-every K");
    }
    let mut outputs = Outputs::new();
    let out = outputs.reserve_opt("out", args.out.as_deref())?;
    let png = outputs.reserve_opt("png", args.png.as_deref())?;
    let gif_slot = outputs.reserve_opt("gif", args.gif.as_deref())?;
    // By default one worker per 64 Ki points: below that, waking threads costs more than it saves.
    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(|| default_threads().min((problem.points() >> 16).max(1)));
    let shape = WorkShape {
        mode: Mode::March,
        nt: problem.steps,
        nx: problem.points(),
        members: 1,
        linear: true,
    };
    let (compute, notice) =
        Compute::select(args.compute.backend, args.compute.precision, &shape, &[])?;
    if let Some(notice) = notice {
        note(&notice);
    }
    let precision = match &compute {
        Compute::Cpu => Precision::F64,
        Compute::Gpu(ctx) => ctx.precision(),
    };
    let initial = match input {
        Some(field) => field.values,
        None => problem.initial_field(),
    };
    problem.check_field(&initial, precision)?;
    let target = match compute {
        Compute::Cpu => Target::Cpu { threads },
        Compute::Gpu(_) => Target::Gpu(precision),
    };
    // Host memory: a CPU run's arrays, or a GPU run's host copy of one field and its snapshots.
    let host = match target {
        Target::Cpu { .. } => problem.memory_bytes(target),
        Target::Gpu(_) => {
            let slots = problem.gpu_snapshots_per_submit().max(1) as u64;
            (3 + slots) * 8 * problem.points() as u64
        }
    };
    ensure_fits("the 2D diffusion run", host, "use a smaller grid")?;

    let mut march: Box<dyn Marcher2d + '_> = match &compute {
        Compute::Cpu => match problem.scheme {
            Scheme::Explicit => Box::new(CpuExplicit::new(&problem, &initial, threads, None)?),
            Scheme::Adi => Box::new(CpuAdi::new(&problem, &initial, threads)?),
        },
        Compute::Gpu(ctx) => gpu::new_marcher(ctx, &problem, &initial)?,
    };
    let backend = match &compute {
        Compute::Cpu => format!("cpu ({threads} threads)"),
        Compute::Gpu(ctx) => format!("gpu {}", ctx.summary()),
    };

    let snapshots = problem.snapshot_count();
    let (ny, nx) = (problem.ny, problem.nx);
    let extent = |n: usize| (0.0, (n - 1) as f64 * problem.h);
    let title = format!(
        "u after {} steps ({:?}, {:?})",
        problem.steps, problem.scheme, problem.boundary
    );
    let mut gif = match gif_slot {
        Some(slot) => {
            let (low, high) = finite_range(&initial);
            let high = if high > low { high } else { low + 1.0 };
            Some(FieldGif::create(
                outputs.temp_path(slot),
                (ny, nx),
                extent(nx),
                extent(ny),
                (low, high),
                &format!("u ({:?}, {:?})", problem.scheme, problem.boundary),
                "u",
                Duration::from_millis(80),
            )?)
        }
        None => None,
    };
    let mut field = vec![0.0; problem.points()];
    let seconds = {
        let mut npy = match out {
            Some(slot) if snapshots > 0 => Some(outputs.npy_rows(slot, &[snapshots, ny, nx])?),
            _ => None,
        };
        let mut progress = DelayedProgress::new("steps");
        let total = problem.steps as u64;
        let mut index = 0;
        let start = Instant::now();
        run_to_end(
            march.as_mut(),
            &mut field,
            &mut |step, u| {
                if let Some(npy) = npy.as_mut() {
                    for (i, row) in u.chunks_exact(nx).enumerate() {
                        npy.write_row(index * ny + i, row)?;
                    }
                }
                if let Some(gif) = gif.as_mut() {
                    let view = ArrayView2::from_shape((ny, nx), u).expect("ny x nx values");
                    gif.push_frame(step as f64 * problem.dt, view)
                        .map_err(|e| Error::Config(format!("writing the GIF: {e}")))?;
                }
                index += 1;
                Ok(())
            },
            &mut |done| progress.update(done as u64, total),
        )?;
        if let Some(npy) = npy {
            npy.finish()?;
        }
        start.elapsed().as_secs_f64()
    };
    let final_field = Array2::from_shape_vec((ny, nx), field).expect("ny x nx values");
    if let (Some(slot), 0) = (out, snapshots) {
        let mut rows = outputs.npy_rows(slot, &[ny, nx])?;
        for (i, row) in final_field.outer_iter().enumerate() {
            rows.write_row(i, row.as_slice().expect("row-major"))?;
        }
        rows.finish()?;
    }
    if let Some(slot) = png {
        field_map_png(
            outputs.temp_path(slot),
            &final_field,
            extent(nx),
            extent(ny),
            &title,
            "u",
        )?;
    }
    if let Some(gif) = gif {
        gif.finish()?;
    }
    outputs.commit()?;
    report(args, &problem, &backend, precision, seconds, &final_field)
}

fn report(
    args: &Diffusion2dArgs,
    problem: &Diffusion2D,
    backend: &str,
    precision: Precision,
    seconds: f64,
    field: &Array2<f64>,
) -> anyhow::Result<()> {
    let (min, max) = finite_range(field.as_slice().expect("row-major"));
    let mean = field.mean().unwrap_or(0.0);
    let point_steps = (problem.points() * problem.steps) as f64;
    if args.json {
        let summary = json!({
            "problem": problem,
            "r": problem.r(),
            "backend": backend,
            "precision": precision,
            "seconds": seconds,
            "point_steps_per_second": point_steps / seconds,
            "final": { "min": min, "max": max, "mean": mean },
            "out": args.out, "png": args.png, "gif": args.gif,
        });
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "diffusion2d {} x {}, {:?} {:?}, r = {:.4}, {} steps on {backend} ({precision}): {seconds:.3} s, {:.3e} point-steps/s",
            problem.ny, problem.nx, problem.scheme, problem.boundary, problem.r(), problem.steps,
            point_steps / seconds
        );
        println!("final field: min {min:.6e}, max {max:.6e}, mean {mean:.6e}");
        for (what, path) in [
            ("field", &args.out),
            ("colour map", &args.png),
            ("animation", &args.gif),
        ] {
            if let Some(path) = path {
                println!("wrote {what} {}", path.display());
            }
        }
    }
    Ok(())
}

/// Smallest and largest value (all values are finite: the march checked them).
fn finite_range(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}
