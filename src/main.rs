use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
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
