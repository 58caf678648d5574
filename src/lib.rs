pub mod gpu;
pub mod precision;
