//! Problem-agnostic drivers: adaptive time stepping with local error control.

pub mod step_control;
