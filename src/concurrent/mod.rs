//! Running many futures at once: `as_completed`, `gather`, `try_gather` and bounded
//! concurrent mapping of streams.

use core::future::Future;

use futures_core::stream::Stream;

mod map_concurrent;
mod map_unordered;

pub use map_concurrent::MapConcurrent;
pub use map_unordered::MapUnordered;

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
    /// If `limit` is 0 (nothing could ever run).
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
    /// If `limit` is 0 (nothing could ever run).
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
