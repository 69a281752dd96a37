//! `TaskBox`: a spawned task's one allocation, carved from its runtime's `TaskArena`.
//!
//! # Why not `Box`
//!
//! Every spawn allocates the task's cell and every finished task frees it. Through the
//! system allocator that costs ~50 instructions per spawn when glibc's per-thread cache
//! absorbs it, and ~320 when a burst of spawns outgrows that cache (a `gather` over 20,000
//! tasks: callgrind counted `_int_malloc`, `_int_free` and `malloc_consolidate` as a third
//! of a spawn + join). The arena makes both a few loads and stores.
//!
//! # Design
//!
//! * A cell is `[header | TaskCell<F>]`, its size rounded up to a multiple of 16 bytes: its
//!   *class*. The header is the arena's `Rc`, so a cell keeps its arena alive: the arena
//!   goes when its runtime and the last of its cells are gone, and a cell can be freed
//!   anywhere (a `JoinHandle` of one runtime polled inside another) without finding it.
//! * Cells up to `MAX_CELL` bytes with an alignment of at most 16 come from 64 KiB chunks,
//!   carved front to back; a freed cell goes on its class's free list (its first word
//!   links to the next), and the class's next cell comes from that list first. Larger or
//!   more aligned cells come from the system allocator, with an empty header.
//! * Memory goes back to the system allocator when no cell is in use (every chunk but the
//!   newest) and when the arena goes. While any task lives (an accept loop, say), a runtime
//!   keeps what each size class needed at its peak, for later tasks of that class; glibc
//!   keeps freed small blocks too, but can give them to other sizes. Each runtime keeps
//!   one 64 KiB chunk until it is dropped.
//!
//! # Safety
//!
//! The invariants every `unsafe` block below relies on:
//!
//! 1. A `TaskBox`'s pointer is the `TaskCell` inside a live cell laid out by
//!    [`cell_layout`] for that `TaskCell`'s layout, whose header is initialised; the
//!    `TaskBox` owns the cell (one `TaskBox` per cell; a `RunningTask` copies its pointer
//!    only for a poll, while the box stays in its slot).
//! 2. A cell's memory came from `arena.carve(class)` when its header holds the arena (and
//!    `class_of` of its layout is `Some(class)`), else from `alloc::alloc(layout)`.
//! 3. A chunk is allocated with `CHUNK_LAYOUT` and freed only when no carved cell is in
//!    use: by `trim` (`live` is zero) or in the arena's `Drop` (each cell holds the arena's
//!    `Rc`).
//! 4. A free list holds only cells of its class that no `TaskBox` owns.

use std::alloc::{self, Layout};
use std::cell::{Cell, RefCell};
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::rc::Rc;
use std::task::{Context, Poll};

use super::cell::RawTask;

/// Cell sizes are multiples of this (the alignment every carved cell has).
const GRANULE: usize = 16;
/// Number of size classes: cells of 16, 32, ..., `MAX_CELL` bytes.
const CLASSES: usize = 32;
/// The largest cell carved from a chunk.
const MAX_CELL: usize = GRANULE * CLASSES;
/// Chunks are allocated with this layout.
const CHUNK_LAYOUT: Layout = match Layout::from_size_align(64 * 1024, GRANULE) {
    Ok(layout) => layout,
    Err(_) => panic!("chunk layout"),
};

/// What a cell starts with: the arena it was carved from, or `None` for a cell from the
/// system allocator.
type Header = Option<Rc<TaskArena>>;

/// The layout of a cell holding a task of layout `task` (header first, padded to its
/// alignment), and the task's offset in it.
#[inline]
fn cell_layout(task: Layout) -> (Layout, usize) {
    let (layout, offset) = Layout::new::<Header>()
        .extend(task)
        .expect("a task cell's layout fits in memory");
    (layout.pad_to_align(), offset)
}

/// The class of a cell of `layout`, if it is carved from a chunk.
#[inline]
fn class_of(layout: Layout) -> Option<usize> {
    if layout.size() <= MAX_CELL && layout.align() <= GRANULE {
        Some(layout.size().div_ceil(GRANULE) - 1)
    } else {
        None
    }
}

/// One runtime's task memory: chunks carved into cells, and a free list per class.
pub(crate) struct TaskArena {
    /// Head of each class's free list (null: empty).
    free: [Cell<*mut u8>; CLASSES],
    /// The unused rest of the newest chunk: `next..end`.
    next: Cell<*mut u8>,
    end: Cell<*mut u8>,
    /// Every chunk, to free when the arena goes.
    chunks: RefCell<Vec<NonNull<u8>>>,
    /// Carved cells in use (not on a free list).
    live: Cell<usize>,
}

impl TaskArena {
    pub(crate) fn new() -> Rc<TaskArena> {
        Rc::new(TaskArena {
            free: std::array::from_fn(|_| Cell::new(ptr::null_mut())),
            next: Cell::new(ptr::null_mut()),
            end: Cell::new(ptr::null_mut()),
            chunks: RefCell::new(Vec::new()),
            live: Cell::new(0),
        })
    }

    /// A cell of class `class`: a freed one if there is one, else the next bytes of the
    /// newest chunk.
    #[inline]
    fn carve(&self, class: usize) -> NonNull<u8> {
        self.live.set(self.live.get() + 1);
        let head = self.free[class].get();
        if let Some(cell) = NonNull::new(head) {
            // Invariant 4: a free cell's first word is the next free cell of its class.
            // SAFETY: `cell` is a free cell of this class, 16-aligned and at least 16 bytes.
            self.free[class].set(unsafe { cell.cast::<*mut u8>().read() });
            return cell;
        }
        let size = (class + 1) * GRANULE;
        let next = self.next.get();
        if self.end.get().addr() - next.addr() >= size {
            // SAFETY: `next..end` is the unused rest of a live chunk (invariant 3), and `size`
            // bytes of it remain, so `next` is non-null and `next + size` stays in the chunk.
            unsafe {
                self.next.set(next.add(size));
                return NonNull::new_unchecked(next);
            }
        }
        self.carve_from_new_chunk(size)
    }

    /// Starts a new chunk and carves `size` bytes from its front.
    #[cold]
    #[inline(never)]
    fn carve_from_new_chunk(&self, size: usize) -> NonNull<u8> {
        // SAFETY: `CHUNK_LAYOUT` has a non-zero size.
        let chunk = unsafe { alloc::alloc(CHUNK_LAYOUT) };
        let Some(chunk) = NonNull::new(chunk) else {
            alloc::handle_alloc_error(CHUNK_LAYOUT)
        };
        self.chunks.borrow_mut().push(chunk);
        // The old chunk's unused tail (less than `MAX_CELL` bytes) is given up.
        // SAFETY: `size <= MAX_CELL` is far below the chunk's size.
        unsafe {
            self.next.set(chunk.as_ptr().add(size));
            self.end.set(chunk.as_ptr().add(CHUNK_LAYOUT.size()));
        }
        chunk
    }

    /// With no cell in use (`live` is zero): gives every chunk but the newest back to the
    /// system allocator
    /// and starts carving that one afresh (its cells are all free). Keeps one chunk so that
    /// a loop whose tasks come and go one at a time does not allocate a chunk each time.
    #[cold]
    #[inline(never)]
    fn trim(&self) {
        let mut chunks = self.chunks.borrow_mut();
        let Some(newest) = chunks.pop() else {
            return;
        };
        for chunk in chunks.drain(..) {
            // SAFETY: no cell is in use (`live` is zero), so nothing points into it; it
            // was allocated with `CHUNK_LAYOUT` and leaves the list here (invariant 3).
            unsafe { alloc::dealloc(chunk.as_ptr(), CHUNK_LAYOUT) };
        }
        chunks.push(newest);
        for head in &self.free {
            head.set(ptr::null_mut());
        }
        self.next.set(newest.as_ptr());
        // SAFETY: one past the end of the chunk's allocation.
        self.end
            .set(unsafe { newest.as_ptr().add(CHUNK_LAYOUT.size()) });
    }

    /// Puts a cell of class `class` on its free list.
    ///
    /// # Safety
    ///
    /// `cell` was carved from this arena as class `class` and nothing uses it any more.
    #[inline]
    unsafe fn release(&self, class: usize, cell: NonNull<u8>) {
        // SAFETY: the cell is 16-aligned, at least 16 bytes and unused (the caller's
        // contract), so its first word can hold the link (invariant 4).
        unsafe { cell.cast::<*mut u8>().write(self.free[class].get()) };
        self.free[class].set(cell.as_ptr());
        let live = self.live.get() - 1;
        self.live.set(live);
        if live == 0 && self.chunks.borrow().len() > 1 {
            // The last cell in use: after a burst, the memory goes back now rather than
            // when the runtime is dropped.
            self.trim();
        }
    }
}

impl Drop for TaskArena {
    fn drop(&mut self) {
        for chunk in self.chunks.get_mut().drain(..) {
            // Invariant 3: no cell of it is in use (each would hold this arena alive).
            // SAFETY: `chunk` was allocated with `CHUNK_LAYOUT` and is freed once, here.
            unsafe { alloc::dealloc(chunk.as_ptr(), CHUNK_LAYOUT) };
        }
    }
}

/// A task's type-erased future (then output) in its cell: what `Pin<Box<dyn RawTask>>`
/// would be, with the memory from a `TaskArena`. Never moves its task (it is pinned).
pub(crate) struct TaskBox {
    task: NonNull<dyn RawTask>,
}

impl TaskBox {
    /// Moves `task` into a new cell from `arena` (or from the system allocator if it is too
    /// large or too aligned for the arena).
    #[inline]
    pub(crate) fn new<T: RawTask + 'static>(arena: &Rc<TaskArena>, task: T) -> TaskBox {
        let (layout, offset) = cell_layout(Layout::new::<T>());
        let (cell, header) = match class_of(layout) {
            Some(class) => (arena.carve(class), Some(arena.clone())),
            None => {
                // SAFETY: the layout holds at least the header, so its size is not zero.
                let cell = unsafe { alloc::alloc(layout) };
                let Some(cell) = NonNull::new(cell) else {
                    alloc::handle_alloc_error(layout)
                };
                (cell, None)
            }
        };
        // SAFETY: `cell` is fresh memory of `layout` (invariant 2), which has room for the
        // header at 0 and a `T` at `offset`, each suitably aligned (`cell_layout`).
        unsafe {
            cell.cast::<Header>().write(header);
            let task_ptr = cell.add(offset).cast::<T>();
            task_ptr.write(task);
            TaskBox { task: task_ptr }
        }
    }

    /// The task, pinned: it never moves out of its cell.
    #[inline]
    pub(crate) fn as_mut(&mut self) -> Pin<&mut dyn RawTask> {
        // SAFETY: the task is live and owned by `self` (invariant 1), so a unique borrow
        // tied to `&mut self` is valid; it is never moved until dropped in place.
        unsafe { Pin::new_unchecked(self.task.as_mut()) }
    }

    /// This task, to poll in place while the box stays where it is.
    #[inline]
    pub(crate) fn running(&self) -> RunningTask {
        RunningTask { task: self.task }
    }
}

/// A task being polled in its cell while its `TaskBox` stays in the slot (the executor's
/// view during a poll, `Core::poll_task`): a copy of the box's pointer.
#[derive(Clone, Copy)]
pub(crate) struct RunningTask {
    task: NonNull<dyn RawTask>,
}

impl RunningTask {
    /// Polls the task in its cell.
    ///
    /// # Safety
    ///
    /// Its `TaskBox` is alive, and nothing else uses or moves the task during the call
    /// (the task is the executor's `current_task`, see `Core::poll_task`).
    #[inline]
    pub(crate) unsafe fn poll(mut self, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the caller's contract makes this the only access to a live, pinned task.
        unsafe { Pin::new_unchecked(self.task.as_mut()) }.poll(cx)
    }
}

impl Drop for TaskBox {
    fn drop(&mut self) {
        /// Gives the cell's memory back even if the task's destructor panics.
        struct Release {
            cell: NonNull<u8>,
            layout: Layout,
        }
        impl Drop for Release {
            fn drop(&mut self) {
                // Invariants 1 and 2: the header is initialised and says where the memory
                // came from; the task in the cell has been dropped.
                // SAFETY: the cell is owned by the dropped `TaskBox`, read once, here.
                let header = unsafe { self.cell.cast::<Header>().read() };
                match header {
                    Some(arena) => {
                        let class = class_of(self.layout).expect("a carved cell has a class");
                        // SAFETY: carved from `arena` as `class` (invariant 2), now unused.
                        unsafe { arena.release(class, self.cell) };
                        // `arena` (this cell's count on it) is dropped last: if it was the
                        // last, the chunks go only now.
                    }
                    // SAFETY: allocated with `layout` by the system allocator (invariant 2).
                    None => unsafe { alloc::dealloc(self.cell.as_ptr(), self.layout) },
                }
            }
        }
        // SAFETY: the task is live (invariant 1); its layout gives its cell's layout and
        // its offset in the cell, the same computation `new` made.
        unsafe {
            let (layout, offset) = cell_layout(Layout::for_value(self.task.as_ref()));
            let release = Release {
                cell: self.task.cast::<u8>().sub(offset),
                layout,
            };
            ptr::drop_in_place(self.task.as_ptr());
            drop(release);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::task::Waker;

    use super::*;
    use crate::runtime::cell::TaskCell;

    fn poll_once(task: &mut TaskBox) -> Poll<()> {
        task.as_mut().poll(&mut Context::from_waker(Waker::noop()))
    }

    fn boxed<F: Future + 'static>(arena: &Rc<TaskArena>, future: F) -> TaskBox
    where
        F::Output: 'static,
    {
        TaskBox::new(arena, TaskCell::new(future))
    }

    /// A freed cell is the next one of its class; cells of other classes do not take it.
    #[test]
    fn freed_cells_are_reused_by_their_class() {
        let arena = TaskArena::new();
        let small = boxed(&arena, async { 1_u8 });
        let address = small.task.cast::<u8>();
        drop(small);
        let big = boxed(&arena, async { [0_u8; 200] });
        assert_ne!(big.task.cast::<u8>(), address);
        let again = boxed(&arena, async { 2_u8 });
        assert_eq!(again.task.cast::<u8>(), address);
        drop((big, again));
    }

    /// Polled in place, outputs and panics kept; a destructor that panics still gives the
    /// memory back (Miri checks the leak).
    #[test]
    fn tasks_run_and_drop_in_their_cells() {
        struct PanicOnDrop;
        impl Drop for PanicOnDrop {
            fn drop(&mut self) {
                panic!("dropped");
            }
        }
        let arena = TaskArena::new();
        let mut tasks: Vec<TaskBox> = (0..3000_u64)
            .map(|i| boxed(&arena, async move { i * 2 }))
            .collect();
        for task in &mut tasks {
            assert!(poll_once(task).is_ready());
        }
        for (i, mut task) in tasks.into_iter().enumerate() {
            let mut output: Option<Result<u64, super::super::JoinError>> = None;
            // SAFETY: the task's output type is `u64`.
            unsafe { task.as_mut().take_output((&raw mut output).cast()) };
            assert_eq!(output.unwrap().unwrap(), i as u64 * 2);
        }
        let guard = PanicOnDrop;
        let task = boxed(&arena, async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(task)));
        assert!(dropped.is_err());
    }

    /// Too large or too aligned for a class: from the system allocator, same behaviour.
    #[test]
    fn large_and_aligned_tasks_use_the_system_allocator() {
        #[repr(align(64))]
        struct Aligned(u8);
        let arena = TaskArena::new();
        let mut large = boxed(&arena, async { [7_u8; 4096] });
        let mut aligned = boxed(&arena, async { Aligned(9) });
        assert!(poll_once(&mut large).is_ready());
        assert!(poll_once(&mut aligned).is_ready());
        assert_eq!(aligned.task.cast::<u8>().as_ptr().addr() % 64, 0);
        let mut output: Option<Result<Aligned, super::super::JoinError>> = None;
        // SAFETY: the task's output type is `Aligned`.
        unsafe { aligned.as_mut().take_output((&raw mut output).cast()) };
        assert_eq!(output.unwrap().unwrap().0, 9);
        assert!(arena.chunks.borrow().is_empty());
    }

    /// Once the last cell of a burst is freed, every chunk but one goes back, and the
    /// remaining one is carved afresh.
    #[test]
    fn chunks_go_back_when_no_cell_is_in_use() {
        let arena = TaskArena::new();
        let keep = boxed(&arena, async { 0_u8 });
        let burst: Vec<TaskBox> = (0..5_000)
            .map(|i| boxed(&arena, async move { i }))
            .collect();
        let chunks = arena.chunks.borrow().len();
        assert!(chunks > 1, "{chunks}");
        drop(burst);
        assert_eq!(
            arena.chunks.borrow().len(),
            chunks,
            "a cell is still in use"
        );
        drop(keep);
        assert_eq!(arena.chunks.borrow().len(), 1);
        let again: Vec<TaskBox> = (0..100).map(|i| boxed(&arena, async move { i })).collect();
        assert_eq!(arena.chunks.borrow().len(), 1);
        drop(again);
    }

    /// Cells freed after the runtime's handle on the arena, last first: the count of cells
    /// in use, not the arena's reference count, decides when chunks go back (a cell in an
    /// older chunk is still in use when the newest ones are freed).
    #[test]
    fn cells_outliving_the_handle_keep_their_chunks() {
        let arena = TaskArena::new();
        let mut cells: Vec<TaskBox> = (0..5_000_u32)
            .map(|i| boxed(&arena, async move { i }))
            .collect();
        assert!(arena.chunks.borrow().len() > 1);
        drop(arena);
        while let Some(mut cell) = cells.pop() {
            assert!(poll_once(&mut cell).is_ready());
            if let Some(first) = cells.first_mut() {
                // The oldest cell, in the first chunk, is still usable.
                assert!(poll_once(first).is_ready());
            }
        }
    }

    /// A cell keeps its arena: the runtime's handle may go first.
    #[test]
    fn a_cell_outlives_the_runtimes_handle_on_the_arena() {
        let arena = TaskArena::new();
        let mut task = boxed(&arena, async { 5_u8 });
        drop(arena);
        assert!(poll_once(&mut task).is_ready());
        drop(task);
    }
}
