//! `heatgpu bench`: the same operations on the CPU and every adapter, one table.

use std::path::PathBuf;

use clap::Args;

use crate::output::Outputs;
use crate::precision::Precision;

use super::report::{emit, note, say};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Small sizes (nt = 1e5) and 3 repeats.
    #[arg(long)]
    pub quick: bool,
    /// Operations to run.
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
    if let Some(ops) = &args.ops {
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
                label: format!(
                    "{} {}",
                    serde_json::to_value(row.op)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    row.size
                ),
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
        "{:<14} {:>12} {:>10} {:<34} {:>10} {:>10} {:>21} {:>10} {:>9} {:>7} {:>6} {:>8}",
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
        "GPU/CPU"
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
            "{:<14} {:>12} {:>10.3e} {:<34} {:>10} {:>10} {:>21} {:>10} {:>9.1} {:>7.2} {:>6} {:>8}",
            serde_json::to_value(row.op)?.as_str().unwrap_or("?"),
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
            row.gpu_speedup
                .map_or("-".to_string(), |r| format!("{r:.2}x")),
        );
    }
    for note in &report.skipped {
        say!(out, "skipped: {note}");
    }
    say!(
        out,
        "setup: buffers, pipelines and uploads of fixed data, once (not in the timings); median/spread: wall time of a\n\
         run incl. uploads and downloads, warm-up excluded; kernel: GPU time of the compute passes (timestamp queries);\n\
         GB/s from the minimum bytes per unknown (copy, residual, batched-shared: 2 reals; batched, large: 5; Newton: 6; march: 7 per point-step)\n\
         and the kernel time where measured; %copy: against the same backend's copy (largest size, all CPU threads);\n\
         GPU/CPU: CPU median over GPU median (end to end). The CPU Newton and tridiagonal solves run on one thread.\n\
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
