//! `Waitable`: the synchronisation primitives and channel operations a task can wait on,
//! named for [`Wait::Primitive`](super::Wait::Primitive) in task snapshots.
//!
//! A wait is recorded where the waiter registers (the same place that stores its waker), as
//! a small index packed into the task's wait note; the name is looked up when a snapshot
//! is taken. Recording costs a thread-local read and a `Cell` write, on the waiting path
//! only.

/// What a task waits on, inside `sync` and `channel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Waitable {
    MutexLock,
    RwLockRead,
    RwLockWrite,
    SemaphoreAcquire,
    EventWait,
    NotifyNotified,
    CondvarWait,
    BarrierWait,
    QueueGet,
    QueuePut,
    QueueJoin,
    MpscSend,
    MpscClosed,
    MpscRecv,
    OneshotRecv,
    BroadcastRecv,
    WatchChanged,
    RemoteRecv,
}

impl Waitable {
    /// Every variant, in declaration order: the index packed into a wait note.
    const ALL: [Waitable; 18] = [
        Waitable::MutexLock,
        Waitable::RwLockRead,
        Waitable::RwLockWrite,
        Waitable::SemaphoreAcquire,
        Waitable::EventWait,
        Waitable::NotifyNotified,
        Waitable::CondvarWait,
        Waitable::BarrierWait,
        Waitable::QueueGet,
        Waitable::QueuePut,
        Waitable::QueueJoin,
        Waitable::MpscSend,
        Waitable::MpscClosed,
        Waitable::MpscRecv,
        Waitable::OneshotRecv,
        Waitable::BroadcastRecv,
        Waitable::WatchChanged,
        Waitable::RemoteRecv,
    ];

    /// The call that waits, as a user wrote it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Waitable::MutexLock => "Mutex::lock",
            Waitable::RwLockRead => "RwLock::read",
            Waitable::RwLockWrite => "RwLock::write",
            Waitable::SemaphoreAcquire => "Semaphore::acquire",
            Waitable::EventWait => "Event::wait",
            Waitable::NotifyNotified => "Notify::notified",
            Waitable::CondvarWait => "Condvar::wait",
            Waitable::BarrierWait => "Barrier::wait",
            Waitable::QueueGet => "Queue::get",
            Waitable::QueuePut => "Queue::put",
            Waitable::QueueJoin => "Queue::join",
            Waitable::MpscSend => "mpsc::Sender::send",
            Waitable::MpscClosed => "mpsc::Sender::closed",
            Waitable::MpscRecv => "mpsc::Receiver::recv",
            Waitable::OneshotRecv => "oneshot::Receiver",
            Waitable::BroadcastRecv => "broadcast::Receiver::recv",
            Waitable::WatchChanged => "watch::Receiver::changed",
            Waitable::RemoteRecv => "remote::RemoteReceiver::recv",
        }
    }

    /// The index stored in a wait note.
    pub(crate) fn index(self) -> u64 {
        self as u64 // declaration order, the order of `ALL` (checked by the unit test)
    }

    /// The variant stored as `index`, if any.
    pub(crate) fn from_index(index: u64) -> Option<Waitable> {
        Self::ALL.get(usize::try_from(index).ok()?).copied()
    }

    /// Records that the task being polled now waits on this (nothing outside a task poll).
    pub(crate) fn note(self) {
        super::Wait::Primitive(self.name()).note();
    }
}

#[cfg(test)]
mod tests {
    use super::Waitable;

    #[test]
    fn indices_round_trip() {
        for (i, w) in Waitable::ALL.iter().enumerate() {
            assert_eq!(w.index(), i as u64);
            assert_eq!(Waitable::from_index(i as u64), Some(*w));
        }
        assert_eq!(Waitable::from_index(Waitable::ALL.len() as u64), None);
    }
}
