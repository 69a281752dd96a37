//! The shared state behind every handle of a queue: the buffer, the waiters and the
//! unfinished-task count.

use super::*;

pub(super) struct State<T, B> {
    pub(super) items: B,
    /// `None`: unbounded.
    pub(super) maxsize: Option<usize>,
    pub(super) getters: WaitQueue,
    /// Getters notified and not yet back: an item in `items` is promised to each.
    pub(super) promised_items: usize,
    pub(super) putters: WaitQueue,
    /// Putters notified and not yet back: a free slot is promised to each.
    pub(super) promised_slots: usize,
    /// Items put and not yet marked done (`task_done`).
    pub(super) unfinished: usize,
    pub(super) joiners: WaitQueue,
    pub(super) shut_down: bool,
    pub(super) _item: PhantomData<T>,
}

/// The (at most one) getter and putter a mutation notified, woken after the borrow ends.
#[derive(Default)]
#[must_use = "wake them after releasing the borrow"]
pub(super) struct Wake(Option<Waker>, Option<Waker>);

impl Wake {
    pub(super) fn wake(self) {
        wake_all(self);
    }
}

impl IntoIterator for Wake {
    type Item = Waker;
    type IntoIter = std::iter::Chain<std::option::IntoIter<Waker>, std::option::IntoIter<Waker>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter().chain(self.1)
    }
}

impl<T, B: Store<T>> State<T, B> {
    /// Items not promised to a notified getter.
    pub(super) fn available(&self) -> usize {
        self.items.len().saturating_sub(self.promised_items)
    }

    /// Whether a new item fits without overtaking a notified putter. The bound covers every
    /// item held, including those promised to notified getters that have not taken them
    /// yet (as asyncio counts them until the getter runs), plus the room promised to
    /// notified putters.
    pub(super) fn has_room(&self) -> bool {
        self.maxsize
            .is_none_or(|max| self.items.len() + self.promised_slots < max)
    }

    pub(super) fn push(&mut self, item: T) {
        self.items.push(item);
        self.unfinished += 1;
    }

    /// Restores the invariant "no getter waits while an item is available, no putter waits
    /// while there is room" after one mutation (which changes each by at most one).
    pub(super) fn serve(&mut self) -> Wake {
        let mut wake = Wake::default();
        if self.available() > 0 {
            wake.0 = self.getters.notify_one();
            self.promised_items += usize::from(wake.0.is_some());
        }
        if self.has_room() && !self.shut_down {
            wake.1 = self.putters.notify_one();
            self.promised_slots += usize::from(wake.1.is_some());
        }
        wake
    }

    pub(super) fn try_get(&mut self) -> Option<(T, Wake)> {
        if self.available() == 0 {
            return None;
        }
        let item = self.items.pop()?;
        Some((item, self.serve()))
    }
}
