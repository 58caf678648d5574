//! Adapter selection: which GPU a context opens, from `WGPU_BACKEND`, `WGPU_ADAPTER_NAME` and
//! `WGPU_POWER_PREF`, and what each adapter is.
//!
//! Selection never panics (unlike `wgpu::util::initialize_adapter_from_env`, which panics on
//! an unmatched `WGPU_ADAPTER_NAME`, and `PowerPreference::from_env`, which ignores bad
//! values): adapters are enumerated and filtered here, and every bad setting is a
//! [`GpuError`].

use std::fmt;
use std::sync::Mutex;

use serde::Serialize;

use super::error::GpuError;

const BACKENDS_ACCEPTED: &str = "comma-separated vulkan, metal, dx12, gl, primary, all";
const POWER_ACCEPTED: &str = "low, high, none";

/// Which adapter to use. `None` fields mean: all backends, any name, high performance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdapterRequest {
    /// Backends to search (`WGPU_BACKEND`), e.g. `"vulkan"` or `"vulkan,metal"`.
    pub backends: Option<String>,
    /// Case-insensitive substring of the adapter name (`WGPU_ADAPTER_NAME`).
    pub adapter_name: Option<String>,
    /// `"low"`, `"high"` or `"none"` (`WGPU_POWER_PREF`); used when no name is given.
    pub power_preference: Option<String>,
    /// Test hook: caps the device's `max_storage_buffer_binding_size` (bytes), so code
    /// that splits arrays into several bindings can be exercised on small arrays.
    pub max_storage_binding_bytes: Option<u64>,
}

impl AdapterRequest {
    /// Reads `WGPU_BACKEND`, `WGPU_ADAPTER_NAME` and `WGPU_POWER_PREF`; empty counts as unset.
    /// Values are checked by [`GpuContext::new`].
    pub fn from_env() -> Self {
        let var = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        AdapterRequest {
            backends: var("WGPU_BACKEND"),
            adapter_name: var("WGPU_ADAPTER_NAME"),
            power_preference: var("WGPU_POWER_PREF"),
            max_storage_binding_bytes: None,
        }
    }

    fn parsed_backends(&self) -> Result<wgpu::Backends, GpuError> {
        let Some(value) = &self.backends else {
            return Ok(wgpu::Backends::all());
        };
        let bad = || GpuError::BadEnv {
            var: "WGPU_BACKEND",
            value: value.clone(),
            accepted: BACKENDS_ACCEPTED,
        };
        let mut backends = wgpu::Backends::empty();
        for name in value.split(',') {
            backends |= match name.trim().to_lowercase().as_str() {
                "vulkan" | "vk" => wgpu::Backends::VULKAN,
                "metal" | "mtl" => wgpu::Backends::METAL,
                "dx12" | "d3d12" => wgpu::Backends::DX12,
                "gl" | "gles" | "opengl" => wgpu::Backends::GL,
                "primary" => wgpu::Backends::PRIMARY,
                "all" => wgpu::Backends::all(),
                _ => return Err(bad()),
            };
        }
        Ok(backends)
    }

    fn parsed_power_preference(&self) -> Result<wgpu::PowerPreference, GpuError> {
        let Some(value) = &self.power_preference else {
            return Ok(wgpu::PowerPreference::HighPerformance);
        };
        match value.trim().to_lowercase().as_str() {
            "low" => Ok(wgpu::PowerPreference::LowPower),
            "high" => Ok(wgpu::PowerPreference::HighPerformance),
            "none" => Ok(wgpu::PowerPreference::None),
            _ => Err(GpuError::BadEnv {
                var: "WGPU_POWER_PREF",
                value: value.clone(),
                accepted: POWER_ACCEPTED,
            }),
        }
    }
}

/// What an adapter is and the limits that matter for large 1-D arrays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    pub driver_info: String,
    /// CPU device type, or a known software rasteriser (llvmpipe, lavapipe, SwiftShader, WARP).
    pub is_software: bool,
    pub shader_f64: bool,
    /// Timestamp queries: kernel times in `heatgpu bench`.
    pub timestamp_query: bool,
    pub max_buffer_size: u64,
    pub max_storage_buffer_binding_size: u64,
    pub max_compute_workgroup_size_x: u32,
    pub max_compute_invocations_per_workgroup: u32,
    pub max_compute_workgroups_per_dimension: u32,
    pub max_storage_buffers_per_shader_stage: u32,
}

impl AdapterSummary {
    pub(super) fn new(adapter: &wgpu::Adapter) -> Self {
        let info = adapter.get_info();
        let limits = adapter.limits();
        let lower = info.name.to_lowercase();
        let is_software = info.device_type == wgpu::DeviceType::Cpu
            || ["llvmpipe", "lavapipe", "swiftshader", "warp"]
                .iter()
                .any(|s| lower.contains(s));
        AdapterSummary {
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            name: info.name,
            driver: info.driver,
            driver_info: info.driver_info,
            is_software,
            shader_f64: adapter.features().contains(wgpu::Features::SHADER_F64),
            timestamp_query: adapter.features().contains(wgpu::Features::TIMESTAMP_QUERY),
            max_buffer_size: limits.max_buffer_size,
            max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
            max_compute_workgroup_size_x: limits.max_compute_workgroup_size_x,
            max_compute_invocations_per_workgroup: limits.max_compute_invocations_per_workgroup,
            max_compute_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
            max_storage_buffers_per_shader_stage: limits.max_storage_buffers_per_shader_stage,
        }
    }
}

/// One line, e.g. `llvmpipe (LLVM 15.0.6, 256 bits) [Vulkan, Cpu, software, f64]`.
impl fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_software {
            "software"
        } else {
            "hardware"
        };
        let f64 = if self.shader_f64 { ", f64" } else { "" };
        let (name, backend, device_type) = (&self.name, &self.backend, &self.device_type);
        write!(f, "{name} [{backend}, {device_type}, {kind}{f64}]")
    }
}

/// One instance per set of backends for the whole process, shared by every context. Opening
/// a Vulkan instance per solve leaks driver state on some drivers: on an NVIDIA H100 (driver
/// 580) the adapter list came back empty after a few dozen contexts opened and dropped.
fn new_instance(backends: wgpu::Backends) -> wgpu::Instance {
    static INSTANCES: Mutex<Vec<(wgpu::Backends, wgpu::Instance)>> = Mutex::new(Vec::new());
    let mut instances = INSTANCES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, instance)) = instances.iter().find(|(b, _)| *b == backends) {
        return instance.clone();
    }
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    instances.push((backends, instance.clone()));
    instance
}

/// Every adapter on every compiled-in backend; empty on a machine without any.
pub fn list_adapters() -> Vec<AdapterSummary> {
    let instance = new_instance(wgpu::Backends::all());
    pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
        .iter()
        .map(AdapterSummary::new)
        .collect()
}

/// The backends of `backends` compiled into this build, e.g. `"vulkan"`, or `"none"`.
fn backend_names(backends: wgpu::Backends) -> String {
    let usable = backends & wgpu::Instance::enabled_backend_features();
    let names: Vec<String> = usable.iter_names().map(|(n, _)| n.to_lowercase()).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

pub(super) fn select_adapter(request: &AdapterRequest) -> Result<wgpu::Adapter, GpuError> {
    let backends = request.parsed_backends()?;
    let power_preference = request.parsed_power_preference()?;
    let instance = new_instance(backends);
    let adapters = pollster::block_on(instance.enumerate_adapters(backends));
    let no_adapter = || GpuError::NoAdapter {
        backends: backend_names(backends),
    };
    if adapters.is_empty() {
        return Err(no_adapter());
    }
    match &request.adapter_name {
        Some(wanted) => {
            let wanted_lower = wanted.to_lowercase();
            let available: Vec<String> = adapters.iter().map(|a| a.get_info().name).collect();
            adapters
                .into_iter()
                .find(|a| a.get_info().name.to_lowercase().contains(&wanted_lower))
                .ok_or_else(|| GpuError::AdapterNotFound {
                    requested: wanted.clone(),
                    available,
                })
        }
        None => pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference,
            force_fallback_adapter: false,
            compatible_surface: None,
            apply_limit_buckets: false,
        }))
        .map_err(|_| no_adapter()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_and_power_settings_parse_case_insensitively() {
        let request = AdapterRequest {
            backends: Some(" Vulkan, MTL ".to_owned()),
            power_preference: Some("LOW".to_owned()),
            ..AdapterRequest::default()
        };
        assert_eq!(
            request.parsed_backends().unwrap(),
            wgpu::Backends::VULKAN | wgpu::Backends::METAL
        );
        assert_eq!(
            request.parsed_power_preference().unwrap(),
            wgpu::PowerPreference::LowPower
        );
        let unset = AdapterRequest::default();
        assert_eq!(unset.parsed_backends().unwrap(), wgpu::Backends::all());
        assert_eq!(
            unset.parsed_power_preference().unwrap(),
            wgpu::PowerPreference::HighPerformance
        );
    }
}
