//! P1 on the GPU: the all-at-once Newton session ([`session`]), the blocked direct solve of the
//! linear system ([`blocked`]) and the scanned Newton direction ([`newton_scan`]).

pub mod blocked;
pub mod newton_scan;
pub mod session;

pub use blocked::GpuBlockedAffine;
pub use newton_scan::GpuNewtonScan;
pub use session::GpuHeatSession;
