//! Problems, one folder each: parameters, CPU and GPU marchers, exact solutions, CLI arguments.

pub mod diffusion2d;
