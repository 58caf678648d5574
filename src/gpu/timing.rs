//! Timing of compute passes with timestamp queries (benchmarks only: it adds a read-back to
//! every submit).

use std::sync::PoisonError;

use super::context::GpuContext;
use super::error::GpuError;

/// Timestamps written at the start and end of each compute pass of a submit; resolved and read
/// back after the submit. Only benchmarks turn this on: it adds a read-back per submit.
#[derive(Debug)]
pub(super) struct PassTimer {
    pub(super) query_set: wgpu::QuerySet,
    pub(super) resolve: wgpu::Buffer,
    /// Queries used by passes recorded since the last submit.
    pub(super) next: u32,
    /// GPU time of the passes resolved so far, in nanoseconds.
    pub(super) total_ns: f64,
    /// A pass went untimed because the query set was full.
    pub(super) incomplete: bool,
}

/// Timestamp queries per submit: start and end of up to 16 passes (128 bytes to read back).
pub(super) const TIMER_QUERIES: u32 = 32;

impl GpuContext {
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
}
