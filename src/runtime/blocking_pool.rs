//! `BlockingPool`: the bounded thread pools behind `spawn_blocking`, `evloop::fs` and host
//! name lookups (one set per runtime).
//!
//! # Design
//!
//! The pool has three lanes ([`Lane`]), each a pool of its own with its own queue, threads
//! and bound, so that one kind of work cannot starve another: 64 slow user jobs in
//! `spawn_blocking` and 64 file reads queued behind them still leave the lookup lane free,
//! and a `connect("example.com:80")` resolves at once. A lane is started lazily: a job queue
//! under a `Mutex`, a `Condvar`, and up to its bound of worker threads. A new thread is
//! started only when no idle worker of the lane is waiting; an idle worker exits after
//! `blocking_keep_alive` without work.
//!
//! When the runtime is dropped, queued jobs that did not start are dropped, and the drop
//! joins the workers (idle ones exit at once when told), waiting [`JOIN_IDLE_LIMIT`] at
//! most, so that a leak checker or a test counting threads sees them gone. A worker still
//! running a job at the limit cannot be interrupted: it is detached, finishes its job on its
//! thread and then exits; its result goes nowhere.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A job for the pool: runs on a worker thread.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

/// How long dropping a runtime waits for its workers to exit (idle ones are told at once;
/// a worker in a job exits after it).
const JOIN_IDLE_LIMIT: Duration = Duration::from_secs(1);

struct PoolState {
    queue: VecDeque<Job>,
    threads: usize,
    idle: usize,
    /// Workers in a job.
    running: usize,
    /// Idle workers already signalled for queued jobs.
    notified: usize,
    /// The join handles of the workers started (finished ones are joined as they are
    /// found, so this stays as long as the live workers).
    workers: Vec<std::thread::JoinHandle<()>>,
    shutdown: bool,
}

struct PoolInner {
    state: Mutex<PoolState>,
    work: Condvar,
    max_threads: usize,
    keep_alive: Duration,
}

/// Which lane of the pool a job runs in; each has its own threads and bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lane {
    /// `spawn_blocking`: user jobs, bounded by `Builder::max_blocking_threads`.
    User = 0,
    /// `evloop::fs`: file system calls, bounded by `Builder::max_file_threads`.
    File = 1,
    /// Host name lookups for `connect`/`bind`, bounded by [`LOOKUP_THREADS`].
    Lookup = 2,
}

/// The most threads resolving host names at once (per runtime).
pub(crate) const LOOKUP_THREADS: usize = 4;

/// A runtime's pools of blocking threads, one per [`Lane`].
pub(crate) struct BlockingPool {
    lanes: [LanePool; 3],
}

impl BlockingPool {
    pub(crate) fn new(user_threads: usize, file_threads: usize, keep_alive: Duration) -> Self {
        BlockingPool {
            lanes: [
                LanePool::new(user_threads, keep_alive),
                LanePool::new(file_threads, keep_alive),
                LanePool::new(LOOKUP_THREADS, keep_alive),
            ],
        }
    }

    /// Queues `job` in `lane`; starts a worker there if none is idle and the bound allows.
    pub(crate) fn execute(&self, lane: Lane, job: Job) -> std::io::Result<()> {
        self.lanes[lane as usize].execute(job)
    }

    /// Whether a job is queued or running in any lane (a paused clock does not jump while
    /// one is: its result may be what a timeout races).
    pub(crate) fn is_busy(&self) -> bool {
        self.lanes.iter().any(|lane| {
            let state = lane.inner.lock();
            state.running > 0 || !state.queue.is_empty()
        })
    }

    /// Shuts every lane down: drops queued jobs, joins the workers ([`JOIN_IDLE_LIMIT`] at
    /// most in all).
    pub(crate) fn shutdown(&self) {
        for lane in &self.lanes {
            lane.begin_shutdown();
        }
        let deadline = Instant::now() + JOIN_IDLE_LIMIT;
        for lane in &self.lanes {
            lane.join_workers(deadline);
        }
    }
}

/// One lane: a bounded pool of threads with one queue.
struct LanePool {
    inner: Arc<PoolInner>,
}

impl PoolInner {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl LanePool {
    fn new(max_threads: usize, keep_alive: Duration) -> Self {
        LanePool {
            inner: Arc::new(PoolInner {
                state: Mutex::new(PoolState {
                    queue: VecDeque::new(),
                    threads: 0,
                    idle: 0,
                    running: 0,
                    notified: 0,
                    workers: Vec::new(),
                    shutdown: false,
                }),
                work: Condvar::new(),
                max_threads,
                keep_alive,
            }),
        }
    }

    /// Queues `job`; starts a worker if none is idle and the bound allows.
    fn execute(&self, job: Job) -> std::io::Result<()> {
        let mut state = self.inner.lock();
        if state.shutdown {
            return Ok(()); // dropped with the runtime: its waiter is being dropped too
        }
        state.queue.push_back(job);
        if state.idle > state.notified {
            state.notified += 1;
            // Outside the lock: the worker it wakes takes the lock at once.
            drop(state);
            self.inner.work.notify_one();
        } else if state.threads < self.inner.max_threads {
            state.threads += 1;
            let inner = self.inner.clone();
            let started = std::thread::Builder::new()
                .name("evloop-blocking".into())
                .spawn(move || worker(&inner));
            match started {
                Ok(handle) => {
                    // Join the workers that exited since (keep-alive), so the list stays short.
                    let (finished, running): (Vec<_>, Vec<_>) = std::mem::take(&mut state.workers)
                        .into_iter()
                        .partition(|worker| worker.is_finished());
                    state.workers = running;
                    state.workers.push(handle);
                    drop(state);
                    for worker in finished {
                        let _ = worker.join();
                    }
                    return Ok(());
                }
                Err(err) => {
                    state.threads -= 1;
                    if state.threads == 0 {
                        // No thread will ever take the job: give it back as an error.
                        drop(state.queue.pop_back());
                        return Err(err);
                    }
                }
            }
        }
        Ok(())
    }

    /// Drops the queued jobs and tells the workers to exit.
    fn begin_shutdown(&self) {
        let queued = {
            let mut state = self.inner.lock();
            state.shutdown = true;
            std::mem::take(&mut state.queue)
        };
        self.inner.work.notify_all();
        drop(queued);
    }

    /// Joins the workers until `deadline`; a worker still busy with a job then is detached.
    fn join_workers(&self, deadline: Instant) {
        let mut workers = std::mem::take(&mut self.inner.lock().workers);
        // Join every worker that ends within the limit: idle ones at once, and one that is
        // finishing a job (its result may have been what let the runtime end) just after.
        // A worker still running a job at the limit is detached: it exits after its job.
        loop {
            let (finished, running): (Vec<_>, Vec<_>) =
                workers.into_iter().partition(|worker| worker.is_finished());
            for worker in finished {
                let _ = worker.join();
            }
            workers = running;
            if workers.is_empty() || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Number of worker threads alive.
    #[cfg(test)]
    fn threads(&self) -> usize {
        self.inner.lock().threads
    }
}

fn worker(inner: &PoolInner) {
    let mut state = inner.lock();
    loop {
        if let Some(job) = state.queue.pop_front() {
            state.running += 1;
            drop(state);
            job(); // panics are caught inside the job
            state = inner.lock();
            state.running -= 1;
            continue;
        }
        if state.shutdown {
            break;
        }
        state.idle += 1;
        let (next, timeout) = inner
            .work
            .wait_timeout(state, inner.keep_alive)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state = next;
        state.idle -= 1;
        if state.notified > 0 {
            state.notified -= 1;
        }
        if timeout.timed_out() && state.queue.is_empty() {
            break;
        }
    }
    state.threads -= 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_workers_retire() {
        let pool = LanePool::new(2, Duration::from_millis(20));
        let (tx, rx) = std::sync::mpsc::channel();
        pool.execute(Box::new(move || tx.send(()).unwrap()))
            .unwrap();
        rx.recv().unwrap();
        // (Under Miri the worker may already have retired here: no equality check.)
        assert!(pool.threads() <= 1);
        let mut waited = 0;
        while pool.threads() > 0 && waited < 500 {
            std::thread::sleep(Duration::from_millis(10));
            waited += 1;
        }
        assert_eq!(
            pool.threads(),
            0,
            "an idle worker must exit after keep_alive"
        );
    }
}
