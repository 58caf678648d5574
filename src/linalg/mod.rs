//! Linear algebra shared by the problems: cyclic (periodic) tridiagonal solvers.

pub mod cyclic;
