//! How much memory the process may use, so that a run too large is refused before it
//! allocates anything, in milliseconds, with the figures.
//!
//! The budget is the smallest of: the memory the system reports available (`MemAvailable`),
//! the free part of the process's cgroup limit (cgroup v2 `memory.max` minus usage), and the
//! headroom under `RLIMIT_AS` (the limit minus the address space already mapped).

use serde::Serialize;
use sysinfo::{MemoryRefreshKind, Pid, ProcessRefreshKind, ProcessesToUpdate, System};

use crate::error::{Error, Result};

pub const MIB: f64 = 1024.0 * 1024.0;

/// What the process may still allocate, and which limit says so.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MemoryBudget {
    /// `None`: no limit could be read (the run is not refused).
    pub bytes: Option<u64>,
    pub limited_by: &'static str,
}

impl MemoryBudget {
    /// Reads the limits now (a few milliseconds).
    pub fn detect() -> MemoryBudget {
        let mut system = System::new();
        system.refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
        let mut candidates: Vec<(u64, &'static str)> = Vec::new();
        let available = system.available_memory();
        if available > 0 {
            candidates.push((available, "available memory"));
        }
        if let Some(cgroup) = system.cgroup_limits() {
            candidates.push((cgroup.free_memory, "the cgroup's memory.max"));
        }
        if let Some(headroom) = address_space_headroom(&mut system) {
            candidates.push((headroom, "RLIMIT_AS"));
        }
        match candidates.into_iter().min_by_key(|&(bytes, _)| bytes) {
            Some((bytes, limited_by)) => MemoryBudget {
                bytes: Some(bytes),
                limited_by,
            },
            None => MemoryBudget {
                bytes: None,
                limited_by: "no limit readable",
            },
        }
    }

    /// Fails with [`Error::OutOfMemory`] when `needed_bytes` exceeds the budget; `fix` says
    /// what the user can change (it ends the message).
    pub fn ensure_fits(&self, what: &str, needed_bytes: u64, fix: &str) -> Result<()> {
        match self.bytes {
            Some(budget) if needed_bytes > budget => Err(Error::OutOfMemory {
                what: what.to_string(),
                needed_mib: needed_bytes as f64 / MIB,
                available_mib: budget as f64 / MIB,
                limited_by: self.limited_by,
                fix: fix.to_string(),
            }),
            _ => Ok(()),
        }
    }
}

/// [`MemoryBudget::detect`] and [`MemoryBudget::ensure_fits`] in one call.
pub fn ensure_fits(what: &str, needed_bytes: u64, fix: &str) -> Result<()> {
    MemoryBudget::detect().ensure_fits(what, needed_bytes, fix)
}

/// `RLIMIT_AS` minus the address space this process maps already; `None` when unlimited.
fn address_space_headroom(system: &mut System) -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass and reads nothing else.
    if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return None;
    }
    let pid = Pid::from_u32(std::process::id());
    system.refresh_processes_specifics(
        ProcessesToUpdate::Some(&[pid]),
        false,
        ProcessRefreshKind::nothing().with_memory(),
    );
    let mapped = system.process(pid).map_or(0, |p| p.virtual_memory());
    #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every target
    Some((limit.rlim_cur as u64).saturating_sub(mapped))
}

/// `count * bytes_each`, or `u64::MAX` when that overflows (refused by any budget).
pub fn bytes_for(count: usize, bytes_each: usize) -> u64 {
    (count as u64).saturating_mul(bytes_each as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_needed_available_and_the_limit() {
        let budget = MemoryBudget {
            bytes: Some(1 << 30),
            limited_by: "RLIMIT_AS",
        };
        let err = budget
            .ensure_fits("all-at-once solve", 3 << 30, "use --mode march")
            .unwrap_err();
        let msg = err.to_string();
        for part in ["3072.0 MiB", "1024.0 MiB", "RLIMIT_AS", "use --mode march"] {
            assert!(msg.contains(part), "{msg}");
        }
        assert!(budget.ensure_fits("x", 1 << 30, "").is_ok());
        let unknown = MemoryBudget {
            bytes: None,
            limited_by: "no limit readable",
        };
        assert!(unknown.ensure_fits("x", u64::MAX, "").is_ok());
    }

    #[test]
    fn detects_a_budget_in_milliseconds() {
        let start = std::time::Instant::now();
        let budget = MemoryBudget::detect();
        assert!(budget.bytes.is_some_and(|b| b > 0), "{budget:?}");
        assert!(start.elapsed().as_millis() < 500);
    }
}
