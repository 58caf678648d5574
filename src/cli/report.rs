//! Text reports and terminal output that never panics: reports go to stdout in one piece, a
//! closed pipe ends them quietly, notes go to stderr and are dropped if stderr is gone.

use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::backend::ComputeLabel;
use crate::problems::heat1d::params::Heat1D;

/// Appends one line to a report; reports are written in one piece by [`emit`].
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}
pub(crate) use say;

/// Writes a report to stdout; a closed pipe (`| head`) ends the output quietly, other write
/// failures (a full disk) are errors.
pub fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing to stdout"),
        _ => Ok(()),
    }
}

/// One line on stderr prefixed `note: `; lost without a panic if stderr cannot be written.
pub fn note(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "note: {text}");
}

/// A progress bar that appears only on runs longer than about a second, and only on a terminal.
pub struct DelayedProgress {
    bar: ProgressBar,
    start: Instant,
    shown: bool,
}

impl DelayedProgress {
    pub fn new(unit: &str) -> DelayedProgress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let template =
            format!("{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {unit} (eta {{eta}})");
        bar.set_style(ProgressStyle::with_template(&template).expect("valid template"));
        DelayedProgress {
            bar,
            start: Instant::now(),
            shown: false,
        }
    }

    pub fn update(&mut self, done: u64, total: u64) {
        if !self.shown && self.start.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        self.bar.set_length(total);
        self.bar.set_position(done);
    }
}

impl Drop for DelayedProgress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

pub fn print_problem(out: &mut String, p: &Heat1D, label: &ComputeLabel) {
    say!(out, "backend    {label}");
    say!(
        out,
        "problem    nt = {}, nx = {} ({} unknowns), dt = {:.4e}, dx = {:.4e}, r = {:.4e}, alpha = {:?}, beta = {:?}, theta = {:?}",
        p.nt,
        p.nx,
        p.unknowns(),
        p.dt(),
        p.dx(),
        p.mesh_ratio(),
        p.alpha,
        p.beta,
        p.theta
    );
}

pub fn format_row(row: &[f64]) -> String {
    let shown: Vec<String> = row.iter().take(12).map(|t| format!("{t:.4}")).collect();
    let more = if row.len() > 12 {
        format!(" ... ({} values)", row.len())
    } else {
        String::new()
    };
    format!("[{}]{more}", shown.join(", "))
}
