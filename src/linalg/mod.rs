//! Linear algebra shared by the problems: cyclic (periodic) tridiagonal systems, on the CPU
//! ([`cyclic`], stable without diagonal dominance; [`cyclic_factored`], one constant
//! factorisation by Sherman-Morrison reused for many right sides, as ADI needs) and on the GPU
//! ([`gpu_cyclic`]: a batch, one invocation per system, with pivoting; one large system by the
//! partitioned solver, which needs dominance). Each WGSL kernel has its CPU twin here.

pub mod cyclic;
pub mod cyclic_batched;
pub mod cyclic_border;
pub mod cyclic_factored;
pub mod gpu_cyclic;
