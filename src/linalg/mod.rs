//! Linear algebra shared by the problems: tridiagonal solvers, CPU and GPU.

pub mod cyclic_factored;
