//! A fixed set of worker threads, created once and reused by every call: a parallel pass that
//! allocates nothing.
//!
//! `std::thread::scope` spawns (and allocates) on every call, and rayon's injector queue
//! allocates a block every few dozen jobs pushed from outside its pool, so neither can sit in
//! a loop that is proven allocation-free. [`WorkerPool::run`] instead hands one borrowed job to
//! threads parked on a condition variable (std's futex-based `Mutex` and `Condvar` do not
//! allocate) and returns when every thread has finished it. Jobs share work through their own
//! atomics or locks; the pool only says which worker is which.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

/// A job as a raw pointer with its borrow's lifetime erased; only [`WorkerPool::run`] makes
/// one, and it does not return before every worker has stopped using it.
#[derive(Clone, Copy)]
struct JobRef(*const (dyn Fn(usize) + Sync));

// SAFETY: the pointee is `Sync` and outlives every use (see `WorkerPool::run`).
unsafe impl Send for JobRef {}

#[derive(Default)]
struct State {
    /// Bumped for every job, so a worker runs each job once.
    generation: u64,
    job: Option<JobRef>,
    /// Workers still running the current job.
    running: usize,
    /// A worker's part of the current job panicked.
    panicked: bool,
    shutdown: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    job_posted: Condvar,
    job_done: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic inside a job is caught before it can poison the lock; recover regardless.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The calling thread plus `threads - 1` parked workers.
pub struct WorkerPool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    /// A pool of `threads` (at least 1: the caller). A worker that cannot be spawned is left
    /// out, so this never fails; [`Self::threads`] says how many there are.
    pub fn new(threads: usize) -> WorkerPool {
        let shared = Arc::new(Shared::default());
        let mut workers = Vec::new();
        for index in 1..threads.max(1) {
            let shared = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name(format!("heatgpu-worker-{index}"))
                .spawn(move || worker_loop(&shared, index));
            match spawned {
                Ok(handle) => workers.push(handle),
                Err(_) => break,
            }
        }
        WorkerPool { shared, workers }
    }

    /// One thread per available core.
    pub fn with_available_parallelism() -> WorkerPool {
        WorkerPool::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// Threads that run each job, the caller included.
    pub fn threads(&self) -> usize {
        self.workers.len() + 1
    }

    /// Runs `job(k)` once on each thread, k = 0 on the caller and 1.. on the workers, and
    /// returns when all have finished. A panic in any part is re-raised here after the others
    /// are done. Allocates nothing.
    pub fn run(&self, job: &(dyn Fn(usize) + Sync)) {
        if self.workers.is_empty() {
            job(0);
            return;
        }
        // SAFETY: only the lifetime is erased. The pointer is cleared, and every worker is done
        // with it, before this function returns or unwinds (`WaitForWorkers` waits in drop).
        let erased: *const (dyn Fn(usize) + Sync + 'static) = unsafe {
            std::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), *const (dyn Fn(usize) + Sync)>(
                job,
            )
        };
        {
            let mut state = self.shared.lock();
            state.generation += 1;
            state.job = Some(JobRef(erased));
            state.running = self.workers.len();
            state.panicked = false;
        }
        self.shared.job_posted.notify_all();
        let wait = WaitForWorkers(&self.shared);
        job(0);
        drop(wait);
        if std::mem::take(&mut self.shared.lock().panicked) {
            panic!("a worker thread panicked while running a pool job");
        }
    }
}

/// Blocks until the current job's workers are done, then clears the job (also on unwinding).
struct WaitForWorkers<'a>(&'a Shared);

impl Drop for WaitForWorkers<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        while state.running > 0 {
            state = self
                .0
                .job_done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.job = None;
    }
}

fn worker_loop(shared: &Shared, index: usize) {
    let mut seen = 0;
    loop {
        let job = {
            let mut state = shared.lock();
            while !state.shutdown && state.generation == seen {
                state = shared
                    .job_posted
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.shutdown {
                return;
            }
            seen = state.generation;
            state.job.expect("a posted job")
        };
        // SAFETY: `run` keeps the job alive until `running` drops to 0 below.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| unsafe { (*job.0)(index) }));
        let mut state = shared.lock();
        state.panicked |= outcome.is_err();
        state.running -= 1;
        if state.running == 0 {
            shared.job_done.notify_all();
        }
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.shared.lock().shutdown = true;
        self.shared.job_posted.notify_all();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WorkerPool({} threads)", self.threads())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_thread_runs_each_job_once() {
        let pool = WorkerPool::new(3);
        assert_eq!(pool.threads(), 3);
        let hits = [const { AtomicUsize::new(0) }; 3];
        for round in 1..=50 {
            pool.run(&|k| {
                hits[k].fetch_add(1, Ordering::Relaxed);
            });
            for h in &hits {
                assert_eq!(h.load(Ordering::Relaxed), round);
            }
        }
    }

    #[test]
    fn shared_counter_splits_work_and_borrows_stay_valid() {
        let pool = WorkerPool::new(4);
        let data: Vec<usize> = (0..10_000).collect();
        let next = AtomicUsize::new(0);
        let total = AtomicUsize::new(0);
        pool.run(&|_| loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= data.len() {
                break;
            }
            total.fetch_add(data[i], Ordering::Relaxed);
        });
        assert_eq!(total.into_inner(), 10_000 * 9_999 / 2);
    }

    #[test]
    fn a_panicking_worker_is_reported_and_the_pool_survives() {
        let pool = WorkerPool::new(2);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.run(&|k| {
                if k == 1 {
                    panic!("worker part fails");
                }
            })
        }));
        assert!(result.is_err());
        let ran = AtomicUsize::new(0);
        pool.run(&|_| {
            ran.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(ran.into_inner(), 2);
    }

    #[test]
    fn a_single_thread_pool_runs_on_the_caller() {
        let pool = WorkerPool::new(0);
        assert_eq!(pool.threads(), 1);
        let caller = std::thread::current().id();
        pool.run(&|k| {
            assert_eq!(k, 0);
            assert_eq!(std::thread::current().id(), caller);
        });
    }
}
