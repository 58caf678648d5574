//! `heatgpu bench`: the same operations on the CPU and every adapter, one table.

use std::path::PathBuf;

use clap::Args;

use crate::output::Outputs;
use crate::precision::Precision;

use super::report::{emit, note, say};

/// `--problem`: which problem's operations to time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProblemChoice {
    /// P1: copy, residual, newton, p1-blocked, p1-newton-scan, tridiagonal solves, march.
    Heat1d,
    /// P3: burgers-march (n = 1e6) and burgers-sweep (4096 x 1024).
    Burgers,
    /// P2: diffusion2d-explicit and diffusion2d-adi at 1024^2, 2048^2, 4096^2.
    Diffusion2d,
    /// All three, one table.
    All,
}

impl ProblemChoice {
    fn problems(self) -> Vec<crate::bench::BenchProblem> {
        use crate::bench::BenchProblem::*;
        match self {
            ProblemChoice::Heat1d => vec![Heat1d],
            ProblemChoice::Burgers => vec![Burgers],
            ProblemChoice::Diffusion2d => vec![Diffusion2d],
            ProblemChoice::All => vec![Heat1d, Burgers, Diffusion2d],
        }
    }
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Small sizes (nt = 1e5; Burgers n = 1e5, 256 members; 2D 256^2 and 512^2) and 3 repeats.
    #[arg(long)]
    pub quick: bool,
    /// The problem whose operations are timed.
    #[arg(long, value_enum, default_value = "heat1d")]
    pub problem: ProblemChoice,
    /// Operations to run (of the chosen problems; default: all of theirs).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub ops: Option<Vec<crate::bench::BenchOp>>,
    /// Time levels of the P1 problems (nx = 11), e.g. --nt 1000000,10000000 (each >= 2).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u64).range(2..))]
    pub nt: Option<Vec<u64>>,
    /// Timed runs per measurement (after one warm-up), at least 1.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000), allow_negative_numbers = true)]
    pub repeats: Option<u32>,
    /// Skip the CPU or the GPU side.
    #[arg(long, conflicts_with = "gpu_only")]
    pub cpu_only: bool,
    #[arg(long)]
    pub gpu_only: bool,
    /// GPU precision (default: f64 where the adapter has it).
    #[arg(long, value_enum)]
    pub precision: Option<Precision>,
    /// Also write the report as JSON.
    #[arg(long, value_name = "FILE.json")]
    pub json: Option<PathBuf>,
    /// Also draw the comparison as a bar chart (PNG, log scale).
    #[arg(long, value_name = "FILE.png")]
    pub png: Option<PathBuf>,
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    use crate::bench::{run_bench, BenchOptions};
    let mut options = BenchOptions::standard(args.quick);
    options.problems = args.problem.problems();
    if let Some(ops) = &args.ops {
        let available = crate::bench::operations_of(&options);
        if let Some(op) = ops.iter().find(|op| !available.contains(op)) {
            let names: Vec<String> = available.iter().map(|op| op.name()).collect();
            let requirement = format!(
                "an operation of --problem {} ({})",
                clap::ValueEnum::to_possible_value(&args.problem)
                    .map_or_else(String::new, |v| v.get_name().to_string()),
                names.join(", ")
            );
            return Err(crate::error::HeatError::invalid("--ops", op.name(), &requirement).into());
        }
        options.ops = ops.clone();
    }
    if let Some(nt) = &args.nt {
        options.nts = nt.iter().map(|&n| n as usize).collect();
    }
    options.repeats = args.repeats.map_or(options.repeats, |r| r as usize);
    options.cpu = !args.gpu_only;
    options.gpu = !args.cpu_only;
    options.precision = args.precision;
    let mut outputs = Outputs::new();
    let json_slot = outputs.reserve_opt("json", args.json.as_deref())?;
    let png_slot = outputs.reserve_opt("png", args.png.as_deref())?;
    let report = run_bench(&options, &mut |what| note(&format!("measuring {what}")))?;
    if let Some(slot) = json_slot {
        let text = serde_json::to_string_pretty(&report)?;
        outputs.write_all(slot, text.as_bytes())?;
    }
    if let Some(slot) = png_slot {
        let bars: Vec<crate::plot::Bar> = report
            .rows
            .iter()
            .map(|row| crate::plot::Bar {
                label: format!("{} {}", row.op.name(), row.size),
                value: row.end_to_end.median_s,
                group: if row.label.backend == "cpu" {
                    format!("cpu ({} threads)", report.cpu_threads)
                } else {
                    format!(
                        "{}{}",
                        short_device(&row.label.device),
                        if row.software { " (software)" } else { "" }
                    )
                },
            })
            .collect();
        let title = "heatgpu bench: median wall time, lower is better";
        crate::plot::bar_chart_png(
            outputs.temp_path(slot),
            title,
            "s",
            &bars,
            crate::plot::BarScale::Log10,
        )?;
    }
    outputs.commit()?;
    let mut out = String::new();
    say!(
        out,
        "cpu: {} threads; adapters: {}",
        report.cpu_threads,
        adapter_names(&report.adapters)
    );
    say!(
        out,
        "{:<20} {:>16} {:>10} {:<34} {:>10} {:>10} {:>21} {:>10} {:>9} {:>7} {:>6} {:>7} {:>8}  {}",
        "op",
        "size",
        "unknowns",
        "backend",
        "setup",
        "median",
        "spread (min..max)",
        "kernel",
        "Munk/s",
        "GB/s",
        "%copy",
        "copies",
        "GPU/CPU",
        "check"
    );
    for row in &report.rows {
        let backend = format!(
            "{} {}{}",
            if row.label.backend == "cpu" {
                format!("cpu ({} thr)", report.cpu_threads)
            } else {
                short_device(&row.label.device)
            },
            row.label.precision,
            if row.software { " software" } else { "" }
        );
        let ms = |s: f64| format!("{:.2} ms", s * 1e3);
        say!(
            out,
            "{:<20} {:>16} {:>10.3e} {:<34} {:>10} {:>10} {:>21} {:>10} {:>9.1} {:>7.2} {:>6} {:>7} {:>8}  {}",
            row.op.name(),
            row.size,
            row.unknowns as f64,
            backend,
            ms(row.setup_s),
            ms(row.end_to_end.median_s),
            format!("{}..{}", ms(row.end_to_end.min_s), ms(row.end_to_end.max_s)),
            row.kernel.map_or("-".to_string(), |k| ms(k.median_s)),
            row.unknowns_per_s / 1e6,
            row.gb_per_s,
            row.percent_of_copy
                .map_or("-".to_string(), |p| format!("{p:.0}%")),
            row.copy_times
                .map_or("-".to_string(), |c| format!("{c:.2}")),
            row.gpu_speedup
                .map_or("-".to_string(), |r| format!("{r:.2}x")),
            row.check.as_deref().unwrap_or(""),
        );
    }
    for note in &report.skipped {
        say!(out, "skipped: {note}");
    }
    say!(
        out,
        "setup: buffers, pipelines and uploads of fixed data, once (not in the timings); median/spread: wall time of a\n\
         run incl. uploads and downloads, warm-up excluded; kernel: GPU time of the compute passes (timestamp queries);\n\
         GB/s from the minimum bytes per unknown (copy, residual, batched-shared, p1-blocked: 2 reals; p1-newton-scan: 3; batched, large: 5;\n\
         Newton: 6; march: 7 per point-step; burgers-*, diffusion2d-explicit: 2 per point-step; diffusion2d-adi: 4) and the kernel time\n\
         where measured; %copy: against the same backend's copy of the same problem (same size, else the largest; all CPU threads);\n\
         copies: time per unknown over that copy's time per value (p1 rows: the time in copies of the field; 2D: per step);\n\
         GPU/CPU: CPU median over GPU median (end to end). The CPU Newton, tridiagonal and p1-newton-scan (the old Thomas\n\
         march of the direction) run on one thread; p1-blocked runs on all. check: what the run verified about its result.\n\
         A software adapter (llvmpipe) runs on the CPU: its figures say nothing about GPU speed."
    );
    emit(&out)
}

fn adapter_names(adapters: &[crate::gpu::AdapterSummary]) -> String {
    if adapters.is_empty() {
        return "none".to_string();
    }
    adapters
        .iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The adapter name without its details in brackets and parentheses.
fn short_device(device: &str) -> String {
    let name = device
        .split([' '])
        .take_while(|w| !w.starts_with(['(', '[']))
        .collect::<Vec<_>>()
        .join(" ");
    name.chars().take(24).collect()
}
