//! Ctrl-C ends a run cleanly: the handler raises a flag, long loops (Newton iterations, time
//! steps, GPU submits, benchmark repeats) check it between units of work and return
//! [`Error::Interrupted`], so temporary outputs are removed and no file is left half
//! written. A second Ctrl-C exits at once.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Exit status of a run ended by Ctrl-C (128 + SIGINT), as shells report it.
pub const INTERRUPTED_EXIT: u8 = 130;

/// Installs the Ctrl-C handler (once per process; later calls do nothing).
pub fn install_handler() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // An error here (a handler set by the embedding program) leaves Ctrl-C as it was.
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(i32::from(INTERRUPTED_EXIT));
            }
        });
    });
}

/// `Err(Interrupted)` once Ctrl-C was pressed.
pub fn check() -> Result<()> {
    if INTERRUPTED.load(Ordering::Relaxed) {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// Raises the flag as Ctrl-C would (for tests of the clean-up paths).
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Lowers the flag again (tests only: a real run ends after an interruption).
pub fn reset() {
    INTERRUPTED.store(false, Ordering::SeqCst);
}
