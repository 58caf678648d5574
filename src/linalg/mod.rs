//! Linear algebra shared by the problems, CPU and GPU, one file per verb; each WGSL kernel under
//! `shaders/linalg/` has its CPU twin here (same name, argument order and semantics, f64).
//!
//! - Tridiagonal: [`thomas`] (one system), [`thomas_batched`] / [`thomas_batched_factored`]
//!   (many, interleaved), the partitioned solver for one large system ([`tridiag`]:
//!   [`tridiag_partition_reduce`], [`pcr_workgroup`], [`tridiag_partition_substitute`]) and its
//!   device driver [`gpu_tridiag`].
//! - Cyclic (periodic) tridiagonal: [`cyclic`] (stable without diagonal dominance),
//!   [`cyclic_factored`] (one Sherman-Morrison factorisation reused for many right sides, as ADI
//!   needs), on the GPU [`gpu_cyclic`] (a batch with pivoting; one large system by bordering on
//!   the partitioned solver) with the twins [`cyclic_batched`], [`cyclic_border`].
//! - Scans of affine maps ([`affine_scan`], [`gpu_scan`]): `x[i+1] = A_i x[i] + b_i` in
//!   O(log n) depth.
//! - Norms and arithmetic: [`max_abs`], [`max_abs_reduce`], [`double_double`].

pub mod affine_scan;
pub mod cyclic;
pub mod cyclic_batched;
pub mod cyclic_border;
pub mod cyclic_factored;
pub mod double_double;
pub mod gpu_cyclic;
pub mod gpu_scan;
pub mod gpu_tridiag;
pub mod max_abs;
pub mod max_abs_reduce;
pub mod pcr_workgroup;
pub mod thomas;
pub mod thomas_batched;
pub mod thomas_batched_factored;
pub mod tridiag;
pub mod tridiag_partition_reduce;
pub mod tridiag_partition_substitute;

pub use max_abs_reduce::{finish_max_norm, max_abs_reduce, ReduceParams, REDUCE_WIDTH};
pub use pcr_workgroup::{pcr_workgroup, PCR_MAX_ROWS};
pub use thomas::thomas_solve;
pub use thomas_batched::thomas_batched;
pub use thomas_batched_factored::thomas_batched_factored;
pub use tridiag::{
    check_diagonal_dominance, thomas_factor, BatchParams, CpuPartitionedTridiag, PartitionParams,
    PartitionPlan, TridiagError, DEFAULT_BLOCK_ROWS, MAX_SWEEP_ROWS,
};
pub use tridiag_partition_reduce::tridiag_partition_reduce;
pub use tridiag_partition_substitute::tridiag_partition_substitute;
