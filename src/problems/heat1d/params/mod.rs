//! Problem definitions: parameters, validation, initial guesses and row layouts.

pub mod heat1d;

pub use heat1d::{Heat1D, ResidualLayout};
