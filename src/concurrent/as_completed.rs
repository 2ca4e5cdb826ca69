use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};

use super::driver::Driver;
use super::item_shape::{Indexed, Plain};

/// Runs every future of `futures` concurrently and yields their outputs in the order
/// they complete, like Python's `asyncio.as_completed`.
///
/// `futures` is anything iterable whose items are futures: a `Vec`, an array, a
/// `map` over a range. The futures run inside the returned stream, on the task that
/// polls it (see [`.spawned()`](AsCompleted::spawned) for running them as tokio tasks
/// instead).
///
/// - Without a limit, the whole input is taken on the first poll.
/// - [`.limit(n)`](AsCompleted::limit) keeps at most `n` futures in flight and pulls the
///   input lazily, one future per finished one; the input may then be endless and memory
///   stays bounded by `n`.
/// - [`.indexed()`](AsCompleted::indexed) yields `(input_index, output)`.
/// - Dropping the stream drops every future still running, which cancels them.
///
/// # Fairness under tokio
///
/// With the `tokio` feature, each item taken from the stream consumes one unit of
/// tokio's cooperative scheduling budget (`tokio::task::coop`). When the budget is
/// spent the stream returns `Pending` once and asks to be polled again right away, so
/// draining thousands of futures that are already complete still lets the other tasks
/// on the same worker run. Outside a tokio runtime there is no budget and nothing
/// changes.
///
/// # Panics
///
/// A panic in one of the futures passes through the stream's poll to the consumer,
/// and the future that panicked is dropped. A consumer that catches the panic can poll
/// on: the stream goes on with the other futures, the dropped one's place under
/// [`.limit(n)`](AsCompleted::limit) goes to the next input at once, and with
/// [`.indexed()`](AsCompleted::indexed) its index is never yielded. (Unlike
/// [`gather`](super::gather()), whose result places outputs by position, a stream in
/// completion order loses nothing but that one output.)
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use asyncgen::as_completed;
/// use asyncgen::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let delays = [30, 10, 20];
/// let fetches = delays.map(|ms| async move {
///     tokio::time::sleep(Duration::from_millis(ms)).await;
///     ms
/// });
/// let finished: Vec<u64> = as_completed(fetches).collect().await;
/// assert_eq!(finished, [10, 20, 30]);
/// # }
/// ```
pub fn as_completed<I>(futures: I) -> AsCompleted<I::IntoIter>
where
    I: IntoIterator,
    I::Item: Future,
{
    AsCompleted {
        driver: Driver::new(futures.into_iter()),
        shape: PhantomData,
    }
}

/// The stream returned by [`as_completed`]; `K` is [`Plain`] (items are outputs) or
/// [`Indexed`] (items are `(input_index, output)`).
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<I: Iterator, K = Plain> {
    driver: Driver<I>,
    shape: PhantomData<K>,
}

impl<I, K> AsCompleted<I, K>
where
    I: Iterator,
    I::Item: Future,
{
    /// Keeps at most `limit` futures in flight. The input iterator is pulled lazily: a
    /// new future is taken only when one finishes, so the input may be endless and at
    /// most `limit` futures exist at any time.
    ///
    /// # Panics
    ///
    /// If `limit` is 0 (nothing could ever run).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::as_completed;
    /// use asyncgen::prelude::*;
    ///
    /// # futures::executor::block_on(async {
    /// // An endless input: only what is consumed (plus at most 4 in flight) is created.
    /// let squares = as_completed((0u64..).map(|n| async move { n * n })).limit(4);
    /// let first: Vec<u64> = squares.take(5).collect().await;
    /// assert_eq!(first.len(), 5);
    /// # });
    /// ```
    #[track_caller]
    pub fn limit(mut self, limit: usize) -> Self {
        self.driver.set_limit(limit);
        self
    }

    /// Yields `(input_index, output)` instead of `output`; `input_index` counts from 0
    /// in the order the input produced the futures.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::as_completed;
    /// use asyncgen::prelude::*;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let jobs = ["slow", "fast"].map(|name| async move {
    ///     let ms = if name == "slow" { 20 } else { 10 };
    ///     tokio::time::sleep(Duration::from_millis(ms)).await;
    ///     name
    /// });
    /// let done: Vec<(usize, &str)> = as_completed(jobs).indexed().collect().await;
    /// assert_eq!(done, [(1, "fast"), (0, "slow")]);
    /// # }
    /// ```
    pub fn indexed(self) -> AsCompleted<I, Indexed> {
        AsCompleted {
            driver: self.driver,
            shape: PhantomData,
        }
    }

    /// Runs each future as its own tokio task (feature `tokio`): the futures keep
    /// running while the consumer is busy awaiting something else, and on a
    /// multi-threaded runtime they run in parallel.
    ///
    /// The first futures (all of them, or `limit` of them) are spawned right here, so
    /// call [`.limit(n)`](Self::limit) before `.spawned()`. Later ones are spawned as
    /// the stream hands out outputs: a finished task keeps its slot until its output is
    /// taken, so memory stays bounded by the limit even when the consumer is slow.
    ///
    /// Dropping the stream aborts every task still running. A task that panics
    /// re-raises the panic in the consumer, with the original payload, when its output
    /// would have been yielded; polled again, the stream goes on with the other tasks,
    /// as [`as_completed`](super::as_completed()#panics) does.
    ///
    /// # Panics
    ///
    /// - Here, if called outside a tokio runtime.
    /// - When polled, if a task panicked (the task's own panic is resumed), or if the
    ///   runtime the tasks were spawned on shut down before a task finished (the task
    ///   was cancelled, so there is no output to yield).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::as_completed;
    /// use asyncgen::prelude::*;
    /// use tokio::time::{Instant, sleep};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let jobs = (1..=3u64).map(|n| async move {
    ///     sleep(Duration::from_millis(10 * n)).await;
    ///     Instant::now() - start
    /// });
    /// let finished = as_completed(jobs).spawned();
    /// // The consumer is busy for 100 ms; the tasks finish meanwhile.
    /// sleep(Duration::from_millis(100)).await;
    /// let took: Vec<Duration> = finished.collect().await;
    /// assert_eq!(took, [10, 20, 30].map(Duration::from_millis));
    /// # }
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    #[track_caller]
    pub fn spawned(self) -> super::SpawnedAsCompleted<I, K>
    where
        I::Item: Send + 'static,
        <I::Item as Future>::Output: Send + 'static,
    {
        super::SpawnedAsCompleted::new(self.driver)
    }

    pub(crate) fn poll_indexed(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<(usize, <I::Item as Future>::Output)>> {
        let polled = self.driver.poll_next(cx);
        if let Poll::Ready(Some(_)) = polled {
            // Take the successor now rather than on the next poll: a spawned successor
            // then runs while the consumer handles this item.
            self.driver.fill();
        }
        polled
    }

    #[cfg(feature = "tokio")]
    pub(crate) fn from_driver(driver: Driver<I>) -> Self {
        Self {
            driver,
            shape: PhantomData,
        }
    }
}

impl<I> Stream for AsCompleted<I, Plain>
where
    I: Iterator,
    I::Item: Future,
{
    type Item = <I::Item as Future>::Output;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut()
            .poll_indexed(cx)
            .map(|item| item.map(|(_, output)| output))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.driver.size_hint()
    }
}

impl<I> Stream for AsCompleted<I, Indexed>
where
    I: Iterator,
    I::Item: Future,
{
    type Item = (usize, <I::Item as Future>::Output);

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_indexed(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.driver.size_hint()
    }
}

impl<I> FusedStream for AsCompleted<I, Plain>
where
    I: Iterator,
    I::Item: Future,
{
    fn is_terminated(&self) -> bool {
        self.driver.is_terminated()
    }
}

impl<I> FusedStream for AsCompleted<I, Indexed>
where
    I: Iterator,
    I::Item: Future,
{
    fn is_terminated(&self) -> bool {
        self.driver.is_terminated()
    }
}

impl<I: Iterator, K> core::fmt::Debug for AsCompleted<I, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AsCompleted")
            .field("driver", &self.driver)
            .finish()
    }
}
