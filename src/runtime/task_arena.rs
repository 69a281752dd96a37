//! `TaskBox`: a spawned task's one allocation, carved from its runtime's `TaskArena`.
//!
//! # Why not `Box`
//!
//! Every spawn allocates the task's cell and every finished task frees it. Through the
//! system allocator that costs ~50 instructions per spawn when glibc's per-thread cache
//! absorbs it, and ~320 when a burst of spawns outgrows that cache (a `gather` over 20,000
//! tasks: callgrind counted `_int_malloc`, `_int_free` and `malloc_consolidate` as a third
//! of a spawn + join). The arena makes both a few loads and stores, and a cell carries no
//! allocator header: a task costs its `TaskCell`, rounded up to 16 bytes.
//!
//! # Design
//!
//! * A cell is just the `TaskCell<F>`, its size rounded up to a multiple of 16 bytes: its
//!   *class*. Cells up to `MAX_CELL` bytes with an alignment of at most 16 come from chunks of
//!   `CHUNK_SIZE` bytes (256 KiB; 64 KiB under Miri) aligned to their size, carved front to
//!   back after the chunk's 16-byte header; a
//!   freed cell goes on its class's free list (its first word links to the next), and the
//!   class's next cell comes from that list first. Larger or more aligned cells come from
//!   the system allocator. Which of the two a cell came from follows from its task's
//!   layout (`class_of`), so nothing in the cell records it.
//! * A chunk's header points to its arena, so a cell can be freed anywhere (a `JoinHandle`
//!   of one runtime polled inside another) without finding its runtime: round the cell's
//!   address down to a multiple of `CHUNK_SIZE`.
//! * While any cell is in use the arena holds an `Rc` of itself (`keep_alive`), so it
//!   outlives its runtime for as long as a `JoinHandle` keeps a finished task; the last
//!   cell's release drops that `Rc`. (One reference per arena in use, not one per cell: a
//!   cell is 8 bytes smaller than with an `Rc` header, often a whole 16-byte class.)
//! * Memory goes back to the system allocator when no cell is in use (every chunk but the
//!   newest) and when the arena goes. While any task lives (an accept loop, say), a runtime
//!   keeps what each size class needed at its peak, for later tasks of that class; glibc
//!   keeps freed small blocks too, but can give them to other sizes. Each runtime keeps
//!   one chunk until it is dropped (resident only as far as it was carved).
//!
//! # Safety
//!
//! The invariants every `unsafe` block below relies on:
//!
//! 1. A `TaskBox`'s pointer is a live task in a cell laid out for that task's layout; the
//!    `TaskBox` owns the cell (one `TaskBox` per cell; a `RunningTask` copies its pointer
//!    only for a poll, while the box stays in its slot).
//! 2. A cell's memory came from `arena.carve(class)` of the arena its chunk's header names
//!    when `class_of` of its layout is `Some(class)`, else from `alloc::alloc(layout)`.
//! 3. A chunk is allocated with `CHUNK_LAYOUT`, its header written before any cell is
//!    carved, and freed only when no carved cell is in use: by `trim` (`live` is zero) or
//!    in the arena's `Drop` (while `live` is not zero, `keep_alive` holds the arena).
//! 4. A free list holds only cells of its class that no `TaskBox` owns.
//! 5. `keep_alive` is `Some` exactly while `live` is not zero: set when `carve` counts the
//!    first cell in use, handed back by the `release` of the last one, so the arena (and
//!    every chunk) outlives each cell carved from it.

use std::alloc::{self, Layout};
use std::cell::{Cell, RefCell};
use std::num::NonZeroUsize;
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
/// Bytes of a chunk, which is also its alignment: a cell's chunk is its address rounded
/// down to a multiple of this. Not 64 KiB: glibc serves an aligned block from a larger one
/// and leaves the pieces around it as free blocks whose headers dirty a page or two, which
/// cost 10 bytes per idle task with 64 KiB chunks (a million tasks, RSS), 2 with 256 KiB.
/// Under Miri 64 KiB, so that the tests that fill several chunks take seconds, not minutes.
#[cfg(not(miri))]
const CHUNK_SIZE: usize = 256 * 1024;
#[cfg(miri)]
const CHUNK_SIZE: usize = 64 * 1024;
/// Chunks are allocated with this layout.
const CHUNK_LAYOUT: Layout = match Layout::from_size_align(CHUNK_SIZE, CHUNK_SIZE) {
    Ok(layout) => layout,
    Err(_) => panic!("chunk layout"),
};
/// Bytes at the start of each chunk before its first cell: the pointer to its arena,
/// padded so that cells stay 16-aligned.
const CHUNK_HEADER: usize = GRANULE;

/// The class of a cell holding a task of `layout`, if it is carved from a chunk.
#[inline]
fn class_of(layout: Layout) -> Option<usize> {
    if layout.size() <= MAX_CELL && layout.align() <= GRANULE {
        // A zero-sized task (none exists: a `TaskCell` has a stage tag) would take class 0.
        Some(layout.size().max(1).div_ceil(GRANULE) - 1)
    } else {
        None
    }
}

/// The arena that carved `cell`, read from its chunk's header.
///
/// # Safety
///
/// `cell` was carved from a chunk (invariant 2: `class_of` of its task's layout is `Some`)
/// that is still allocated.
#[inline]
unsafe fn arena_of(cell: NonNull<u8>) -> NonNull<TaskArena> {
    let chunk = cell.map_addr(|addr| {
        // A chunk's address is a non-zero multiple of `CHUNK_SIZE` (its alignment).
        NonZeroUsize::new(addr.get() & !(CHUNK_SIZE - 1)).expect("chunks are not at 0")
    });
    // SAFETY: the caller's contract: the chunk is live and its header was written when it
    // was allocated (invariant 3).
    unsafe { chunk.cast::<NonNull<TaskArena>>().read() }
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
    /// This arena itself while `live` is not zero, so that it outlives its runtime's
    /// handle for as long as any of its cells.
    keep_alive: Cell<Option<Rc<TaskArena>>>,
}

impl TaskArena {
    pub(crate) fn new() -> Rc<TaskArena> {
        Rc::new(TaskArena {
            free: std::array::from_fn(|_| Cell::new(ptr::null_mut())),
            next: Cell::new(ptr::null_mut()),
            end: Cell::new(ptr::null_mut()),
            chunks: RefCell::new(Vec::new()),
            live: Cell::new(0),
            keep_alive: Cell::new(None),
        })
    }

    /// A cell of class `class`, counted in use (invariant 5).
    #[inline]
    fn carve(self: &Rc<Self>, class: usize) -> NonNull<u8> {
        // Counted once it exists: if a new chunk cannot be had (an allocation failure that
        // unwinds), nothing was counted.
        let cell = self.take_cell(class);
        let live = self.live.get();
        if live == 0 {
            let held = self.keep_alive.replace(Some(self.clone()));
            debug_assert!(
                held.is_none(),
                "the arena holds itself only while cells live"
            );
        }
        self.live.set(live + 1);
        cell
    }

    /// A free cell of class `class`: a freed one if there is one, else the next bytes of
    /// the newest chunk.
    #[inline]
    fn take_cell(self: &Rc<Self>, class: usize) -> NonNull<u8> {
        let head = self.free[class].get();
        if let Some(cell) = NonNull::new(head) {
            // Invariant 4: a free cell's first word is the next free cell of its class.
            // SAFETY: `cell` is a free cell of this class, 16-aligned and at least 16 bytes.
            self.free[class].set(unsafe { cell.cast::<*mut u8>().read() });
            return cell;
        }
        let size = (class + 1) * GRANULE;
        match self.bump(size) {
            Some(cell) => cell,
            None => self.carve_from_new_chunk(size),
        }
    }

    /// The next `size` bytes of the chunk carved from, if it has them.
    #[inline]
    fn bump(&self, size: usize) -> Option<NonNull<u8>> {
        let next = self.next.get();
        if self.end.get().addr() - next.addr() < size {
            return None;
        }
        // SAFETY: `next..end` is the unused rest of a live chunk (invariant 3), and `size`
        // bytes of it remain, so `next` is non-null and `next + size` stays in the chunk.
        unsafe {
            self.next.set(next.add(size));
            Some(NonNull::new_unchecked(next))
        }
    }

    /// Starts a new chunk, writes its header and carves `size` bytes after it.
    #[cold]
    #[inline(never)]
    fn carve_from_new_chunk(self: &Rc<Self>, size: usize) -> NonNull<u8> {
        // SAFETY: `CHUNK_LAYOUT` has a non-zero size.
        let chunk = unsafe { alloc::alloc(CHUNK_LAYOUT) };
        let Some(chunk) = NonNull::new(chunk) else {
            alloc::handle_alloc_error(CHUNK_LAYOUT)
        };
        // SAFETY: the header's 16 bytes are the fresh chunk's first (invariant 3); this
        // arena is the value of an `Rc`, which does not move it.
        unsafe {
            chunk
                .cast::<NonNull<TaskArena>>()
                .write(NonNull::from(&**self))
        };
        self.chunks.borrow_mut().push(chunk);
        // The old chunk's unused tail (less than `MAX_CELL` bytes) is given up.
        self.carve_from(chunk);
        self.bump(size)
            .expect("a fresh chunk has room for any cell")
    }

    /// Makes `chunk` (a live chunk none of whose cells is in use or on a free list) the
    /// one carved from: its cells start after its header.
    fn carve_from(&self, chunk: NonNull<u8>) {
        // SAFETY: the header's end and one past the end of the chunk's allocation.
        unsafe {
            self.next.set(chunk.as_ptr().add(CHUNK_HEADER));
            self.end.set(chunk.as_ptr().add(CHUNK_SIZE));
        }
    }

    /// With no cell in use (`live` is zero): gives every chunk but the newest back to the
    /// system allocator and starts carving that one afresh (its cells are all free). Keeps
    /// one chunk so that a loop whose tasks come and go one at a time does not allocate a
    /// chunk each time.
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
        self.carve_from(newest);
    }

    /// Puts a cell of class `class` on its free list. When it was the last cell in use,
    /// returns the arena's hold on itself, which the caller drops once it no longer uses
    /// the arena (it may be the last reference).
    ///
    /// # Safety
    ///
    /// `cell` was carved from this arena as class `class` and nothing uses it any more.
    #[inline]
    #[must_use = "drop the arena's hold on itself after the last use of the arena"]
    unsafe fn release(&self, class: usize, cell: NonNull<u8>) -> Option<Rc<TaskArena>> {
        // SAFETY: the cell is 16-aligned, at least 16 bytes and unused (the caller's
        // contract), so its first word can hold the link (invariant 4).
        unsafe { cell.cast::<*mut u8>().write(self.free[class].get()) };
        self.free[class].set(cell.as_ptr());
        let live = self.live.get() - 1;
        self.live.set(live);
        if live != 0 {
            return None;
        }
        if self.chunks.borrow().len() > 1 {
            // The last cell in use: after a burst, the memory goes back now rather than
            // when the runtime is dropped.
            self.trim();
        }
        self.keep_alive.take()
    }
}

impl Drop for TaskArena {
    fn drop(&mut self) {
        for chunk in self.chunks.get_mut().drain(..) {
            // Invariants 3 and 5: no cell of it is in use (`keep_alive` would hold this
            // arena).
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
        const { assert!(size_of::<T>() != 0, "a task cell is never zero-sized") };
        let layout = Layout::new::<T>();
        let cell = match class_of(layout) {
            Some(class) => arena.carve(class),
            None => {
                // SAFETY: `layout` has a non-zero size (the assertion above).
                let cell = unsafe { alloc::alloc(layout) };
                let Some(cell) = NonNull::new(cell) else {
                    alloc::handle_alloc_error(layout)
                };
                cell
            }
        };
        // SAFETY: `cell` is fresh memory of at least `layout`'s size and alignment
        // (invariant 2: a class's cells are 16-aligned multiples of 16 bytes).
        unsafe {
            let task_ptr = cell.cast::<T>();
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
                // Invariant 2: the layout says where the memory came from; the task in the
                // cell has been dropped, and the cell is released once, here.
                match class_of(self.layout) {
                    Some(class) => {
                        // SAFETY: a carved cell's chunk is live while the cell is in use
                        // (invariant 3), and names the arena that carved it (invariant 2).
                        let arena = unsafe { arena_of(self.cell) };
                        // SAFETY: the arena is alive: its `keep_alive` holds it while this
                        // cell is in use (invariant 5); the cell is carved as `class`.
                        let hold = unsafe { arena.as_ref().release(class, self.cell) };
                        // The arena's hold on itself goes last: if it was the last
                        // reference, the arena and its chunks go only now.
                        drop(hold);
                    }
                    // SAFETY: allocated with `layout` by the system allocator (invariant 2).
                    None => unsafe { alloc::dealloc(self.cell.as_ptr(), self.layout) },
                }
            }
        }
        // SAFETY: the task is live (invariant 1); its layout is the one `new` computed its
        // cell from, and the cell starts at the task.
        unsafe {
            let release = Release {
                cell: self.task.cast::<u8>(),
                layout: Layout::for_value(self.task.as_ref()),
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
        let burst: Vec<TaskBox> = (0..CHUNK_SIZE / 16)
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
        let mut cells: Vec<TaskBox> = (0..(CHUNK_SIZE / 16) as u32)
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

    /// A cell is its task rounded up to its class, with no header: a chunk holds as many
    /// 64-byte cells as fit after the chunk's header.
    #[test]
    fn a_cell_costs_its_class() {
        let arena = TaskArena::new();
        let layout = Layout::new::<TaskCell<std::future::Ready<[u64; 6]>>>();
        assert_eq!(class_of(layout), Some(64 / GRANULE - 1), "{layout:?}");
        let per_chunk = (CHUNK_SIZE - CHUNK_HEADER) / 64;
        let cells: Vec<TaskBox> = (0..per_chunk)
            .map(|i| boxed(&arena, std::future::ready([i as u64; 6])))
            .collect();
        assert_eq!(arena.chunks.borrow().len(), 1);
        let one_more = boxed(&arena, std::future::ready([0_u64; 6]));
        assert_eq!(arena.chunks.borrow().len(), 2);
        drop((cells, one_more));
    }

    /// A task owning another task of the same arena, dropped after the runtime's handle on
    /// the arena: the inner cell goes back during the outer one's destructor, the outer
    /// one last, and the arena only with it.
    #[test]
    fn a_cell_holding_another_cell_goes_after_the_handle() {
        let arena = TaskArena::new();
        let inner = boxed(&arena, async { 1_u8 });
        let outer = boxed(&arena, async move {
            let _inner = inner;
            2_u8
        });
        assert_eq!(arena.live.get(), 2);
        let weak = Rc::downgrade(&arena);
        drop(arena);
        assert!(weak.upgrade().is_some(), "the cells in use keep the arena");
        drop(outer);
        assert!(
            weak.upgrade().is_none(),
            "the last release lets the arena go"
        );
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
