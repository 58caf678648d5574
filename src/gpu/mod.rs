//! GPU path: adapter selection, a counted device context, and WGSL kernels.

pub mod grid;
pub mod ledger;

pub use grid::{workgroup_grid, WORKGROUP_SIZE};
pub use ledger::{Ledger, LedgerSnapshot};
