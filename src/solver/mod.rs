//! Problem-agnostic drivers, written once against small traits that every problem and backend
//! implements: Newton's method ([`newton`], `NewtonSystem`: scalars only, so arrays stay on
//! the device), the time march ([`march`], `LevelStepper`) and adaptive step control with
//! local error estimates ([`step_control`], `AdaptiveStepper`).

pub mod march;
pub mod newton;
pub mod step_control;
