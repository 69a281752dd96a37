//! Channels and queues between tasks: asyncio's `Queue`, `PriorityQueue`, `LifoQueue`, and
//! `mpsc`, `oneshot`, `broadcast`, `watch` channels.
