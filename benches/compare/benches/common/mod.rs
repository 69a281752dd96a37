//! Workloads shared by `benches/compare.rs` and `benches/runtimes.rs`, written once and run
//! on evloop, tokio (current-thread + `LocalSet`) and smol (`async_executor::LocalExecutor`
//! driven by `async_io::block_on`).
//!
//! Not a bench target of its own: it is included with `#[path = "common/mod.rs"] mod common;`
//! and runs through `cargo bench --bench compare` or `cargo bench --bench runtimes`.
//!
//! Every workload is generic over [`Rt`], the few operations it needs from a runtime (spawn,
//! yield, timeout, sleep). Timing is taken inside the runtime ([`timed`]), so building and
//! dropping the runtime are outside the measured region.

use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::hint::black_box;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use async_executor::LocalExecutor;

/// What a workload needs from a runtime.
pub trait Rt {
    /// Name shown in reports and criterion ids.
    const NAME: &'static str;

    /// Builds a fresh runtime, runs `future` to completion on it, drops the runtime.
    fn block_on<F: Future>(future: F) -> F::Output;

    /// Spawns a task on the current runtime; the returned future yields its output.
    fn spawn<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static;

    /// Gives the other tasks a turn.
    fn yield_now() -> impl Future<Output = ()>;

    /// `future` bounded by `duration`; `None` if the timer fired first.
    fn timeout<F: Future>(duration: Duration, future: F)
    -> impl Future<Output = Option<F::Output>>;

    /// Sleeps for `duration`.
    fn sleep(duration: Duration) -> impl Future<Output = ()>;
}

/// evloop: `Runtime::new().block_on`, `evloop::spawn`, `evloop::wait_for`.
pub struct Evloop;

impl Rt for Evloop {
    const NAME: &'static str = "evloop";

    fn block_on<F: Future>(future: F) -> F::Output {
        let runtime = evloop::Runtime::new().expect("evloop runtime");
        runtime.block_on(future)
    }

    fn spawn<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let handle = evloop::spawn(future);
        async move { handle.await.expect("evloop task failed") }
    }

    fn yield_now() -> impl Future<Output = ()> {
        evloop::yield_now()
    }

    async fn timeout<F: Future>(duration: Duration, future: F) -> Option<F::Output> {
        evloop::wait_for(duration, future).await.ok()
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> {
        evloop::sleep(duration)
    }
}

/// tokio: current-thread runtime with time enabled, tasks on a `LocalSet`.
pub struct Tokio;

impl Rt for Tokio {
    const NAME: &'static str = "tokio";

    fn block_on<F: Future>(future: F) -> F::Output {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("tokio runtime");
        let local = tokio::task::LocalSet::new();
        local.block_on(&runtime, future)
    }

    fn spawn<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let handle = tokio::task::spawn_local(future);
        async move { handle.await.expect("tokio task failed") }
    }

    fn yield_now() -> impl Future<Output = ()> {
        tokio::task::yield_now()
    }

    async fn timeout<F: Future>(duration: Duration, future: F) -> Option<F::Output> {
        tokio::time::timeout(duration, future).await.ok()
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> {
        tokio::time::sleep(duration)
    }
}

thread_local! {
    /// The `LocalExecutor` of the running [`Smol::block_on`], for [`Smol::spawn`].
    static SMOL_EXECUTOR: RefCell<Option<Rc<LocalExecutor<'static>>>> = const { RefCell::new(None) };
}

/// smol: `async_executor::LocalExecutor` run under `async_io::block_on`, `async_io::Timer`.
pub struct Smol;

impl Rt for Smol {
    const NAME: &'static str = "smol";

    fn block_on<F: Future>(future: F) -> F::Output {
        let executor = Rc::new(LocalExecutor::new());
        let previous = SMOL_EXECUTOR.with(|slot| slot.borrow_mut().replace(executor.clone()));
        assert!(previous.is_none(), "nested Smol::block_on");
        let output = async_io::block_on(executor.run(future));
        SMOL_EXECUTOR.with(|slot| slot.borrow_mut().take());
        output
    }

    fn spawn<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        SMOL_EXECUTOR.with(|slot| {
            slot.borrow()
                .as_ref()
                .expect("Smol::spawn outside Smol::block_on")
                .spawn(future)
        })
    }

    fn yield_now() -> impl Future<Output = ()> {
        futures_lite::future::yield_now()
    }

    fn timeout<F: Future>(
        duration: Duration,
        future: F,
    ) -> impl Future<Output = Option<F::Output>> {
        // `or` polls its first future first: the inner future wins a tie, as with the others.
        futures_lite::future::or(async move { Some(future.await) }, async move {
            async_io::Timer::after(duration).await;
            None
        })
    }

    async fn sleep(duration: Duration) {
        async_io::Timer::after(duration).await;
    }
}

/// Runs `make()` to completion `iters` times in a row on a fresh runtime `R`; returns the
/// wall time of those runs only (runtime construction and drop excluded).
pub fn timed<R: Rt, Fut: Future>(iters: u64, mut make: impl FnMut() -> Fut) -> Duration {
    R::block_on(async move {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(make().await);
        }
        start.elapsed()
    })
}

/// Spawns `n` trivial tasks (each returns a `u64`), collects the handles, then awaits all.
pub async fn spawn_join<R: Rt>(n: u64) -> u64 {
    let handles: Vec<_> = (0..n).map(|i| R::spawn(async move { i })).collect();
    let mut sum = 0;
    for handle in handles {
        sum += handle.await;
    }
    assert_eq!(sum, n * n.saturating_sub(1) / 2);
    sum
}

/// `tasks` tasks that each call `yield_now` `yields` times; awaits them all.
pub async fn yield_many<R: Rt>(tasks: u64, yields: u64) -> u64 {
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            R::spawn(async move {
                for _ in 0..yields {
                    R::yield_now().await;
                }
                yields
            })
        })
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle.await;
    }
    assert_eq!(total, tasks * yields);
    total
}

/// State of the single-slot channel of [`ping_pong`].
#[derive(Default)]
struct SlotState {
    value: Option<u64>,
    sender: Option<Waker>,
    receiver: Option<Waker>,
}

/// Stores `waker` in `slot` unless the stored one already wakes the same task.
fn store_waker(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(stored) if stored.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

/// Puts `value` in the slot, waiting while it is full. Runtime-agnostic.
async fn send(state: &RefCell<SlotState>, value: u64) {
    let mut value = Some(value);
    poll_fn(|cx| {
        let mut slot = state.borrow_mut();
        if slot.value.is_some() {
            store_waker(&mut slot.sender, cx.waker());
            return Poll::Pending;
        }
        slot.value = value.take();
        let receiver = slot.receiver.take();
        drop(slot);
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        Poll::Ready(())
    })
    .await;
}

/// Takes the value out of the slot, waiting while it is empty. Runtime-agnostic.
async fn recv(state: &RefCell<SlotState>) -> u64 {
    poll_fn(|cx| {
        let mut slot = state.borrow_mut();
        let Some(value) = slot.value.take() else {
            store_waker(&mut slot.receiver, cx.waker());
            return Poll::Pending;
        };
        let sender = slot.sender.take();
        drop(slot);
        if let Some(sender) = sender {
            sender.wake();
        }
        Poll::Ready(value)
    })
    .await
}

/// `messages` values sent from one task to another over a single-slot channel.
pub async fn ping_pong<R: Rt>(messages: u64) -> u64 {
    let state = Rc::new(RefCell::new(SlotState::default()));
    let tx_state = state.clone();
    let sender = R::spawn(async move {
        for i in 0..messages {
            send(&tx_state, i).await;
        }
    });
    let receiver = R::spawn(async move {
        let mut sum = 0;
        for _ in 0..messages {
            sum += recv(&state).await;
        }
        sum
    });
    sender.await;
    let sum = receiver.await;
    assert_eq!(sum, messages * messages.saturating_sub(1) / 2);
    sum
}

/// `n` sequential timeouts of 1 s around an already-ready future, inside one task.
pub async fn timeout_ready<R: Rt>(n: u64) -> u64 {
    R::spawn(async move {
        let mut sum = 0;
        for i in 0..n {
            sum += R::timeout(Duration::from_secs(1), std::future::ready(i))
                .await
                .expect("ready future timed out");
        }
        sum
    })
    .await
}

/// Pending at its first poll (waking itself), ready at the second.
struct PendingOnce {
    value: u64,
    polled: bool,
}

impl Future for PendingOnce {
    type Output = u64;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        if self.polled {
            Poll::Ready(self.value)
        } else {
            self.polled = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// `n` sequential timeouts of 1 s around a future that is pending once: each timer is
/// armed, then cancelled.
pub async fn timeout_cancelled<R: Rt>(n: u64) -> u64 {
    R::spawn(async move {
        let mut sum = 0;
        for i in 0..n {
            let inner = PendingOnce {
                value: i,
                polled: false,
            };
            sum += R::timeout(Duration::from_secs(1), inner)
                .await
                .expect("pending-once future timed out");
        }
        sum
    })
    .await
}

/// A tiny xorshift64 generator: same sequence on every runtime.
pub struct XorShift(u64);

impl XorShift {
    /// A generator with a fixed, non-zero seed.
    pub fn fixed() -> Self {
        XorShift(0x9E37_79B9_7F4A_7C15)
    }

    /// The next pseudo-random value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// Signed `later - earlier` in milliseconds (negative if `later` is before `earlier`).
fn signed_ms(later: Instant, earlier: Instant) -> f64 {
    match later.checked_duration_since(earlier) {
        Some(after) => after.as_secs_f64() * 1e3,
        None => -(earlier - later).as_secs_f64() * 1e3,
    }
}

/// Lateness of one sleeping task, in milliseconds (negative = woke early).
#[derive(Clone, Copy, Debug)]
pub struct Lateness {
    /// Wake instant − (instant the task started its sleep + requested duration). The start
    /// instant is read just before the sleep future is created, so it is never after the
    /// runtime's own notion of the sleep's start: a negative value is a real early wake.
    pub from_sleep_start: f64,
    /// Wake instant − (instant of the `spawn` call + requested duration): also counts the
    /// delay between spawning and the task's first poll.
    pub from_spawn: f64,
}

/// `n` tasks each sleeping a pseudo-random 0–50 ms (µs granularity, fixed seed); returns
/// each task's lateness.
pub async fn sleep_lateness<R: Rt>(n: u64) -> Vec<Lateness> {
    let mut rng = XorShift::fixed();
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let requested = Duration::from_micros(rng.next_u64() % 50_001);
            let spawned = Instant::now();
            R::spawn(async move {
                let started = Instant::now();
                R::sleep(requested).await;
                let woke = Instant::now();
                Lateness {
                    from_sleep_start: signed_ms(woke, started + requested),
                    from_spawn: signed_ms(woke, spawned + requested),
                }
            })
        })
        .collect();
    let mut lateness = Vec::with_capacity(handles.len());
    for handle in handles {
        lateness.push(handle.await);
    }
    lateness
}

/// Problem sizes of the timed workloads.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Tasks of [`spawn_join`].
    pub spawn_tasks: u64,
    /// Tasks of [`yield_many`].
    pub yield_tasks: u64,
    /// `yield_now` calls per task of [`yield_many`].
    pub yields: u64,
    /// Messages of [`ping_pong`].
    pub messages: u64,
    /// Timeouts of [`timeout_ready`] and [`timeout_cancelled`].
    pub timeouts: u64,
}

/// The timed workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// [`spawn_join`].
    SpawnJoin,
    /// [`yield_many`].
    YieldMany,
    /// [`ping_pong`].
    PingPong,
    /// [`timeout_ready`].
    TimeoutReady,
    /// [`timeout_cancelled`].
    TimeoutCancelled,
}

impl Workload {
    /// All timed workloads, in report order.
    pub const ALL: [Workload; 5] = [
        Workload::SpawnJoin,
        Workload::YieldMany,
        Workload::PingPong,
        Workload::TimeoutReady,
        Workload::TimeoutCancelled,
    ];

    /// Short name (criterion group name, first word of a report row).
    pub fn name(self) -> &'static str {
        match self {
            Workload::SpawnJoin => "spawn_join",
            Workload::YieldMany => "yield_many",
            Workload::PingPong => "ping_pong",
            Workload::TimeoutReady => "timeout_ready",
            Workload::TimeoutCancelled => "timeout_cancelled",
        }
    }

    /// Name plus the sizes it runs at.
    pub fn label(self, sizes: &Sizes) -> String {
        let detail = match self {
            Workload::SpawnJoin => format!("{} tasks", sizes.spawn_tasks),
            Workload::YieldMany => format!("{} tasks × {} yields", sizes.yield_tasks, sizes.yields),
            Workload::PingPong => format!("{} messages", sizes.messages),
            Workload::TimeoutReady | Workload::TimeoutCancelled => {
                format!("{} timeouts", sizes.timeouts)
            }
        };
        format!("{} ({detail})", self.name())
    }

    /// Wall time of `iters` back-to-back runs of this workload on a fresh runtime `R`.
    pub fn run<R: Rt>(self, sizes: &Sizes, iters: u64) -> Duration {
        let s = *sizes;
        match self {
            Workload::SpawnJoin => timed::<R, _>(iters, || spawn_join::<R>(s.spawn_tasks)),
            Workload::YieldMany => {
                timed::<R, _>(iters, || yield_many::<R>(s.yield_tasks, s.yields))
            }
            Workload::PingPong => timed::<R, _>(iters, || ping_pong::<R>(s.messages)),
            Workload::TimeoutReady => timed::<R, _>(iters, || timeout_ready::<R>(s.timeouts)),
            Workload::TimeoutCancelled => {
                timed::<R, _>(iters, || timeout_cancelled::<R>(s.timeouts))
            }
        }
    }
}
