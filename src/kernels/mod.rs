//! CPU twins of the WGSL kernels: for each `shaders/NAME.wgsl` a function `NAME` with the same
//! argument order and semantics, in f64. They are the reference the GPU path is checked against
//! and the fallback when no adapter exists. None of them allocates.

mod dispatch;
pub mod heat_residual;
pub mod max_abs;
pub mod newton_march;
pub mod newton_trial;
pub mod params;
pub mod thomas;

pub use heat_residual::{heat_residual, heat_residual_norm, heat_residual_par};
pub use newton_march::{newton_march, AffineLevelMap, MarchNorms};
pub use newton_trial::newton_trial;
pub use params::HeatParams;
pub use thomas::thomas_solve;
