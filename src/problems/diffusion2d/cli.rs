//! `heatgpu solve diffusion2d`: arguments and the run. Everything is validated (sizes, values,
//! the input file, the memory the run needs) before the march allocates; snapshots stream to the
//! `.npy` file and the GIF as they arrive; a NaN or an infinity stops the run with the step and
//! the point.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ndarray::Array2;
use serde_json::json;

use super::march::{run_to_end, Marcher2d};
use super::params::{Boundary, Diffusion2D, Scheme, Target};
use super::team::default_threads;
use super::{gpu, CpuAdi, CpuExplicit};
use crate::output::NpyRows;
use crate::precision::Precision;
use crate::problem::memory::ensure_fits;
use crate::solve::{Backend, Compute, Mode, WorkShape};

/// `heatgpu solve diffusion2d`: u_t = D (u_xx + u_yy) on an ny x nx grid (PROBLEMS.md P2).
#[derive(Args, Debug, Clone)]
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
    /// Time steps.
    #[arg(long, default_value_t = 500)]
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
    /// auto: the CPU, or a hardware GPU when a step has enough points (said in one line).
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    pub backend: Backend,
    /// GPU precision (default f64 where the adapter has it); the CPU computes in f64.
    #[arg(long, value_enum)]
    pub precision: Option<Precision>,
    /// CPU worker threads (default: all, at most one per 65536 grid points).
    #[arg(long)]
    pub threads: Option<usize>,
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

/// Runs `heatgpu solve diffusion2d`.
pub fn run(args: &Diffusion2dArgs) -> anyhow::Result<()> {
    let input = match &args.input {
        Some(path) => {
            let field: Array2<f64> = ndarray_npy::read_npy(path).with_context(|| {
                format!("reading --input {} (an f64 ny x nx .npy)", path.display())
            })?;
            Some(field)
        }
        None => None,
    };
    let problem = args.problem(input.as_ref().map(|f| f.dim()))?;
    if args.gif.is_some() && problem.snapshot_every == 0 {
        bail!("--gif animates the snapshots: give --snapshot-every K");
    }
    // By default one worker per 64 Ki points: below that, waking threads costs more than it saves.
    let threads = args
        .threads
        .unwrap_or_else(|| default_threads().min((problem.points() >> 16).max(1)));
    let shape = WorkShape {
        mode: Mode::March,
        nt: problem.steps,
        nx: problem.points(),
        members: 1,
        linear: true,
    };
    let (compute, notice) = Compute::select(args.backend, args.precision, &shape)?;
    if let Some(notice) = notice {
        eprintln!("note: {notice}");
    }
    let precision = match &compute {
        Compute::Cpu => Precision::F64,
        Compute::Gpu(ctx) => ctx.precision(),
    };
    let initial = match input {
        Some(field) => field.iter().copied().collect(),
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
    ensure_fits("the 2D diffusion run", host)?;

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
    let mut npy = match &args.out {
        Some(path) if snapshots > 0 => Some(NpyRows::create(path, &[snapshots, ny, nx])?),
        _ => None,
    };
    let (low, high) = finite_range(&initial);
    let mut gif = match &args.gif {
        Some(path) => Some(GifWriter::create(path, ny, nx, low, high)?),
        None => None,
    };
    let mut progress = Progress::new(problem.steps as u64);
    let mut field = vec![0.0; problem.points()];
    let mut index = 0;
    let start = Instant::now();
    run_to_end(
        march.as_mut(),
        &mut field,
        &mut |_step, u| {
            if let Some(npy) = npy.as_mut() {
                for (i, row) in u.chunks_exact(nx).enumerate() {
                    npy.write_row(index * ny + i, row)?;
                }
            }
            if let Some(gif) = gif.as_mut() {
                gif.frame(u)
                    .map_err(|e| crate::HeatError::Config(format!("writing the GIF: {e}")))?;
            }
            index += 1;
            Ok(())
        },
        &mut |done| progress.update(done as u64),
    )?;
    let seconds = start.elapsed().as_secs_f64();
    drop(progress);
    let final_field = Array2::from_shape_vec((ny, nx), field).expect("ny x nx values");
    if let (Some(path), 0) = (&args.out, snapshots) {
        let mut out = NpyRows::create(path, &[ny, nx])?;
        for (i, row) in final_field.outer_iter().enumerate() {
            out.write_row(i, row.as_slice().expect("row-major"))?;
        }
    }
    if let Some(path) = &args.png {
        let title = format!(
            "u after {} steps ({:?}, {:?})",
            problem.steps, problem.scheme, problem.boundary
        );
        let extent = |n: usize| (n - 1) as f64 * problem.h;
        crate::plot::field_map_png(path, &final_field, extent(ny), extent(nx), &title)?;
    }
    if let Some(gif) = gif {
        gif.finish()?;
    }
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

/// A progress bar shown only on runs longer than a second, on stderr.
struct Progress {
    bar: ProgressBar,
    start: Instant,
    shown: bool,
}

impl Progress {
    fn new(total: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} steps (eta {eta})",
        )
        .expect("valid template");
        bar.set_style(style);
        Progress {
            bar,
            start: Instant::now(),
            shown: false,
        }
    }

    fn update(&mut self, done: u64) {
        if !self.shown && self.start.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        self.bar.set_position(done);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Frames of at most this many pixels a side (block means of the field).
const GIF_SIDE: usize = 256;

/// An animated GIF of snapshots on a fixed colour scale (viridis over the initial field's range:
/// diffusion keeps values inside it), one 256-colour global palette, frames written as they come.
struct GifWriter {
    encoder: gif::Encoder<BufWriter<File>>,
    path: PathBuf,
    ny: usize,
    nx: usize,
    height: usize,
    width: usize,
    low: f64,
    high: f64,
    sums: Vec<f64>,
    /// Grid points averaged into each pixel.
    counts: Vec<f64>,
    pixels: Vec<u8>,
}

impl GifWriter {
    fn create(path: &Path, ny: usize, nx: usize, low: f64, high: f64) -> anyhow::Result<GifWriter> {
        let (height, width) = (ny.min(GIF_SIDE), nx.min(GIF_SIDE));
        let palette: Vec<u8> = (0..256)
            .flat_map(|k| crate::plot::viridis(k as f64 / 255.0))
            .collect();
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let mut encoder =
            gif::Encoder::new(BufWriter::new(file), width as u16, height as u16, &palette)
                .with_context(|| format!("writing {}", path.display()))?;
        encoder.set_repeat(gif::Repeat::Infinite)?;
        let mut counts = vec![0.0; height * width];
        for i in 0..ny {
            for j in 0..nx {
                counts[i * height / ny * width + j * width / nx] += 1.0;
            }
        }
        Ok(GifWriter {
            encoder,
            path: path.to_owned(),
            ny,
            nx,
            height,
            width,
            low,
            high: if high > low { high } else { low + 1.0 },
            sums: vec![0.0; height * width],
            counts,
            pixels: vec![0; height * width],
        })
    }

    fn frame(&mut self, u: &[f64]) -> anyhow::Result<()> {
        self.sums.fill(0.0);
        for (i, row) in u.chunks_exact(self.nx).enumerate() {
            let base = i * self.height / self.ny * self.width;
            for (j, &v) in row.iter().enumerate() {
                self.sums[base + j * self.width / self.nx] += v;
            }
        }
        for ((pixel, &sum), &count) in self.pixels.iter_mut().zip(&self.sums).zip(&self.counts) {
            let fraction = (sum / count - self.low) / (self.high - self.low);
            *pixel = (fraction.clamp(0.0, 1.0) * 255.0).round() as u8;
        }
        let mut frame = gif::Frame::from_indexed_pixels(
            self.width as u16,
            self.height as u16,
            self.pixels.clone(),
            None,
        );
        frame.delay = 8;
        self.encoder
            .write_frame(&frame)
            .with_context(|| format!("writing {}", self.path.display()))
    }

    fn finish(self) -> anyhow::Result<()> {
        let path = self.path.clone();
        let context = || format!("writing {}", path.display());
        let writer = self.encoder.into_inner().with_context(context)?;
        writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(context)?;
        Ok(())
    }
}
