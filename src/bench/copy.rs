//! The bandwidth reference of every problem: `out = inp` over `len` reals, on all CPU threads
//! (`par_chunks` of 64 Ki values) and on the GPU (`shaders/common/copy_real.wgsl`, on the device, no
//! transfer timed). 2 reals per value moved (read + write): the floor any field update pays.

use std::time::Instant;

use rayon::prelude::*;

use super::{kernel_timing, time_repeats, timed, BenchCase, BenchOp, Measured};
use crate::error::Result;
use crate::gpu::layout::reals_to_bytes;
use crate::gpu::{shader_source, GpuContext};

/// A copy of `len` reals, shown with the size label of the rows it is the reference for.
pub struct CopyCase {
    pub size: String,
    pub len: usize,
}

/// Values in [0, 1) that no compiler can fold.
fn source(len: usize) -> Vec<f64> {
    (0..len).map(|k| ((k * 37) % 101) as f64 / 101.0).collect()
}

impl BenchCase for CopyCase {
    fn op(&self) -> BenchOp {
        BenchOp::Copy
    }

    fn size(&self) -> String {
        self.size.clone()
    }

    fn unknowns(&self) -> usize {
        self.len
    }

    fn bytes_per_unknown(&self, real: usize) -> usize {
        2 * real
    }

    fn host_bytes(&self) -> u64 {
        crate::memory::bytes_for(self.len, 16)
    }

    fn cpu(&self, repeats: usize) -> Result<Option<Measured>> {
        let start = Instant::now();
        let src = source(self.len);
        let mut x = vec![0.0; self.len];
        let setup = start.elapsed();
        // All threads: the CPU's bandwidth, not one core's.
        let end_to_end = time_repeats(repeats, || {
            timed(|| {
                x.par_chunks_mut(1 << 16)
                    .zip(src.par_chunks(1 << 16))
                    .for_each(|(d, s)| d.copy_from_slice(s));
                Ok(())
            })
        })?;
        Ok(Some(Measured {
            setup,
            end_to_end,
            kernel: None,
            check: None,
        }))
    }

    fn gpu(&self, mut ctx: GpuContext, repeats: usize) -> Result<(Option<Measured>, GpuContext)> {
        let start = Instant::now();
        let copy = DeviceCopy::new(&ctx, &source(self.len))?;
        let setup = start.elapsed();
        let end_to_end = time_repeats(repeats, || timed(|| copy.run(&ctx)))?;
        let kernel = kernel_timing(&mut ctx, |c| c, repeats, |c| copy.run(c))?;
        let measured = Measured {
            setup,
            end_to_end,
            kernel,
            check: None,
        };
        Ok((Some(measured), ctx))
    }
}

/// `out = inp` on the device with `shaders/common/copy_real.wgsl`: the GPU's bandwidth reference.
struct DeviceCopy {
    pipeline: wgpu::ComputePipeline,
    group: wgpu::BindGroup,
    grid: [u32; 3],
}

impl DeviceCopy {
    fn new(ctx: &GpuContext, values: &[f64]) -> Result<DeviceCopy> {
        let precision = ctx.precision();
        let bytes = reals_to_bytes(values, precision);
        let storage = wgpu::BufferUsages::STORAGE;
        let inp = ctx.create_buffer_init("copy in", &bytes, storage)?;
        let out =
            ctx.create_storage_buffer("copy out", bytes.len() as u64, wgpu::BufferUsages::empty())?;
        let n = [values.len() as u32];
        let params = ctx.create_buffer_init(
            "copy params",
            bytemuck::cast_slice(&n),
            wgpu::BufferUsages::UNIFORM,
        )?;
        let pipeline = ctx.create_compute_pipeline(
            "copy_real",
            &shader_source("copy_real", precision)?,
            "main",
        )?;
        let group = ctx.bind_buffers("copy", &pipeline, &[&inp, &out, &params])?;
        Ok(DeviceCopy {
            grid: ctx.grid(values.len() as u64)?,
            pipeline,
            group,
        })
    }

    /// One copy, waited for.
    fn run(&self, ctx: &GpuContext) -> Result<()> {
        let mut encoder = ctx.create_encoder("copy");
        {
            let mut pass = ctx.begin_compute_pass(&mut encoder, "copy");
            ctx.dispatch(&mut pass, &self.pipeline, &self.group, self.grid);
        }
        ctx.submit(encoder)?;
        ctx.wait()?;
        Ok(())
    }
}
