//! The command line: `heatgpu solve | residual | info | bench`, one file per command.
//!
//! Every command validates its inputs (values, combinations, output paths) before it
//! allocates or computes anything, writes its files through [`crate::output::Outputs`]
//! (temporary files renamed when the command has succeeded) and reports on stdout in one
//! piece; errors are one line on stderr (see `main.rs`).

mod args;
mod bench;
mod info;
pub(crate) mod report;
mod residual;
mod solve;

use clap::{Parser, Subcommand};

pub use args::{ComputeArgs, NewtonArgs, ProblemArgs};
pub use bench::BenchArgs;
pub use info::InfoArgs;
pub use residual::ResidualArgs;
pub use solve::SolveArgs;

#[derive(Parser, Debug)]
#[command(
    name = "heatgpu",
    version,
    about = "Heat-equation systems: residuals, Newton and implicit time marching, on the GPU and the CPU"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Solve the space-time heat system (defaults: the users' problem, 11 million unknowns).
    Solve(SolveArgs),
    /// Evaluate the residual on the users' initial guess or a .npy field: norms per block and time.
    Residual(ResidualArgs),
    /// List the compute devices and the memory the process may use (works with no GPU).
    Info(InfoArgs),
    /// Time the same operations on every backend (CPU, each adapter) in one run.
    Bench(BenchArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Solve(args) => solve::run(&args),
        Command::Residual(args) => residual::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Bench(args) => bench::run(&args),
    }
}
