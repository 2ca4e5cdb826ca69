use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};

use super::driver::Driver;
use super::extendable::Extendable;
use super::item_shape::{Indexed, ItemShape, Plain};

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
/// - [`.push(future)`](AsCompleted::push) adds a future while the stream runs, even from
///   inside the loop that consumes it: the stream ends when the input and everything
///   added are done (Python's `TaskGroup.create_task`).
/// - Dropping the stream drops every future still running, which cancels them.
///
/// # `asyncio.wait`
///
/// The stream is Python's pending set. `asyncio.wait(tasks, return_when=FIRST_COMPLETED)`
/// is one `next().await`: it gives the first output and leaves the others running in
/// the stream, to be awaited later, added to with [`push`](AsCompleted::push), or
/// cancelled by dropping the stream. `return_when=FIRST_EXCEPTION` over `Result`
/// outputs is a `while let` loop that stops at the first `Err`, the rest still pending
/// in the stream; when nothing but the error or all the outputs matter,
/// [`try_gather`](super::try_gather()) does it in one call and cancels the rest.
///
/// ```
/// use std::time::Duration;
/// use asyncgen::prelude::*;
/// use tokio::time::sleep;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// async fn job(ms: u64) -> Result<u64, String> {
///     sleep(Duration::from_millis(ms)).await;
///     if ms == 20 { Err(format!("job {ms} failed")) } else { Ok(ms) }
/// }
///
/// // done, pending = await asyncio.wait(jobs, return_when=FIRST_COMPLETED)
/// let mut pending = as_completed([job(30), job(10), job(20)].map(Box::pin));
/// let first = pending.next().await;
/// assert_eq!(first, Some(Ok(10)));
/// assert_eq!(pending.running(), 2); // still running, in `pending`
///
/// // return_when=FIRST_EXCEPTION
/// let mut done = vec![first.unwrap()];
/// while let Some(output) = pending.next().await {
///     let failed = output.is_err();
///     done.push(output);
///     if failed {
///         break;
///     }
/// }
/// assert_eq!(done, [Ok(10), Err("job 20 failed".to_string())]);
/// assert_eq!(pending.running(), 1); // job(30), dropped with `pending`
/// # }
/// ```
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
        driver: Driver::new(Extendable::new(futures.into_iter())),
    }
}

/// The stream returned by [`as_completed`]; `K` is [`Plain`] (items are outputs) or
/// [`Indexed`] (items are `(input_index, output)`).
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<I: Iterator, K: ItemShape = Plain> {
    driver: Driver<Extendable<I>, K>,
}

impl<I, K> AsCompleted<I, K>
where
    I: Iterator,
    I::Item: Future,
    K: ItemShape,
{
    /// Keeps at most `limit` futures in flight. The input iterator is pulled lazily: a
    /// new future is taken only when one finishes, so the input may be endless and at
    /// most `limit` futures exist at any time.
    ///
    /// Futures added with [`push`](Self::push) count against the same limit.
    ///
    /// # Panics
    ///
    /// If `limit` is 0, with "as_completed(..).limit: the limit must be at least 1, …",
    /// reported at the caller's line.
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
        self.driver.set_limit("as_completed(..).limit", limit);
        self
    }

    /// Yields `(input_index, output)` instead of `output`; `input_index` counts from 0
    /// in the order the futures start: the input's first, then the ones added with
    /// [`push`](Self::push), so an added future's index comes after every input's.
    ///
    /// # Panics
    ///
    /// If futures of this stream run (it was polled and not all of them finished), with
    /// a message that starts "as_completed(..).indexed", reported at the caller's line:
    /// a plain stream does not number what runs, so call `.indexed()` first.
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
    #[track_caller]
    pub fn indexed(self) -> AsCompleted<I, Indexed> {
        AsCompleted {
            driver: self.driver.reshape("as_completed(..).indexed"),
        }
    }

    /// Adds a future to the running set; the stream yields its output too, and ends only
    /// when the input and everything added are done. Call it between two items, for
    /// instance from the body of the `while let` loop that consumes the stream: a
    /// crawler pushes the fetch of each link a page reveals (Python's
    /// `TaskGroup.create_task`, or adding to the set passed to `asyncio.wait`).
    ///
    /// An added future starts on the next poll, once the whole input has started: with
    /// a [`limit`](Self::limit), added futures wait for a free place after the input's
    /// (first added, first started), as tasks queued on a semaphore would. So with an
    /// endless input under a limit, added futures never start. With
    /// [`indexed`](Self::indexed), added futures get the indices after the input's, in
    /// the order they start. A stream that had ended goes on after a `push`.
    ///
    /// The future must have the input's future type: push the result of the same
    /// `async fn`, or box the futures (`Box::pin`) when they differ.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::prelude::*;
    /// use tokio::time::{Instant, sleep};
    ///
    /// // Each page reveals the pages below it; fetch each once, at most 2 at a time.
    /// async fn fetch(page: u32) -> (u32, Vec<u32>) {
    ///     sleep(Duration::from_millis(10)).await;
    ///     let links = if page < 4 { vec![page * 2, page * 2 + 1] } else { vec![] };
    ///     (page, links)
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let mut crawl = as_completed([fetch(1)]).limit(2);
    /// let mut visited = Vec::new();
    /// while let Some((page, links)) = crawl.next().await {
    ///     visited.push(page);
    ///     for link in links {
    ///         crawl.push(fetch(link));
    ///     }
    /// }
    /// assert_eq!(visited, [1, 2, 3, 4, 5, 6, 7]);
    /// assert_eq!(start.elapsed(), Duration::from_millis(40)); // 1, then 2 at a time
    /// # }
    /// ```
    pub fn push(&mut self, future: I::Item) {
        self.driver.input_mut().push(future);
        self.driver.resume();
    }

    /// How many futures run now (started, not yet finished).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    ///
    /// # futures::executor::block_on(async {
    /// let mut running = as_completed([1, 2].map(|n| async move { n }));
    /// assert_eq!(running.running(), 0); // nothing starts before the first poll
    /// assert!(running.next().await.is_some());
    /// assert_eq!(running.running(), 1);
    /// # });
    /// ```
    pub fn running(&self) -> usize {
        self.driver.running()
    }

    /// How many added futures wait for a place under the [`limit`](Self::limit).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    ///
    /// # futures::executor::block_on(async {
    /// let job = |n: u32| async move { n };
    /// let mut jobs = as_completed([job(0)]).limit(1);
    /// jobs.push(job(1));
    /// jobs.push(job(2));
    /// assert_eq!(jobs.waiting(), 2);
    /// assert_eq!(jobs.next().await, Some(0)); // job(1) starts in its place
    /// assert_eq!(jobs.waiting(), 1);
    /// # });
    /// ```
    pub fn waiting(&self) -> usize {
        self.driver.input().waiting()
    }

    /// Runs each future as its own tokio task (feature `tokio`): the futures keep
    /// running while the consumer is busy awaiting something else, and on a
    /// multi-threaded runtime they run in parallel.
    ///
    /// The first futures (all of them, or `limit` of them) are spawned right here, so
    /// call [`.limit(n)`](Self::limit) before `.spawned()`. Later ones are spawned as
    /// the stream hands out outputs: a finished task keeps its slot until its output is
    /// taken, so memory stays bounded by the limit even when the consumer is slow.
    /// Futures added before this call are spawned after the input's.
    ///
    /// Dropping the stream aborts every task still running. A task that panics
    /// re-raises the panic in the consumer, with the original payload, when its output
    /// would have been yielded; polled again, the stream goes on with the other tasks,
    /// as [`as_completed`](super::as_completed()#panics) does.
    ///
    /// # Panics
    ///
    /// - Here, if called outside a tokio runtime or after the stream was first polled,
    ///   with a message that starts "as_completed(..).spawned", reported at the
    ///   caller's line.
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
}

impl<I, K> Extend<I::Item> for AsCompleted<I, K>
where
    I: Iterator,
    I::Item: Future,
    K: ItemShape,
{
    /// [`push`](AsCompleted::push)es each future.
    fn extend<T: IntoIterator<Item = I::Item>>(&mut self, futures: T) {
        for future in futures {
            self.push(future);
        }
    }
}

impl<I, K> Stream for AsCompleted<I, K>
where
    I: Iterator,
    I::Item: Future,
    K: ItemShape,
{
    type Item = K::Item<<I::Item as Future>::Output>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut()
            .driver
            .poll_next_with::<true>(cx, Extendable::drain)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.driver.size_hint()
    }
}

impl<I, K> FusedStream for AsCompleted<I, K>
where
    I: Iterator,
    I::Item: Future,
    K: ItemShape,
{
    fn is_terminated(&self) -> bool {
        self.driver.is_terminated()
    }
}

impl<I: Iterator, K: ItemShape> core::fmt::Debug for AsCompleted<I, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AsCompleted")
            .field("driver", &self.driver)
            .finish()
    }
}
