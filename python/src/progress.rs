//! Progress and Ctrl-C while the GIL is released.
//!
//! A solve runs with the GIL released; its progress callback `(done, total)` arrives on the
//! computing thread. At most every [`INTERVAL`] (and at the end) the bridge takes the GIL back,
//! calls the Python callback (a tqdm bar, or the user's function) and checks for signals. A
//! KeyboardInterrupt (or an exception in the callback) raises heatgpu's cancel flag, so the run
//! stops at its next check with nothing half done, and the Python exception is raised instead
//! of the run's own `Interrupted`. The flag is process-wide: other runs in the same process
//! stop too, as they would on Ctrl-C in the CLI.

use std::time::{Duration, Instant};

use pyo3::prelude::*;

use crate::errors::to_py;

/// Least time between two calls into Python.
pub const INTERVAL: Duration = Duration::from_millis(100);

pub struct Bridge<'a> {
    callback: Option<&'a Py<PyAny>>,
    last: Instant,
    error: Option<PyErr>,
}

impl<'a> Bridge<'a> {
    pub fn new(callback: Option<&'a Py<PyAny>>) -> Bridge<'a> {
        Bridge {
            callback,
            last: Instant::now(),
            error: None,
        }
    }

    /// `done` of `total` units; calls Python at most every [`INTERVAL`], and at the end.
    pub fn update(&mut self, done: u64, total: u64) {
        if self.error.is_some() {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.last) < INTERVAL && done < total {
            return;
        }
        self.last = now;
        let result = Python::attach(|py| -> PyResult<()> {
            if let Some(callback) = self.callback {
                callback.call1(py, (done, total))?;
            }
            py.check_signals()
        });
        if let Err(e) = result {
            self.error = Some(e);
            heatgpu::cancel::interrupt();
        }
    }

    /// A line of text (bench: the measurement about to start).
    pub fn line(&mut self, text: &str) {
        if self.error.is_some() {
            return;
        }
        let result = Python::attach(|py| -> PyResult<()> {
            if let Some(callback) = self.callback {
                callback.call1(py, (text,))?;
            }
            py.check_signals()
        });
        if let Err(e) = result {
            self.error = Some(e);
            heatgpu::cancel::interrupt();
        }
    }

    /// The run's result, or the Python exception that stopped it.
    pub fn finish<T>(self, result: heatgpu::Result<T>) -> PyResult<T> {
        match self.error {
            Some(e) => {
                heatgpu::cancel::reset();
                Err(e)
            }
            None => result.map_err(to_py),
        }
    }
}
