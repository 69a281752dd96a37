//! Time: `sleep`, `interval` and `wait_for` timeouts on the runtime's timer wheel.
//!
//! # Precision contract
//!
//! A timer **never fires before its deadline**: deadlines are rounded up to the wheel's
//! 1 ms tick and checked against the clock again before a `Sleep` completes. It fires as soon
//! as the loop gets to it after that: typically within a millisecond, later only if tasks
//! keep the loop busy (the loop's poll timeout is the next deadline).
//!
//! Deadlines too far to represent (`Duration::MAX`, or `Instant` overflow) mean "never": such
//! a sleep stays pending and costs no timer.
//!
//! # Implementation
//!
//! `Sleep` is plain data (a deadline and the key of its wheel entry), so it is `Send + Sync`
//! and fits other crates' timer traits. It registers lazily on its first pending poll, on
//! the runtime of the thread that polls it, and cancels its entry on drop.

mod interval;
mod sleep;
mod timeout;
pub(crate) mod wheel;

pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{TimeoutError, wait_for, wait_until};
