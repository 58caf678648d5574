//! `heatgpu info`: the CPU, the memory the process may use, and every adapter (works with none).

use clap::Args;
use serde_json::json;

use crate::memory::MemoryBudget;

use super::report::{emit, say};

#[derive(Args, Debug)]
pub struct InfoArgs {
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &InfoArgs) -> anyhow::Result<()> {
    let mut out = String::new();
    let threads = rayon::current_num_threads();
    let budget = MemoryBudget::detect();
    let memory = budget.bytes;
    let adapters = crate::gpu::list_adapters();
    if args.json {
        let report = json!({ "cpu_threads": threads, "memory": budget, "adapters": adapters });
        say!(out, "{}", serde_json::to_string_pretty(&report)?);
        return emit(&out);
    }
    say!(
        out,
        "cpu        {threads} threads, f64 (the reference backend; always available)"
    );
    match memory {
        Some(bytes) => say!(
            out,
            "memory     {:.1} GiB may be used (limited by {})",
            bytes as f64 / (1u64 << 30) as f64,
            budget.limited_by
        ),
        None => say!(out, "memory     unknown"),
    }
    if adapters.is_empty() {
        say!(
            out,
            "adapters   none: GPU commands fall back to the CPU (install mesa-vulkan-drivers for lavapipe)"
        );
    }
    for a in &adapters {
        say!(out, "adapter    {a}");
        say!(
            out,
            "           shader_f64 {}, timestamp_query {}, max buffer {} MiB, max storage binding {} MiB, workgroup <= {} invocations, {} workgroups per dimension",
            a.shader_f64,
            a.timestamp_query,
            a.max_buffer_size >> 20,
            a.max_storage_buffer_binding_size >> 20,
            a.max_compute_invocations_per_workgroup,
            a.max_compute_workgroups_per_dimension
        );
        if a.is_software {
            say!(
                out,
                "           software adapter: timings say nothing about GPU speed"
            );
        }
    }
    emit(&out)
}
