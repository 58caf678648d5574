//! Errors of the GPU path. Every message is one line naming the parameter or limit at fault.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum GpuError {
    #[error(
        "no GPU adapter found (backends: {backends}); install mesa-vulkan-drivers for a \
         software Vulkan adapter (lavapipe), or use --backend cpu"
    )]
    NoAdapter { backends: String },

    #[error(
        "no adapter name contains `{requested}` (WGPU_ADAPTER_NAME); available: {}",
        if available.is_empty() { "none".to_owned() } else { available.join(", ") }
    )]
    AdapterNotFound {
        requested: String,
        available: Vec<String>,
    },

    #[error("{var}=`{value}` is not valid; accepted: {accepted}")]
    BadEnv {
        var: &'static str,
        value: String,
        accepted: &'static str,
    },

    #[error(
        "adapter `{adapter}` lacks SHADER_F64, so precision f64 is unavailable; \
         use precision f32 or another adapter"
    )]
    F64Unsupported { adapter: String },

    #[error("requesting a device failed: {0}")]
    RequestDevice(String),

    #[error(
        "out of GPU memory during {what}{}",
        needed_bytes.map(|b| format!(" ({b} bytes requested)")).unwrap_or_default()
    )]
    OutOfMemory {
        what: String,
        needed_bytes: Option<u64>,
    },

    #[error("{what} needs {size_bytes} bytes but {limit} is {limit_bytes} bytes on this device")]
    BufferTooLarge {
        what: String,
        size_bytes: u64,
        limit: &'static str,
        limit_bytes: u64,
    },

    #[error(
        "{what}: offset {offset} and length {len} must be multiples of {align} bytes \
         and lie within the buffer's {buffer_size} bytes"
    )]
    BadRange {
        what: String,
        offset: u64,
        len: u64,
        align: u64,
        buffer_size: u64,
    },

    #[error(
        "{invocations} invocations do not fit a dispatch grid \
         (max_compute_workgroups_per_dimension = {max_per_dimension}, at most 2^32 invocations)"
    )]
    GridTooLarge {
        invocations: u64,
        max_per_dimension: u32,
    },

    #[error("unknown kernel `{name}`; known: {}", known.join(", "))]
    UnknownKernel {
        name: String,
        known: Vec<&'static str>,
    },

    #[error("wgpu validation error in {what}: {message}")]
    Validation { what: String, message: String },

    #[error("wgpu internal error in {what}: {message}")]
    Internal { what: String, message: String },

    #[error("mapping a buffer for reading failed: {0}")]
    Map(String),

    #[error("waiting for the GPU failed: {0}")]
    Poll(String),
}

/// Collapses a multi-line wgpu/naga diagnostic into one line, dropping wgpu's
/// "Validation Error" / "Caused by:" headings (the variant already says what it is).
pub(crate) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "Validation Error" && *l != "Caused by:")
        .collect::<Vec<_>>()
        .join(" | ")
}
