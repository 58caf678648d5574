//! P1 on the GPU: the all-at-once Newton session ([`session`]), the blocked direct solve of the
//! linear system ([`blocked`]) and the scanned Newton direction ([`newton_scan`]) with the whole Newton solve on it
//! ([`scan_session`]).

pub mod blocked;
pub mod newton_scan;
pub mod scan_session;
pub mod session;

pub use blocked::GpuBlockedAffine;
pub use newton_scan::GpuNewtonScan;
pub use scan_session::GpuScanSession;
pub use session::GpuHeatSession;
