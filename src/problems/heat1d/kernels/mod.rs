//! CPU twins of the heat1d WGSL kernels: for each `shaders/heat1d/NAME.wgsl` a function `NAME` with the same
//! argument order and semantics, in f64. They are the reference the GPU path is checked against
//! and the fallback when no adapter exists. None of them allocates. The linear-algebra kernels
//! they build on live in [`crate::linalg`] and are re-exported here for the heat code.
//!
//! The GPU path keeps residuals in a level-major layout (`heat_residual_levels`) and splits the
//! Newton direction into a parallel Jacobian assembly (`heat_jacobian`) and a sequential march
//! (`thomas_march`) over chunks of levels; the CPU's fused `newton_march` computes the same
//! direction in one pass, and tests check the two against each other.

pub mod affine_blocks;
pub mod affine_levels;
pub mod affine_powers;
mod dispatch;
pub mod heat_jacobian;
pub mod heat_residual;
pub mod heat_residual_levels;
pub mod heat_residual_partials;
pub mod newton_march;
pub mod newton_scan;
pub mod newton_trial;
pub mod newton_trial_partials;
pub mod params;
pub mod theta_rhs;
pub mod theta_step_residual;
pub mod thomas_march;
pub mod thomas_march_rows;

pub use crate::linalg::max_abs_reduce::{
    finish_max_norm, max_abs_reduce, ReduceParams, REDUCE_WIDTH,
};
pub use crate::linalg::pcr_workgroup::{pcr_workgroup, PCR_MAX_ROWS};
pub use crate::linalg::thomas::thomas_solve;
pub use crate::linalg::thomas_batched::thomas_batched;
pub use crate::linalg::thomas_batched_factored::thomas_batched_factored;
pub use crate::linalg::tridiag::{
    check_diagonal_dominance, thomas_factor, BatchParams, CpuPartitionedTridiag, PartitionParams,
    PartitionPlan, TridiagError, DEFAULT_BLOCK_ROWS, MAX_SWEEP_ROWS,
};
pub use crate::linalg::tridiag_partition_reduce::tridiag_partition_reduce;
pub use crate::linalg::tridiag_partition_substitute::tridiag_partition_substitute;
pub use affine_blocks::{BlockedAffineSolve, FieldCheck};
pub use affine_levels::{affine_block_starts, affine_levels, BlockParams};
pub use heat_jacobian::{heat_jacobian, MarchCursor, JACOBIAN_ROW};
pub use heat_residual::{heat_residual, heat_residual_norm, heat_residual_par};
pub use heat_residual_levels::{heat_residual_levels, levels_to_p1_order, Segment};
pub use heat_residual_partials::heat_residual_partials;
pub use newton_march::{newton_march, AffineLevelMap, MarchNorms};
pub use newton_trial::newton_trial;
pub use newton_trial_partials::newton_trial_partials;
pub use params::{HeatParams, FLOOR_ROUNDINGS};
pub use theta_rhs::{theta_matrix, theta_rhs, MarchParams, Member};
pub use theta_step_residual::theta_step_residual;
pub use thomas_march::thomas_march;
pub use thomas_march_rows::{thomas_march_backward_rows, thomas_march_forward_rows};
