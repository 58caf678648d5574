//! The device march of [`GpuBurgersMarch`]: a fixed number K of Newton iterations per step,
//! up to `steps_per_submit` steps per submit, each step's final residual reduced into a slot
//! and one scalar pair (the chunk's largest residual and Jacobian dominance ratio) read back per
//! submit. A chunk that misses the target is restored from its checkpoint and redone with
//! K + 1 iterations, and beyond `max_iterations_per_step` step by step with the host-driven
//! Newton (the generic driver, line search). Kept levels are copied on the device and
//! downloaded once per submit.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::problems::heat1d::kernels::DEFAULT_BLOCK_ROWS;
use crate::solver::march::is_kept_level;
use crate::solver::newton::{newton_solve_into, NewtonStats};
use crate::verify::Verification;

use super::super::solve::{march_newton_options, LevelSink};
use super::limits::{is_dominant, not_dominant};
use super::{slot, GpuBurgersMarch, Solver};

/// How the device march runs.
#[derive(Clone, Debug, Serialize)]
pub struct GpuMarchOptions {
    /// Newton iterations per step to start with.
    pub iterations_per_step: usize,
    /// Beyond this a chunk is redone step by step with the host-driven Newton.
    pub max_iterations_per_step: usize,
    pub steps_per_submit: usize,
    /// Block size of the large (partitioned) solver.
    pub block_rows: usize,
}

impl Default for GpuMarchOptions {
    fn default() -> Self {
        GpuMarchOptions {
            iterations_per_step: 1,
            max_iterations_per_step: 5,
            steps_per_submit: 128,
            block_rows: DEFAULT_BLOCK_ROWS,
        }
    }
}

/// What a device march did.
#[derive(Clone, Debug, Serialize)]
pub struct GpuMarchReport {
    pub steps: usize,
    pub newton_iterations: usize,
    /// K at the end of the run.
    pub iterations_per_step: usize,
    /// Chunks redone with more iterations, and steps redone with the host-driven Newton.
    pub retried_chunks: usize,
    pub host_driven_steps: usize,
    pub verification: Verification,
    pub times: Vec<f64>,
}

impl GpuBurgersMarch {
    /// Records one step with `k` Newton iterations; its final residual and last Jacobian's
    /// dominance go to `slot` of the chunk's arrays.
    fn record_step(&self, encoder: &mut wgpu::CommandEncoder, k: usize, slot: u64) {
        let (ctx, p, g) = (&self.ctx, &self.pipelines, &self.groups);
        self.record_step_start(encoder);
        {
            let mut pass = ctx.begin_compute_pass(encoder, "burgers step");
            for _ in 0..k {
                ctx.dispatch(&mut pass, &p.jacobian, &g.jacobian, self.grid);
                self.solver.record(ctx, &mut pass);
                ctx.dispatch(&mut pass, &p.update, &g.update, self.grid);
            }
            ctx.dispatch(&mut pass, &p.residual, &g.residual, self.grid);
        }
        let offset = self.real_offset(slot);
        self.chains
            .residual
            .record(ctx, encoder, &self.step_residuals, offset);
        self.chains
            .dominance
            .record(ctx, encoder, &self.step_dominance, offset);
    }

    /// Marches all steps; `sink` gets level 0, every `snapshot_every`-th level and the last,
    /// member by member.
    pub fn march(&mut self, snapshot_every: usize, sink: LevelSink<'_>) -> Result<GpuMarchReport> {
        crate::solver::march::check_snapshot_every(snapshot_every)?;
        let nt = self.steps + 1;
        let level_bytes = (self.host_level.len() * self.ctx.precision().bytes()) as u64;
        self.download_iterate()?;
        let mut times = vec![0.0];
        {
            // Level 0 from the download just made.
            self.emit(0, 0, 0.0, sink)?;
        }
        let mut k = self.options.iterations_per_step;
        let (mut iterations, mut retried, mut host_steps) = (0, 0, 0);
        let mut worst: f64 = 0.0;
        let mut step = 1;
        let mut kept = Vec::with_capacity(self.slots);
        while step < nt {
            crate::cancel::check()?;
            // The chunk: up to steps_per_submit steps and `slots` kept levels.
            let first = step;
            let mut last = step;
            let mut kept_in_chunk = 0;
            while last < nt && last - first < self.options.steps_per_submit {
                if is_kept_level(last, nt, snapshot_every) {
                    kept_in_chunk += 1;
                }
                last += 1;
                if kept_in_chunk == self.slots {
                    break;
                }
            }
            let residual = loop {
                kept.clear();
                let mut encoder = self.encoder("burgers chunk");
                let bytes = self.iterate.size();
                encoder.copy_buffer_to_buffer(&self.iterate, 0, &self.checkpoint, 0, bytes);
                encoder.copy_buffer_to_buffer(
                    &self.previous,
                    0,
                    &self.checkpoint_previous,
                    0,
                    bytes,
                );
                encoder.clear_buffer(&self.step_residuals, 0, None);
                encoder.clear_buffer(&self.step_dominance, 0, None);
                for s in first..last {
                    self.record_step(&mut encoder, k, (s - first) as u64);
                    if is_kept_level(s, nt, snapshot_every) {
                        let at = kept.len() as u64 * level_bytes;
                        encoder.copy_buffer_to_buffer(
                            &self.iterate,
                            0,
                            &self.snapshots,
                            at,
                            level_bytes,
                        );
                        kept.push(s);
                    }
                }
                let (r, d) = (
                    self.real_offset(slot::CHUNK_RESIDUAL),
                    self.real_offset(slot::CHUNK_DOMINANCE),
                );
                self.chains
                    .chunk_residual
                    .record(&self.ctx, &mut encoder, &self.results, r);
                self.chains
                    .chunk_dominance
                    .record(&self.ctx, &mut encoder, &self.results, d);
                self.ctx.submit(encoder)?;
                let mut values = [0.0; 2];
                self.read_results(slot::CHUNK_RESIDUAL, &mut values)?;
                let [residual, dominance] = values;
                if residual >= 0.0 && residual <= self.floor {
                    iterations += k * (last - first);
                    break residual;
                }
                // Restore the chunk's start and try again with more iterations.
                let mut encoder = self.ctx.create_encoder("restore chunk");
                encoder.copy_buffer_to_buffer(&self.checkpoint, 0, &self.iterate, 0, bytes);
                encoder.copy_buffer_to_buffer(
                    &self.checkpoint_previous,
                    0,
                    &self.previous,
                    0,
                    bytes,
                );
                self.ctx.submit(encoder)?;
                retried += 1;
                if let Solver::Large(_) = self.solver {
                    if !is_dominant(dominance) {
                        let p = &self.problems[0];
                        return Err(not_dominant(p, self.steps, dominance, true));
                    }
                }
                if k < self.options.max_iterations_per_step {
                    k += 1;
                    continue;
                }
                // Step by step with the host-driven Newton (line search), then go on.
                let r = self.host_driven_steps(first, last, nt, snapshot_every, &mut kept)?;
                host_steps += last - first;
                iterations += r.1;
                break r.0;
            };
            worst = worst.max(residual);
            self.download_snapshots(kept.len())?;
            for (slot, &level) in kept.iter().enumerate() {
                let t = level as f64 * self.dt;
                self.emit(slot, times.len(), t, sink)?;
                times.push(t);
            }
            step = last;
        }
        let verification = Verification {
            residual: worst,
            floor: self.floor,
            target: self.floor,
            evaluated: "every step's final level, on the device in its precision",
        }
        .check()?;
        Ok(GpuMarchReport {
            steps: self.steps,
            newton_iterations: iterations,
            iterations_per_step: k,
            retried_chunks: retried,
            host_driven_steps: host_steps,
            verification,
            times,
        })
    }

    /// Steps `first..last` with the generic Newton driver; kept levels go to the snapshot
    /// slots. Returns the largest final residual and the iterations taken.
    fn host_driven_steps(
        &mut self,
        first: usize,
        last: usize,
        nt: usize,
        snapshot_every: usize,
        kept: &mut Vec<usize>,
    ) -> Result<(f64, usize)> {
        kept.clear();
        let level_bytes = (self.host_level.len() * self.ctx.precision().bytes()) as u64;
        let opts = march_newton_options();
        let mut stats = NewtonStats::default();
        let (mut worst, mut iterations) = (0.0_f64, 0);
        for s in first..last {
            self.begin_step();
            newton_solve_into(self, &opts, &mut stats).map_err(|e| Error::StepFailed {
                step: s,
                cause: Box::new(e),
            })?;
            worst = worst.max(stats.final_residual());
            iterations += stats.iterations;
            if is_kept_level(s, nt, snapshot_every) {
                let mut encoder = self.encoder("keep level");
                let at = kept.len() as u64 * level_bytes;
                encoder.copy_buffer_to_buffer(&self.iterate, 0, &self.snapshots, at, level_bytes);
                self.ctx.submit(encoder)?;
                kept.push(s);
            }
        }
        Ok((worst, iterations))
    }
}
