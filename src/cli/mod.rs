//! The command line: `heatgpu solve [heat1d | burgers | diffusion2d] | residual | info |
//! bench`, one file per command; each problem's own arguments live in its folder.
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
mod solve_adaptive;

use clap::{Parser, Subcommand};

pub use args::{ComputeArgs, NewtonArgs, ProblemArgs};
pub use bench::BenchArgs;
pub use info::InfoArgs;
pub use residual::ResidualArgs;
pub use solve::{Heat1dArgs, SolveArgs, SolveProblem};

#[derive(Parser, Debug)]
#[command(
    name = "heatgpu",
    version,
    about = "Diffusion-type PDEs as large systems: residuals, Newton and implicit time marching, on the GPU and the CPU"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Solve a problem: heat1d (the default: the users' space-time heat system, 11 million
    /// unknowns), burgers or diffusion2d.
    Solve(Box<SolveArgs>),
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
