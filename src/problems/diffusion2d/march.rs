//! A time march of the 2D problem on any backend, and the driver that runs one to the end with
//! snapshots. Every field handed out (snapshots and the final field) is checked first: a NaN or
//! an infinity is an error naming the step and the point, never a result.

use super::params::Diffusion2D;
use crate::error::Result;

/// Called with `(step, field)` for each snapshot (row-major `ny x nx`).
pub type OnSnapshot<'a> = &'a mut dyn FnMut(usize, &[f64]) -> Result<()>;

/// Called with the steps done so far.
pub type OnProgress<'a> = &'a mut dyn FnMut(usize);

/// A 2D diffusion march whose state stays where it lives (host or device) between calls.
pub trait Marcher2d {
    fn problem(&self) -> &Diffusion2D;

    /// Steps done since construction.
    fn steps_done(&self) -> usize;

    /// Advances `steps` steps. Allocates nothing (host or device) and reads nothing back.
    fn advance(&mut self, steps: usize) -> Result<()>;

    /// Copies the current field, row-major `ny x nx` in f64, into `out`.
    fn read_field(&mut self, out: &mut [f64]) -> Result<()>;

    /// Advances `steps` steps, handing the field to `on_snapshot` after every step that is a
    /// multiple of `every` (0: never); `buffer` (one field) holds it. Backends that can keep
    /// several snapshots on the device override this.
    fn advance_with_snapshots(
        &mut self,
        steps: usize,
        every: usize,
        buffer: &mut [f64],
        on_snapshot: OnSnapshot<'_>,
        on_progress: OnProgress<'_>,
    ) -> Result<()> {
        let end = self.steps_done() + steps;
        let piece = progress_piece(steps);
        while self.steps_done() < end {
            crate::cancel::check()?;
            let done = self.steps_done();
            let mut next = (done + piece).min(end);
            if let Some(k) = done.checked_div(every) {
                next = next.min((k + 1) * every);
            }
            self.advance(next - done)?;
            if every > 0 && next.is_multiple_of(every) {
                self.read_field(buffer)?;
                self.problem().check_result(next, buffer)?;
                on_snapshot(next, buffer)?;
            }
            on_progress(next);
        }
        Ok(())
    }
}

/// Steps between progress reports: about 50 reports a run, in multiples of 16 steps (so that
/// temporally blocked passes are rarely cut short).
fn progress_piece(steps: usize) -> usize {
    (steps / 50).next_multiple_of(16).max(16)
}

/// Runs the problem's remaining steps with its snapshots (step 0 included when snapshots are
/// on) and leaves the final, checked field in `field`.
pub fn run_to_end(
    marcher: &mut dyn Marcher2d,
    field: &mut [f64],
    on_snapshot: OnSnapshot<'_>,
    on_progress: OnProgress<'_>,
) -> Result<()> {
    let problem = marcher.problem().clone();
    let every = problem.snapshot_every;
    if every > 0 && marcher.steps_done() == 0 {
        marcher.read_field(field)?;
        problem.check_result(0, field)?;
        on_snapshot(0, field)?;
    }
    let remaining = problem.steps.saturating_sub(marcher.steps_done());
    marcher.advance_with_snapshots(remaining, every, field, on_snapshot, on_progress)?;
    marcher.read_field(field)?;
    problem.check_result(marcher.steps_done(), field)
}
