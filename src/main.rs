use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Mesa's software Vulkan driver prints "error: XDG_RUNTIME_DIR is invalid or not set" when
    // the variable is missing, which reads like one of ours; it needs no real directory.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
    }
    let cli = heatgpu::cli::Cli::parse();
    match heatgpu::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the cause chain joined.
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}
