//! How much memory a run needs against how much the machine has.

use crate::error::{HeatError, Result};

const MIB: f64 = 1024.0 * 1024.0;

/// Bytes the operating system reports as available for new allocations
/// (`MemAvailable` in /proc/meminfo); `None` where that cannot be read.
pub fn available_memory_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Fails with [`HeatError::OutOfMemory`] when `needed_bytes` exceeds the available memory.
pub fn ensure_fits(what: &str, needed_bytes: u64) -> Result<()> {
    ensure_fits_in(what, needed_bytes, available_memory_bytes())
}

/// As [`ensure_fits`] with an explicit budget (`None`: unknown, assume it fits).
pub fn ensure_fits_in(what: &str, needed_bytes: u64, available: Option<u64>) -> Result<()> {
    match available {
        Some(avail) if needed_bytes > avail => Err(HeatError::OutOfMemory {
            what: what.to_string(),
            needed_mib: needed_bytes as f64 / MIB,
            available_mib: avail as f64 / MIB,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_needed_and_available() {
        let err = ensure_fits_in("all-at-once solve", 3 << 30, Some(1 << 30)).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("3072.0 MiB"), "{msg}");
        assert!(msg.contains("1024.0 MiB"), "{msg}");
        assert!(ensure_fits_in("x", 10, Some(10)).is_ok());
        assert!(ensure_fits_in("x", u64::MAX, None).is_ok());
    }
}
