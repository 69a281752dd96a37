//! The three orders a queue can keep: [`Fifo`], [`Lifo`] and [`Priority`].
//!
//! [`GenericQueue`](super::GenericQueue) does all the waiting and bookkeeping; a buffer only
//! stores items and decides which one comes out next. The trait is sealed: its methods are
//! not part of the public API, so the set of orders can grow without breaking anyone.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;

mod sealed {
    /// The storage operations a queue needs; O(1) or O(log n) each.
    pub trait Store<T> {
        fn empty() -> Self;
        fn push(&mut self, item: T);
        fn pop(&mut self) -> Option<T>;
        fn len(&self) -> usize;
    }
}

pub(super) use sealed::Store;

/// The order in which a [`GenericQueue`](super::GenericQueue) hands out its items:
/// implemented by [`Fifo`], [`Lifo`] and [`Priority`] only (sealed).
///
/// # Examples
///
/// ```
/// use evloop::channel::queue::{Buffer, GenericQueue};
/// fn drain<T, B: Buffer<T>>(queue: &GenericQueue<T, B>) -> Vec<T> {
///     std::iter::from_fn(|| queue.try_get().ok()).collect()
/// }
/// let lifo = evloop::channel::LifoQueue::new();
/// lifo.try_put(1).unwrap();
/// lifo.try_put(2).unwrap();
/// assert_eq!(drain(&lifo), [2, 1]);
/// ```
pub trait Buffer<T>: sealed::Store<T> {}

/// First in, first out: the order of [`Queue`](super::Queue) (asyncio's `Queue`).
///
/// # Examples
///
/// ```
/// let queue = evloop::channel::Queue::new();
/// queue.try_put('a').unwrap();
/// queue.try_put('b').unwrap();
/// assert_eq!(queue.try_get(), Ok('a'));
/// ```
pub struct Fifo<T>(VecDeque<T>);

impl<T> Store<T> for Fifo<T> {
    fn empty() -> Self {
        Fifo(VecDeque::new())
    }
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T> Buffer<T> for Fifo<T> {}

/// Last in, first out: the order of [`LifoQueue`](super::LifoQueue) (asyncio's
/// `LifoQueue`).
///
/// # Examples
///
/// ```
/// let stack = evloop::channel::LifoQueue::new();
/// stack.try_put('a').unwrap();
/// stack.try_put('b').unwrap();
/// assert_eq!(stack.try_get(), Ok('b'));
/// ```
pub struct Lifo<T>(Vec<T>);

impl<T> Store<T> for Lifo<T> {
    fn empty() -> Self {
        Lifo(Vec::new())
    }
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T> Buffer<T> for Lifo<T> {}

/// Smallest first, and first in, first out among equal items: the order of
/// [`PriorityQueue`](super::PriorityQueue) (asyncio's `PriorityQueue`, which is a heap of
/// `(priority, item)` tuples; here any `T: Ord` will do).
///
/// A binary heap of `(item, sequence number)`: push and pop are O(log n). The sequence
/// number makes the order among equal items FIFO (asyncio's `heapq` leaves it unspecified).
///
/// # Examples
///
/// ```
/// let queue = evloop::channel::PriorityQueue::new();
/// queue.try_put((2, "low")).unwrap();
/// queue.try_put((1, "high")).unwrap();
/// assert_eq!(queue.try_get(), Ok((1, "high")));
/// ```
pub struct Priority<T> {
    heap: BinaryHeap<Entry<T>>,
    next_seq: u64,
}

/// A heap entry, ordered so that the max-heap pops the smallest item, oldest first.
struct Entry<T> {
    item: T,
    seq: u64,
}

impl<T: Ord> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed on both keys: BinaryHeap pops its greatest entry.
        other
            .item
            .cmp(&self.item)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl<T: Ord> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Ord> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T: Ord> Eq for Entry<T> {}

impl<T: Ord> Store<T> for Priority<T> {
    fn empty() -> Self {
        Priority {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
    fn push(&mut self, item: T) {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.heap.push(Entry { item, seq });
    }
    fn pop(&mut self) -> Option<T> {
        self.heap.pop().map(|entry| entry.item)
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
}

impl<T: Ord> Buffer<T> for Priority<T> {}

impl<T> fmt::Debug for Fifo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fifo").field("len", &self.0.len()).finish()
    }
}

impl<T> fmt::Debug for Lifo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lifo").field("len", &self.0.len()).finish()
    }
}

impl<T> fmt::Debug for Priority<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Priority")
            .field("len", &self.heap.len())
            .finish()
    }
}
