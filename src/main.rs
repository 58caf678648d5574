use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// Exit status of a failed run (usage errors exit with clap's 2; Ctrl-C with 130).
const FAILURE: u8 = 1;

fn main() -> ExitCode {
    // Mesa's software Vulkan driver prints "error: XDG_RUNTIME_DIR is invalid or not set" when
    // the variable is missing, which reads like one of ours; it needs no real directory.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
    }
    // A write past RLIMIT_FSIZE would kill the process with SIGXFSZ, leaving its temporary
    // output behind; ignored, the write fails with EFBIG and the output is cleaned up.
    // SAFETY: sets this process's disposition of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = match heatgpu::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout; a closed stream is no reason to panic.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    heatgpu::cancel::install_handler();
    match heatgpu::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the cause chain joined, each cause once.
            let mut chain: Vec<String> = Vec::new();
            for cause in e.chain().map(|c| c.to_string()) {
                if !chain.last().is_some_and(|last| last.ends_with(&cause)) {
                    chain.push(cause);
                }
            }
            let _ = writeln!(std::io::stderr().lock(), "error: {}", chain.join(": "));
            let interrupted = e
                .downcast_ref::<heatgpu::Error>()
                .is_some_and(|h| matches!(h, heatgpu::Error::Interrupted));
            ExitCode::from(if interrupted {
                heatgpu::cancel::INTERRUPTED_EXIT
            } else {
                FAILURE
            })
        }
    }
}
