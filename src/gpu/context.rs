//! The device context through which all GPU work is done and counted.
//!
//! wgpu's default uncaptured-error handler panics; every device call made here runs inside
//! error scopes, and a handler catches anything that escapes them. Uploads and downloads are in
//! `transfer.rs`, timestamp timing of passes in `timing.rs`.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError};

use bytemuck::Pod;

use super::adapter::{select_adapter, AdapterRequest, AdapterSummary};
use super::error::{one_line, GpuError};
use super::grid::{workgroup_grid, WORKGROUP_SIZE};
use super::ledger::Ledger;
use super::timing::PassTimer;
use super::transfer::READBACK_BYTES;
use crate::precision::Precision;

/// A device with the adapter's real limits, the chosen precision, and a [`Ledger`] of all
/// work done through it. Device and queue are private: every buffer, upload, download,
/// pipeline, bind group, dispatch and submit goes through a method that counts it.
#[derive(Debug)]
pub struct GpuContext {
    pub(super) adapter: wgpu::Adapter,
    pub(super) device: wgpu::Device,
    pub(super) queue: wgpu::Queue,
    pub(super) summary: AdapterSummary,
    pub(super) limits: wgpu::Limits,
    pub(super) precision: Precision,
    pub(super) ledger: Ledger,
    /// `READBACK_BYTES` of MAP_READ | COPY_DST, reused by every small download.
    pub(super) readback: Mutex<wgpu::Buffer>,
    /// First error that escaped the error scopes (reported by the next checked call).
    pub(super) stray_error: Arc<Mutex<Option<String>>>,
    /// Timestamp queries around compute passes, when benchmarks ask for kernel times.
    pub(super) pass_timer: Mutex<Option<PassTimer>>,
}

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
    pub(super) fn checked<T>(
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

    pub(super) fn create_buffer(
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
        let numbered: Vec<(u32, &wgpu::Buffer)> = (0u32..).zip(buffers.iter().copied()).collect();
        self.bind_at(label, pipeline, &numbered)
    }

    /// Bind group 0 of `pipeline` with each `(binding, buffer)` pair, the buffer whole.
    pub fn bind_at(
        &self,
        label: &str,
        pipeline: &wgpu::ComputePipeline,
        buffers: &[(u32, &wgpu::Buffer)],
    ) -> Result<wgpu::BindGroup, GpuError> {
        let layout = self.checked(&format!("bind group `{label}` layout"), None, || {
            pipeline.get_bind_group_layout(0)
        })?;
        let entries: Vec<_> = buffers
            .iter()
            .map(|&(binding, buffer)| wgpu::BindGroupEntry {
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

    /// Blocks until all submitted work has executed.
    pub fn wait(&self) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(drop)
            .map_err(|e| GpuError::Poll(e.to_string()))
    }
}
