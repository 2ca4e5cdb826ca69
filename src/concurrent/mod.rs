//! Running many futures at once: `as_completed`, `gather`, `try_gather` and bounded
//! concurrent mapping of streams.
//!
//! [`as_completed`], [`gather`] and [`try_gather`] take anything iterable whose items are
//! futures and run them concurrently inside the task that polls them (on
//! futures-util's `FuturesUnordered`). Each has `.limit(n)`, which keeps at most `n` in
//! flight and pulls the input lazily, so the input may be endless; dropping them
//! cancels (drops) what still runs. [`as_completed`] also grows while it runs
//! ([`AsCompleted::push`]). For a few futures of different types,
//! [`gather!`](crate::gather!) and [`try_gather!`](crate::try_gather!) give a tuple.
//!
//! Two behaviours of running futures inside one task are worth knowing:
//!
//! - **Fairness.** With the `tokio` feature, every engine here (`as_completed`, `gather`,
//!   `try_gather`, `map_concurrent`, `map_unordered`) spends one unit of tokio's
//!   cooperative budget per output it takes from its futures, so draining many
//!   already-complete futures still lets the other tasks on the worker run.
//! - **Progress while the consumer is busy.** Futures inside a stream only run while the
//!   stream is polled: if the consumer awaits something else between two items, the
//!   futures stand still. `.spawned()` (feature `tokio`, for `Send + 'static` futures)
//!   runs each future as a tokio task instead, so they finish meanwhile; dropping the
//!   stream aborts them, and a task's panic is resumed in the consumer.

use core::future::Future;

use futures_core::stream::Stream;

mod as_completed;
mod coop;
mod driver;
mod extendable;
mod gather;
mod gather_macro;
mod item_shape;
mod map_concurrent;
mod map_unordered;
#[cfg(feature = "tokio")]
mod spawn_each;
#[cfg(feature = "tokio")]
mod spawned_as_completed;
#[cfg(feature = "tokio")]
mod spawned_task;
mod tagged;
mod try_gather;

pub use as_completed::{AsCompleted, as_completed};
pub use gather::{Gather, gather};
pub use item_shape::{Indexed, ItemShape, Plain};
pub use map_concurrent::MapConcurrent;
pub use map_unordered::MapUnordered;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use spawn_each::SpawnEach;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use spawned_as_completed::SpawnedAsCompleted;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use spawned_task::SpawnedTask;
pub use try_gather::{TryGather, try_gather};

/// This crate's concurrency methods on every [`Stream`]; in scope through the prelude.
///
/// Python bounds concurrency with an `asyncio.Semaphore` around each task; here the
/// bound is part of the stream, and inputs are pulled only as places free up, so the
/// input may be endless.
pub trait StreamConcurrentExt: Stream {
    /// Runs `f(item)` for the items of this stream with at most `limit` futures at
    /// once, and yields their outputs in input order.
    ///
    /// A new item is pulled as soon as fewer than `limit` futures run, even when an
    /// earlier, slower future holds back the outputs finished after it; those wait in
    /// the stream until their turn. Use
    /// [`map_unordered`](StreamConcurrentExt::map_unordered) to get outputs as they
    /// finish instead.
    ///
    /// The futures run inside this stream's task (no spawning), so they make progress
    /// while the stream is polled.
    ///
    /// # Panics
    ///
    /// - If `limit` is 0, with "map_concurrent: the limit must be at least 1, …",
    ///   reported at the caller's line.
    /// - When polled, if a future, `f` or this stream panics. Polled again after the
    ///   panic was caught, the stream returns `None` and drops the futures still
    ///   running: a later output handed out without the lost one would arrive one
    ///   place early.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// // sem = asyncio.Semaphore(3)
    /// // async def worker(item):
    /// //     async with sem:
    /// //         await asyncio.sleep(0.1)
    /// //         return item * item
    /// // print(await asyncio.gather(*[worker(i) for i in range(10)]))
    /// let start = tokio::time::Instant::now();
    /// let squares: Vec<u64> = futures::stream::iter(0..10)
    ///     .map_concurrent(3, |item| async move {
    ///         tokio::time::sleep(Duration::from_millis(100)).await;
    ///         item * item
    ///     })
    ///     .collect()
    ///     .await;
    /// assert_eq!(squares, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
    /// assert_eq!(start.elapsed(), Duration::from_millis(400)); // 4 rounds of 3
    /// # }
    /// ```
    #[track_caller]
    fn map_concurrent<F, Fut>(self, limit: usize, f: F) -> MapConcurrent<Self, F, Fut>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Fut,
        Fut: Future,
    {
        MapConcurrent::new(self, limit, f)
    }

    /// Runs `f(item)` for the items of this stream with at most `limit` futures at
    /// once, and yields their outputs in the order they finish.
    ///
    /// A finished future's place goes to the next item at once, so a slow future
    /// never keeps the others from running. Use
    /// [`map_concurrent`](StreamConcurrentExt::map_concurrent) to keep input order.
    ///
    /// # Panics
    ///
    /// - If `limit` is 0, with "map_unordered: the limit must be at least 1, …",
    ///   reported at the caller's line.
    /// - When polled, if a future, `f` or this stream panics. Polled again after the
    ///   panic was caught, the stream goes on with the other futures, as
    ///   [`as_completed`](crate::as_completed()#panics) does: in completion order
    ///   nothing depends on the lost output.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let delays = [300, 100, 120, 50];
    /// let first_done: Vec<u64> = futures::stream::iter(delays)
    ///     .map_unordered(2, |ms| async move {
    ///         tokio::time::sleep(Duration::from_millis(ms)).await;
    ///         ms
    ///     })
    ///     .collect()
    ///     .await;
    /// // 300 and 100 start; 100 ends (at 100 ms) and 120 starts; 120 ends (220 ms) and
    /// // 50 starts; 50 ends (270 ms); 300 ends (300 ms).
    /// assert_eq!(first_done, [100, 120, 50, 300]);
    /// # }
    /// ```
    #[track_caller]
    fn map_unordered<F, Fut>(self, limit: usize, f: F) -> MapUnordered<Self, F, Fut>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Fut,
        Fut: Future,
    {
        MapUnordered::new(self, limit, f)
    }
}

impl<S: Stream + ?Sized> StreamConcurrentExt for S {}
