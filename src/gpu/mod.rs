//! GPU path: adapter selection, a counted device context, and WGSL kernels.

mod adapter;
mod context;
mod error;
pub mod grid;
pub mod layout;
pub mod ledger;
mod reduction;
pub mod shader;
mod timing;
mod transfer;

pub use adapter::{list_adapters, AdapterRequest, AdapterSummary};
pub use context::GpuContext;
pub use error::GpuError;
pub use grid::{workgroup_grid, WORKGROUP_SIZE};
pub use ledger::{Ledger, LedgerSnapshot};
pub use reduction::ReductionChain;
pub use shader::{shader_source, validate_wgsl, KERNELS};
pub use transfer::READBACK_BYTES;
