//! Worker threads of one CPU run: created once per `advance` call (`std::thread::scope`),
//! synchronised by a `Barrier` after every pass over the grid, never per row. Nothing here
//! allocates per step: the threads, the barrier and the per-thread scratch exist for the whole
//! call, and the hot loops only read and write the two ping-pong fields.
//!
//! Invariant: during a pass, every thread reads the source field and writes only its own rows
//! (or columns) of the destination; the source and destination are different buffers; the
//! barrier ends the pass before any thread reads what another wrote.

use std::ops::Range;
use std::sync::Barrier;

/// Two equally long fields used alternately as source and destination, shared by the team.
#[derive(Clone, Copy)]
pub(crate) struct PingPong {
    ptrs: [*mut f64; 2],
    len: usize,
}

// SAFETY: the team honours the module invariant (disjoint writes, barrier between passes).
unsafe impl Send for PingPong {}
unsafe impl Sync for PingPong {}

impl PingPong {
    pub fn new(fields: &mut [Vec<f64>; 2]) -> PingPong {
        let [a, b] = fields;
        PingPong::from_slices(a, b)
    }

    pub fn from_slices(a: &mut [f64], b: &mut [f64]) -> PingPong {
        assert_eq!(a.len(), b.len());
        PingPong {
            ptrs: [a.as_mut_ptr(), b.as_mut_ptr()],
            len: a.len(),
        }
    }

    /// Reals in each field.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The start of field `which`, for writes scattered over the field.
    ///
    /// # Safety
    /// Writes through it must follow the module invariant (each thread its own elements).
    pub unsafe fn base(&self, which: usize) -> *mut f64 {
        self.ptrs[which]
    }

    /// Field `which` (0 or 1), read-only.
    ///
    /// # Safety
    /// No thread writes field `which` while the returned slice lives.
    pub unsafe fn source(&self, which: usize) -> &[f64] {
        unsafe { std::slice::from_raw_parts(self.ptrs[which], self.len) }
    }

    /// Elements `range` of field `which`, writable.
    ///
    /// # Safety
    /// No other thread reads or writes `range` of field `which` while the slice lives.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn part(&self, which: usize, range: Range<usize>) -> &mut [f64] {
        assert!(range.start <= range.end && range.end <= self.len);
        unsafe { std::slice::from_raw_parts_mut(self.ptrs[which].add(range.start), range.len()) }
    }
}

/// The `t`-th of `parts` near-equal slices of `0..n`.
pub(crate) fn share(n: usize, parts: usize, t: usize) -> Range<usize> {
    n * t / parts..n * (t + 1) / parts
}

/// Worker threads for a problem with `units` independent units of work (rows, systems).
pub(crate) fn team_size(requested: usize, units: usize) -> usize {
    requested.clamp(1, units.max(1))
}

/// Runs `work(t, &mut scratch[t], barrier)` on `scratch.len()` threads (the caller's thread is
/// thread 0) and waits for all of them.
pub(crate) fn run_team<S: Send>(scratch: &mut [S], work: impl Fn(usize, &mut S, &Barrier) + Sync) {
    let barrier = Barrier::new(scratch.len());
    let (work, barrier) = (&work, &barrier);
    std::thread::scope(|scope| {
        let mut parts = scratch.iter_mut().enumerate();
        let first = parts.next().expect("at least one thread");
        for (t, s) in parts {
            scope.spawn(move || work(t, s, barrier));
        }
        work(first.0, first.1, barrier);
    });
}

/// Available hardware threads (1 if unknown).
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A zeroed field of `len` reals whose memory the kernel is asked to back with huge pages
/// (Linux `madvise(MADV_HUGEPAGE)` before the first touch): sweeps along columns touch a new
/// 4 KiB page on every row, and a 2 MiB page holds many rows. Elsewhere a plain zeroed vector.
pub(crate) fn field_vec(len: usize) -> Vec<f64> {
    let mut v = vec![0.0; len];
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = v.as_mut_ptr() as usize;
        let end = start + 8 * len;
        let (first, last) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if last > first {
            // SAFETY: advice on whole pages inside the vector's own allocation; it changes no
            // contents and failure is harmless (the pages stay small).
            unsafe {
                libc::madvise(
                    first as *mut libc::c_void,
                    last - first,
                    libc::MADV_HUGEPAGE,
                )
            };
        }
    }
    v
}

/// A field of `len` reals starting on a 64-byte boundary (a cache line: whole lines can be written
/// with non-temporal stores), in huge-page-advised memory (see [`field_vec`]).
pub(crate) struct AlignedField {
    data: Vec<f64>,
    start: usize,
    len: usize,
}

impl AlignedField {
    pub fn new(len: usize) -> AlignedField {
        let data = field_vec(len + 8);
        let start = data.as_ptr().align_offset(64);
        assert!(start < 8, "f64 vectors are 8-byte aligned");
        AlignedField { data, start, len }
    }

    pub fn as_slice(&self) -> &[f64] {
        &self.data[self.start..self.start + self.len]
    }

    pub fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.data[self.start..self.start + self.len]
    }
}
