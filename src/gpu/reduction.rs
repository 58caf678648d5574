//! Max-norm reductions on the device: the passes of `max_abs_reduce` that take `n` flagged
//! partials (workgroup maxima written by a fused kernel) down to one value, created once and
//! recorded as often as needed. The value is copied to a small buffer the host reads back.

use super::layout::WgslStruct;
use super::{GpuContext, GpuError};
use crate::problems::heat1d::kernels::REDUCE_WIDTH;

/// The reduction of `n` partials at `input_offset` of a buffer to one value.
pub struct ReductionChain {
    pipeline: wgpu::ComputePipeline,
    passes: Vec<([u32; 3], wgpu::BindGroup)>,
    result: wgpu::Buffer,
    result_offset: u64,
}

impl ReductionChain {
    /// Creates the intermediate buffers and bind groups (`source` needs COPY_SRC when `n` is 1).
    pub fn new(
        ctx: &GpuContext,
        pipeline: &wgpu::ComputePipeline,
        source: &wgpu::Buffer,
        input_offset: usize,
        n: usize,
    ) -> Result<ReductionChain, GpuError> {
        let precision = ctx.precision();
        let (mut input, mut offset, mut len) = (source.clone(), input_offset, n);
        let mut passes = Vec::new();
        while len > 1 {
            let out_len = len.div_ceil(REDUCE_WIDTH);
            let out = ctx.create_storage_buffer(
                "norm partials",
                (out_len * precision.bytes()) as u64,
                wgpu::BufferUsages::COPY_SRC,
            )?;
            let params = WgslStruct::new(precision)
                .u32(len as u32)
                .u32(offset as u32)
                .u32(0)
                .finish();
            let params =
                ctx.create_buffer_init("reduce params", &params, wgpu::BufferUsages::STORAGE)?;
            let group = ctx.bind_buffers("reduce", pipeline, &[&params, &input, &out])?;
            passes.push((ctx.grid(len as u64)?, group));
            (input, offset, len) = (out, 0, out_len);
        }
        Ok(ReductionChain {
            pipeline: pipeline.clone(),
            passes,
            result: input,
            result_offset: (offset * precision.bytes()) as u64,
        })
    }

    /// Records the passes and copies the value to `destination` at `offset` (bytes).
    pub fn record(
        &self,
        ctx: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        destination: &wgpu::Buffer,
        offset: u64,
    ) {
        {
            let mut pass = ctx.begin_compute_pass(encoder, "max-norm reduction");
            for (grid, group) in &self.passes {
                ctx.dispatch(&mut pass, &self.pipeline, group, *grid);
            }
        }
        let real = ctx.precision().bytes() as u64;
        encoder.copy_buffer_to_buffer(&self.result, self.result_offset, destination, offset, real);
    }
}
