//! The counting global allocator of the zero-allocation tests. A test file installs it with
//!
//! ```ignore
//! #[global_allocator]
//! static GLOBAL: common::alloc::CountingAllocator = common::alloc::CountingAllocator;
//! ```
//!
//! and measures with [`allocations_in`] (the calling thread only: the harness's other test
//! threads do not count) or [`allocations_in_all_threads`] (worker pools included; such a file
//! holds a single test, so that no other test allocates meanwhile).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct CountingAllocator;

thread_local! {
    static THIS_THREAD: Cell<usize> = const { Cell::new(0) };
}

static ALL_THREADS: AtomicUsize = AtomicUsize::new(0);

fn count_allocation() {
    ALL_THREADS.fetch_add(1, Ordering::Relaxed);
    // try_with: a thread being torn down has no counter left, and is not the one measured.
    let _ = THIS_THREAD.try_with(|n| n.set(n.get() + 1));
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_allocation();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_allocation();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations made by `f` on the calling thread.
pub fn allocations_in(f: impl FnOnce()) -> usize {
    let before = THIS_THREAD.with(Cell::get);
    f();
    THIS_THREAD.with(Cell::get) - before
}

/// Allocations made on every thread while `f` runs.
pub fn allocations_in_all_threads(f: impl FnOnce()) -> usize {
    let before = ALL_THREADS.load(Ordering::SeqCst);
    f();
    ALL_THREADS.load(Ordering::SeqCst) - before
}
