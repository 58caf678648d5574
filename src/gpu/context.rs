//! Adapter selection and the device context through which all GPU work is done and counted.
//!
//! Selection never panics (unlike `wgpu::util::initialize_adapter_from_env`, which panics on
//! an unmatched `WGPU_ADAPTER_NAME`, and `PowerPreference::from_env`, which ignores bad
//! values): adapters are enumerated and filtered here, and every bad setting is a
//! [`GpuError`]. wgpu's default uncaptured-error handler panics; every device call made
//! here runs inside error scopes, and a handler catches anything that escapes them.

use std::borrow::Cow;
use std::fmt;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};

use bytemuck::Pod;
use serde::Serialize;

use super::error::{one_line, GpuError};
use super::grid::{workgroup_grid, WORKGROUP_SIZE};
use super::ledger::Ledger;
use crate::precision::Precision;

/// Size of the persistent readback buffer: downloads up to this many bytes create no buffer.
pub const READBACK_BYTES: u64 = 256;

/// wgpu requires copy offsets and sizes to be multiples of this.
const COPY_ALIGN: u64 = wgpu::COPY_BUFFER_ALIGNMENT;

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
    fn new(adapter: &wgpu::Adapter) -> Self {
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

fn new_instance(backends: wgpu::Backends) -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    })
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

fn select_adapter(request: &AdapterRequest) -> Result<wgpu::Adapter, GpuError> {
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

/// A device with the adapter's real limits, the chosen precision, and a [`Ledger`] of all
/// work done through it. Device and queue are private: every buffer, upload, download,
/// pipeline, bind group, dispatch and submit goes through a method that counts it.
#[derive(Debug)]
pub struct GpuContext {
    adapter: wgpu::Adapter,
    device: wgpu::Device,
    queue: wgpu::Queue,
    summary: AdapterSummary,
    limits: wgpu::Limits,
    precision: Precision,
    ledger: Ledger,
    /// `READBACK_BYTES` of MAP_READ | COPY_DST, reused by every small download.
    readback: Mutex<wgpu::Buffer>,
    /// First error that escaped the error scopes (reported by the next checked call).
    stray_error: Arc<Mutex<Option<String>>>,
    /// Timestamp queries around compute passes, when benchmarks ask for kernel times.
    pass_timer: Mutex<Option<PassTimer>>,
}

/// Timestamps written at the start and end of each compute pass of a submit; resolved and read
/// back after the submit. Only benchmarks turn this on: it adds a read-back per submit.
#[derive(Debug)]
struct PassTimer {
    query_set: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    /// Queries used by passes recorded since the last submit.
    next: u32,
    /// GPU time of the passes resolved so far, in nanoseconds.
    total_ns: f64,
    /// A pass went untimed because the query set was full.
    incomplete: bool,
}

/// Timestamp queries per submit: start and end of up to 16 passes (128 bytes to read back).
const TIMER_QUERIES: u32 = 32;

impl GpuContext {
    /// Selects an adapter and opens a device with the adapter's own limits and, when
    /// available, `SHADER_F64`. `precision` `None` picks f64 when the adapter has it.
    pub fn new(
        request: &AdapterRequest,
        precision: Option<Precision>,
    ) -> Result<GpuContext, GpuError> {
        let adapter = select_adapter(request)?;
        let summary = AdapterSummary::new(&adapter);
        let precision = match precision {
            Some(Precision::F64) if !summary.shader_f64 => {
                return Err(GpuError::F64Unsupported {
                    adapter: summary.name,
                })
            }
            Some(p) => p,
            None if summary.shader_f64 => Precision::F64,
            None => Precision::F32,
        };
        let mut required_limits = adapter.limits();
        if let Some(cap) = request.max_storage_binding_bytes {
            required_limits.max_storage_buffer_binding_size =
                required_limits.max_storage_buffer_binding_size.min(cap);
        }
        let required_features =
            adapter.features() & (wgpu::Features::SHADER_F64 | wgpu::Features::TIMESTAMP_QUERY);
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("heatgpu"),
            required_features,
            required_limits,
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| GpuError::RequestDevice(one_line(&e.to_string())))?;

        let stray_error = Arc::new(Mutex::new(None));
        let sink = Arc::clone(&stray_error);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            let mut slot = sink.lock().unwrap_or_else(PoisonError::into_inner);
            slot.get_or_insert_with(|| one_line(&e.to_string()));
        }));

        let ledger = Ledger::default();
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("heatgpu readback"),
            size: READBACK_BYTES,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        ledger.buffer_created(READBACK_BYTES);

        Ok(GpuContext {
            limits: device.limits(),
            adapter,
            device,
            queue,
            summary,
            precision,
            ledger,
            readback: Mutex::new(readback),
            stray_error,
            pass_timer: Mutex::new(None),
        })
    }

    /// Context for GPU tests, from [`AdapterRequest::from_env`] and the default precision.
    /// See [`GpuContext::for_tests_with`].
    pub fn for_tests() -> Option<GpuContext> {
        Self::for_tests_with(&AdapterRequest::from_env(), None)
    }

    /// Context for GPU tests. Without any adapter: prints a skip notice and returns `None`,
    /// or panics if `HEATGPU_REQUIRE_ADAPTER=1`. Panics on every other error.
    pub fn for_tests_with(
        request: &AdapterRequest,
        precision: Option<Precision>,
    ) -> Option<GpuContext> {
        match GpuContext::new(request, precision) {
            Ok(ctx) => Some(ctx),
            Err(GpuError::NoAdapter { .. })
                if std::env::var("HEATGPU_REQUIRE_ADAPTER").as_deref() != Ok("1") =>
            {
                eprintln!(
                    "skipping: no GPU adapter (set HEATGPU_REQUIRE_ADAPTER=1 to fail instead)"
                );
                None
            }
            Err(e) => panic!("cannot create the GPU test context: {e}"),
        }
    }

    pub fn adapter(&self) -> &wgpu::Adapter {
        &self.adapter
    }

    pub fn summary(&self) -> &AdapterSummary {
        &self.summary
    }

    /// Limits granted to the device (the adapter's, with the binding-size test cap applied).
    pub fn limits(&self) -> &wgpu::Limits {
        &self.limits
    }

    pub fn precision(&self) -> Precision {
        self.precision
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Runs `f` inside validation, out-of-memory and internal error scopes and turns the
    /// first error wgpu reports (or one that escaped the scopes earlier) into a [`GpuError`].
    fn checked<T>(
        &self,
        what: &str,
        needed_bytes: Option<u64>,
        f: impl FnOnce() -> T,
    ) -> Result<T, GpuError> {
        let internal = self.device.push_error_scope(wgpu::ErrorFilter::Internal);
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let value = f();
        // Scopes pop innermost first.
        let errors = [validation.pop(), oom.pop(), internal.pop()].map(pollster::block_on);
        if let Some(error) = errors.into_iter().flatten().next() {
            let what = what.to_owned();
            return Err(match error {
                wgpu::Error::OutOfMemory { .. } => GpuError::OutOfMemory { what, needed_bytes },
                wgpu::Error::Validation { description, .. } => GpuError::Validation {
                    what,
                    message: one_line(&description),
                },
                wgpu::Error::Internal { description, .. } => GpuError::Internal {
                    what,
                    message: one_line(&description),
                },
            });
        }
        let stray = self
            .stray_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match stray {
            Some(message) => Err(GpuError::Validation {
                what: format!("an earlier operation (noticed during {what})"),
                message,
            }),
            None => Ok(value),
        }
    }

    fn create_buffer(
        &self,
        label: &str,
        size_bytes: u64,
        usage: wgpu::BufferUsages,
    ) -> Result<wgpu::Buffer, GpuError> {
        let what = format!("buffer `{label}`");
        if size_bytes > self.limits.max_buffer_size {
            return Err(GpuError::BufferTooLarge {
                what,
                size_bytes,
                limit: "max_buffer_size",
                limit_bytes: self.limits.max_buffer_size,
            });
        }
        let buffer = self.checked(&what, Some(size_bytes), || {
            self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size_bytes,
                usage,
                mapped_at_creation: false,
            })
        })?;
        self.ledger.buffer_created(size_bytes);
        Ok(buffer)
    }

    /// Uninitialised (zeroed) buffer with `usage | STORAGE`. It may exceed
    /// `max_storage_buffer_binding_size`; a single binding may not.
    pub fn create_storage_buffer(
        &self,
        label: &str,
        size_bytes: u64,
        usage: wgpu::BufferUsages,
    ) -> Result<wgpu::Buffer, GpuError> {
        self.create_buffer(label, size_bytes, usage | wgpu::BufferUsages::STORAGE)
    }

    /// Buffer with `usage | COPY_DST` holding `bytes` (length a multiple of 4).
    pub fn create_buffer_init(
        &self,
        label: &str,
        bytes: &[u8],
        usage: wgpu::BufferUsages,
    ) -> Result<wgpu::Buffer, GpuError> {
        let buffer = self.create_buffer(
            label,
            bytes.len() as u64,
            usage | wgpu::BufferUsages::COPY_DST,
        )?;
        self.upload(&buffer, 0, bytes)?;
        Ok(buffer)
    }

    /// Uniform buffer (UNIFORM | COPY_DST) holding `value`; update it with [`Self::upload`].
    pub fn create_uniform<T: Pod>(&self, label: &str, value: &T) -> Result<wgpu::Buffer, GpuError> {
        self.create_buffer_init(
            label,
            bytemuck::bytes_of(value),
            wgpu::BufferUsages::UNIFORM,
        )
    }

    fn check_range(
        &self,
        what: &str,
        buffer: &wgpu::Buffer,
        offset: u64,
        len: u64,
    ) -> Result<(), GpuError> {
        let aligned = offset.is_multiple_of(COPY_ALIGN) && len.is_multiple_of(COPY_ALIGN);
        let inside = offset
            .checked_add(len)
            .is_some_and(|end| end <= buffer.size());
        if aligned && inside {
            Ok(())
        } else {
            Err(GpuError::BadRange {
                what: what.to_owned(),
                offset,
                len,
                align: COPY_ALIGN,
                buffer_size: buffer.size(),
            })
        }
    }

    /// Writes `bytes` at `offset` (both multiples of 4) via `queue.write_buffer`; the write
    /// lands before the next submit.
    pub fn upload(&self, buffer: &wgpu::Buffer, offset: u64, bytes: &[u8]) -> Result<(), GpuError> {
        let len = bytes.len() as u64;
        self.check_range("upload", buffer, offset, len)?;
        if len == 0 {
            return Ok(());
        }
        self.checked("upload", Some(len), || {
            self.queue.write_buffer(buffer, offset, bytes)
        })?;
        self.ledger.uploaded(len);
        Ok(())
    }

    /// Compiles `shader_source` (see [`super::shader_source`]) into a pipeline with an
    /// automatic layout. Shader and pipeline validation errors come back as [`GpuError`].
    pub fn create_compute_pipeline(
        &self,
        label: &str,
        shader_source: &str,
        entry_point: &str,
    ) -> Result<wgpu::ComputePipeline, GpuError> {
        let pipeline = self.checked(&format!("compute pipeline `{label}`"), None, || {
            let module = self
                .device
                .create_shader_module(wgpu::ShaderModuleDescriptor {
                    label: Some(label),
                    source: wgpu::ShaderSource::Wgsl(Cow::Borrowed(shader_source)),
                });
            self.device
                .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(label),
                    layout: None,
                    module: &module,
                    entry_point: Some(entry_point),
                    compilation_options: wgpu::PipelineCompilationOptions::default(),
                    cache: None,
                })
        })?;
        self.ledger.pipeline_created();
        Ok(pipeline)
    }

    pub fn create_bind_group(
        &self,
        label: &str,
        layout: &wgpu::BindGroupLayout,
        entries: &[wgpu::BindGroupEntry<'_>],
    ) -> Result<wgpu::BindGroup, GpuError> {
        let bind_group = self.checked(&format!("bind group `{label}`"), None, || {
            self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(label),
                layout,
                entries,
            })
        })?;
        self.ledger.bind_group_created();
        Ok(bind_group)
    }

    /// Bind group 0 of `pipeline` with `buffers[k]` (whole) at binding `k`.
    pub fn bind_buffers(
        &self,
        label: &str,
        pipeline: &wgpu::ComputePipeline,
        buffers: &[&wgpu::Buffer],
    ) -> Result<wgpu::BindGroup, GpuError> {
        let layout = self.checked(&format!("bind group `{label}` layout"), None, || {
            pipeline.get_bind_group_layout(0)
        })?;
        let entries: Vec<_> = (0u32..)
            .zip(buffers)
            .map(|(binding, buffer)| wgpu::BindGroupEntry {
                binding,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        self.create_bind_group(label, &layout, &entries)
    }

    pub fn create_encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    /// Grid for `n` invocations of a [`WORKGROUP_SIZE`] kernel (see [`super::grid`]).
    pub fn grid(&self, n: u64) -> Result<[u32; 3], GpuError> {
        let max_per_dimension = self.limits.max_compute_workgroups_per_dimension;
        workgroup_grid(n, WORKGROUP_SIZE, max_per_dimension).ok_or(GpuError::GridTooLarge {
            invocations: n,
            max_per_dimension,
        })
    }

    /// Records one dispatch of `pipeline` with `bind_group` at group 0. Recording errors
    /// surface at [`Self::submit`].
    pub fn dispatch(
        &self,
        pass: &mut wgpu::ComputePass<'_>,
        pipeline: &wgpu::ComputePipeline,
        bind_group: &wgpu::BindGroup,
        workgroups: [u32; 3],
    ) {
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, bind_group, &[]);
        let [x, y, z] = workgroups;
        pass.dispatch_workgroups(x, y, z);
        self.ledger.dispatched();
    }

    /// Finishes and submits `encoder` without waiting for it to execute. With pass timing on,
    /// the passes' timestamps are resolved, read back and added up (waiting for the submit).
    pub fn submit(
        &self,
        mut encoder: wgpu::CommandEncoder,
    ) -> Result<wgpu::SubmissionIndex, GpuError> {
        let timed = {
            let mut timer = self
                .pass_timer
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            timer.as_mut().filter(|t| t.next > 0).map(|t| {
                encoder.resolve_query_set(&t.query_set, 0..t.next, &t.resolve, 0);
                std::mem::take(&mut t.next)
            })
        };
        let index = self.checked("submit", None, || self.queue.submit([encoder.finish()]))?;
        self.ledger.submitted();
        if let Some(queries) = timed {
            let resolve = self
                .pass_timer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
                .map(|t| t.resolve.clone())
                .expect("timer present");
            let mut ticks = vec![0u64; queries as usize];
            self.download_into(&resolve, 0, bytemuck::cast_slice_mut(&mut ticks))?;
            let period = self.queue.get_timestamp_period() as f64;
            let ns: f64 = ticks
                .chunks_exact(2)
                .map(|pair| pair[1].saturating_sub(pair[0]) as f64 * period)
                .sum();
            if let Some(t) = self
                .pass_timer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_mut()
            {
                t.total_ns += ns;
            }
        }
        Ok(index)
    }

    /// Whether the device can time passes (`TIMESTAMP_QUERY`).
    pub fn has_timestamps(&self) -> bool {
        self.device
            .features()
            .contains(wgpu::Features::TIMESTAMP_QUERY)
    }

    /// Starts timing compute passes with timestamp queries; `false` when the device cannot.
    /// Timing adds a read-back to each submit: for benchmarks, not for production runs.
    pub fn enable_pass_timing(&self) -> Result<bool, GpuError> {
        if !self.has_timestamps() {
            return Ok(false);
        }
        let mut timer = self
            .pass_timer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if timer.is_none() {
            let query_set = self.checked("timestamp query set", None, || {
                self.device.create_query_set(&wgpu::QuerySetDescriptor {
                    label: Some("pass timer"),
                    ty: wgpu::QueryType::Timestamp,
                    count: TIMER_QUERIES,
                })
            })?;
            let bytes = TIMER_QUERIES as u64 * wgpu::QUERY_SIZE as u64;
            let resolve = self.create_buffer(
                "pass timer resolve",
                bytes,
                wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            )?;
            *timer = Some(PassTimer {
                query_set,
                resolve,
                next: 0,
                total_ns: 0.0,
                incomplete: false,
            });
        }
        Ok(true)
    }

    /// Stops timing passes.
    pub fn disable_pass_timing(&self) {
        *self
            .pass_timer
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// GPU time of the timed passes since the last call (`None` if timing is off or a pass
    /// could not be timed).
    pub fn take_pass_time(&self) -> Option<std::time::Duration> {
        let mut timer = self
            .pass_timer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let t = timer.as_mut()?;
        let (ns, incomplete) = (
            std::mem::take(&mut t.total_ns),
            std::mem::take(&mut t.incomplete),
        );
        (!incomplete).then(|| std::time::Duration::from_nanos(ns as u64))
    }

    /// Begins a compute pass, with timestamps at its start and end when pass timing is on.
    pub fn begin_compute_pass<'e>(
        &self,
        encoder: &'e mut wgpu::CommandEncoder,
        label: &str,
    ) -> wgpu::ComputePass<'e> {
        let mut timer = self
            .pass_timer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let timestamp_writes = timer.as_mut().and_then(|t| {
            if t.next + 2 > TIMER_QUERIES {
                t.incomplete = true;
                return None;
            }
            t.next += 2;
            Some(wgpu::ComputePassTimestampWrites {
                query_set: &t.query_set,
                beginning_of_pass_write_index: Some(t.next - 2),
                end_of_pass_write_index: Some(t.next - 1),
            })
        });
        encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(label),
            timestamp_writes,
        })
    }

    /// Blocks until all submitted work has executed.
    pub fn wait(&self) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(drop)
            .map_err(|e| GpuError::Poll(e.to_string()))
    }

    /// Copies `len_bytes` at `offset` (both multiples of 4) of a COPY_SRC buffer to the host.
    pub fn download(
        &self,
        buffer: &wgpu::Buffer,
        offset: u64,
        len_bytes: u64,
    ) -> Result<Vec<u8>, GpuError> {
        let len = usize::try_from(len_bytes).map_err(|_| GpuError::BadRange {
            what: "download".to_owned(),
            offset,
            len: len_bytes,
            align: COPY_ALIGN,
            buffer_size: buffer.size(),
        })?;
        let mut out = vec![0; len];
        self.download_into(buffer, offset, &mut out)?;
        Ok(out)
    }

    /// Fills `out` from `buffer` at `offset` (one submit and one wait). Up to
    /// [`READBACK_BYTES`] go through the persistent readback buffer and create no buffer;
    /// larger downloads create (and count) a staging buffer of `out.len()` bytes.
    /// `out` may be a `bytemuck::cast_slice_mut` of a typed slice.
    pub fn download_into(
        &self,
        buffer: &wgpu::Buffer,
        offset: u64,
        out: &mut [u8],
    ) -> Result<(), GpuError> {
        let len = out.len() as u64;
        self.check_range("download", buffer, offset, len)?;
        if len == 0 {
            return Ok(());
        }
        if len <= READBACK_BYTES {
            let readback = self.readback.lock().unwrap_or_else(PoisonError::into_inner);
            self.read_through(&readback, buffer, offset, out)?;
        } else {
            let staging = self.create_buffer(
                "download staging",
                len,
                wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            )?;
            self.read_through(&staging, buffer, offset, out)?;
        }
        self.ledger.downloaded(len);
        Ok(())
    }

    /// A MAP_READ | COPY_DST buffer for [`Self::download_through`]: code that downloads the same
    /// array again and again creates its staging buffer once.
    pub fn create_readback_buffer(
        &self,
        label: &str,
        size_bytes: u64,
    ) -> Result<wgpu::Buffer, GpuError> {
        self.create_buffer(
            label,
            size_bytes,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        )
    }

    /// [`Self::download_into`] through the caller's `staging` buffer (from
    /// [`Self::create_readback_buffer`], at least `out.len()` bytes): creates no buffer.
    pub fn download_through(
        &self,
        staging: &wgpu::Buffer,
        buffer: &wgpu::Buffer,
        offset: u64,
        out: &mut [u8],
    ) -> Result<(), GpuError> {
        let len = out.len() as u64;
        self.check_range("download", buffer, offset, len)?;
        self.check_range("download staging", staging, 0, len)?;
        if len == 0 {
            return Ok(());
        }
        self.read_through(staging, buffer, offset, out)?;
        self.ledger.downloaded(len);
        Ok(())
    }

    /// Copies `out.len()` bytes of `buffer` at `offset` into `staging` at 0, maps, reads.
    /// `staging` is unmapped again on every path, so it can be reused after an error.
    fn read_through(
        &self,
        staging: &wgpu::Buffer,
        buffer: &wgpu::Buffer,
        offset: u64,
        out: &mut [u8],
    ) -> Result<(), GpuError> {
        let len = out.len() as u64;
        let mut encoder = self.create_encoder("download");
        encoder.copy_buffer_to_buffer(buffer, offset, staging, 0, len);
        self.submit(encoder)?;
        let slice = staging.slice(..len);
        let (sender, receiver) = mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |result| {
            // The receiver is gone only if waiting failed; the result is moot then.
            let _ = sender.send(result);
        });
        let mapped = self.wait().and_then(|()| {
            receiver
                .recv()
                .map_err(|_| GpuError::Map("map callback did not run".to_owned()))?
                .map_err(|e| GpuError::Map(e.to_string()))?;
            let view = slice
                .get_mapped_range()
                .map_err(|e| GpuError::Map(e.to_string()))?;
            out.copy_from_slice(&view);
            Ok(())
        });
        staging.unmap();
        mapped
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
