//! Counters of GPU work, so tests and benchmarks can assert what a code path costs.
//!
//! Only [`GpuContext`](super::GpuContext) increments a [`Ledger`]: every buffer creation,
//! upload, download, pipeline, bind group, dispatch and submit goes through a context
//! method that both does the work and counts it.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Monotonic counters of GPU work done through one context.
#[derive(Debug, Default)]
pub struct Ledger {
    buffers_created: AtomicU64,
    bytes_allocated: AtomicU64,
    bytes_uploaded: AtomicU64,
    bytes_downloaded: AtomicU64,
    submits: AtomicU64,
    dispatches: AtomicU64,
    pipelines_created: AtomicU64,
    bind_groups_created: AtomicU64,
}

/// The ledger's counters at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LedgerSnapshot {
    pub buffers_created: u64,
    pub bytes_allocated: u64,
    pub bytes_uploaded: u64,
    pub bytes_downloaded: u64,
    pub submits: u64,
    pub dispatches: u64,
    pub pipelines_created: u64,
    pub bind_groups_created: u64,
}

fn bump(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

impl Ledger {
    pub(crate) fn buffer_created(&self, bytes: u64) {
        bump(&self.buffers_created, 1);
        bump(&self.bytes_allocated, bytes);
    }

    pub(crate) fn uploaded(&self, bytes: u64) {
        bump(&self.bytes_uploaded, bytes);
    }

    pub(crate) fn downloaded(&self, bytes: u64) {
        bump(&self.bytes_downloaded, bytes);
    }

    pub(crate) fn submitted(&self) {
        bump(&self.submits, 1);
    }

    pub(crate) fn dispatched(&self) {
        bump(&self.dispatches, 1);
    }

    pub(crate) fn pipeline_created(&self) {
        bump(&self.pipelines_created, 1);
    }

    pub(crate) fn bind_group_created(&self) {
        bump(&self.bind_groups_created, 1);
    }

    pub fn snapshot(&self) -> LedgerSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        LedgerSnapshot {
            buffers_created: get(&self.buffers_created),
            bytes_allocated: get(&self.bytes_allocated),
            bytes_uploaded: get(&self.bytes_uploaded),
            bytes_downloaded: get(&self.bytes_downloaded),
            submits: get(&self.submits),
            dispatches: get(&self.dispatches),
            pipelines_created: get(&self.pipelines_created),
            bind_groups_created: get(&self.bind_groups_created),
        }
    }
}

impl LedgerSnapshot {
    /// Work done between `earlier` and `self`; `earlier` must be a snapshot of the same
    /// ledger taken before `self` (counters never decrease, so the difference is >= 0).
    pub fn since(&self, earlier: &LedgerSnapshot) -> LedgerSnapshot {
        LedgerSnapshot {
            buffers_created: self.buffers_created - earlier.buffers_created,
            bytes_allocated: self.bytes_allocated - earlier.bytes_allocated,
            bytes_uploaded: self.bytes_uploaded - earlier.bytes_uploaded,
            bytes_downloaded: self.bytes_downloaded - earlier.bytes_downloaded,
            submits: self.submits - earlier.submits,
            dispatches: self.dispatches - earlier.dispatches,
            pipelines_created: self.pipelines_created - earlier.pipelines_created,
            bind_groups_created: self.bind_groups_created - earlier.bind_groups_created,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_is_the_difference_of_snapshots() {
        let ledger = Ledger::default();
        ledger.buffer_created(64);
        let before = ledger.snapshot();
        ledger.buffer_created(32);
        ledger.uploaded(32);
        ledger.submitted();
        let delta = ledger.snapshot().since(&before);
        assert_eq!(
            delta,
            LedgerSnapshot {
                buffers_created: 1,
                bytes_allocated: 32,
                bytes_uploaded: 32,
                submits: 1,
                ..LedgerSnapshot::default()
            }
        );
    }
}
