//! Where a Burgers run goes, for the CLI and the Python package alike. `auto` takes a hardware
//! GPU for fixed steps of at least [`GPU_MIN_UNKNOWNS`] unknowns per step that the device plan
//! accepts, and says why in one line; adaptive steps run on the CPU; the CPU computes in f64.

use crate::backend::{Backend, Compute};
use crate::error::{Error, Result};
use crate::gpu::{AdapterRequest, GpuContext};
use crate::precision::Precision;

use super::gpu::device_plan;
use super::params::{Burgers1D, Stepping};

/// Unknowns per step below which dispatch overhead dominates a GPU step.
pub const GPU_MIN_UNKNOWNS: usize = 100_000;

/// The backend for `members` (one run or a sweep, all with the same stepping) and, for
/// `auto`, the one-line reason for its choice.
pub fn select_compute(
    backend: Backend,
    precision: Option<Precision>,
    members: &[Burgers1D],
) -> Result<(Compute, Option<String>)> {
    let first = &members[0];
    let adaptive = matches!(first.stepping, Stepping::Adaptive { .. });
    let cpu_f32 = || {
        Error::invalid(
            "precision",
            "f32",
            "the CPU computes in f64; choose the gpu backend for f32",
        )
    };
    let request = AdapterRequest::from_env();
    match backend {
        Backend::Cpu if precision == Some(Precision::F32) => Err(cpu_f32()),
        Backend::Cpu => Ok((Compute::Cpu, None)),
        Backend::Gpu if adaptive => Err(Error::invalid(
            "backend",
            "gpu",
            "adaptive steps (tol) run on the CPU; give a step count for the GPU",
        )),
        Backend::Gpu => {
            let ctx = GpuContext::new(&request, precision)?;
            Ok((Compute::Gpu(Box::new(ctx)), None))
        }
        Backend::Auto => {
            let unknowns = members.len() * first.n;
            let why = match first.stepping {
                Stepping::Adaptive { .. } => "adaptive steps run on the CPU".to_string(),
                Stepping::Fixed { .. } if unknowns < GPU_MIN_UNKNOWNS => format!(
                    "a step has {unknowns} unknowns: dispatch overhead would dominate on a GPU"
                ),
                Stepping::Fixed { steps } => match GpuContext::new(&request, precision) {
                    Ok(ctx) if !ctx.summary().is_software => {
                        match device_plan(members, steps, ctx.precision()) {
                            Ok(_) => {
                                let notice = format!(
                                    "auto: GPU {}: a step has {unknowns} unknowns",
                                    ctx.summary().name
                                );
                                return Ok((Compute::Gpu(Box::new(ctx)), Some(notice)));
                            }
                            Err(e) => format!("the GPU cannot run it ({e})"),
                        }
                    }
                    Ok(ctx) => format!(
                        "the only adapter ({}) is software, slower than the CPU",
                        ctx.summary().name
                    ),
                    Err(e) => format!("no usable GPU ({e})"),
                },
            };
            if precision == Some(Precision::F32) {
                return Err(cpu_f32());
            }
            Ok((Compute::Cpu, Some(format!("auto: CPU: {why}"))))
        }
    }
}
