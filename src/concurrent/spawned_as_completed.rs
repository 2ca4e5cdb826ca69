use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use futures_core::stream::{FusedStream, Stream};

use super::SpawnEach;
use super::driver::{Driver, current_runtime, drain_all};
use super::extendable::Extendable;
use super::item_shape::{Indexed, ItemShape, Plain};

/// The stream returned by [`AsCompleted::spawned`](super::AsCompleted::spawned): the
/// futures run as tokio tasks and their outputs are yielded in completion order.
///
/// The tasks keep running while the consumer awaits something else; dropping the
/// stream aborts the tasks still running. See
/// [`AsCompleted::spawned`](super::AsCompleted::spawned) for the details.
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
/// let jobs = [20u64, 10].map(|ms| async move {
///     tokio::time::sleep(Duration::from_millis(ms)).await;
///     ms
/// });
/// let done: Vec<(usize, u64)> = as_completed(jobs).spawned().indexed().collect().await;
/// assert_eq!(done, [(1, 10), (0, 20)]);
/// # }
/// ```
#[must_use = "streams do nothing unless polled; dropping this one aborts its tasks"]
pub struct SpawnedAsCompleted<I, K = Plain>
where
    I: Iterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    driver: Driver<SpawnEach<Extendable<I>>>,
    shape: PhantomData<K>,
}

impl<I, K> SpawnedAsCompleted<I, K>
where
    I: Iterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    #[track_caller]
    pub(crate) fn new<L: ItemShape>(driver: Driver<Extendable<I>, L>) -> Self {
        const METHOD: &str = "as_completed(..).spawned";
        let runtime = current_runtime(METHOD);
        let mut driver = driver.map_input(METHOD, |input| SpawnEach::new(input, runtime));
        // Spawn now rather than on the first poll: the point of this mode is that the
        // futures make progress while the consumer is doing something else.
        driver.fill();
        Self {
            driver,
            shape: PhantomData,
        }
    }

    /// Yields `(input_index, output)` instead of `output`, as
    /// [`AsCompleted::indexed`](super::AsCompleted::indexed) does.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::as_completed;
    /// use asyncgen::prelude::*;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let jobs = (0..3).map(|n| async move { n * 2 });
    /// let mut done: Vec<(usize, i32)> = as_completed(jobs).spawned().indexed().collect().await;
    /// done.sort();
    /// assert_eq!(done, [(0, 0), (1, 2), (2, 4)]);
    /// # }
    /// ```
    pub fn indexed(self) -> SpawnedAsCompleted<I, Indexed> {
        SpawnedAsCompleted {
            driver: self.driver,
            shape: PhantomData,
        }
    }

    /// Adds a future, spawned as a task at once if the limit leaves room, or when a
    /// place frees up (after the futures added before it); as
    /// [`AsCompleted::push`](super::AsCompleted::push) otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::prelude::*;
    /// use tokio::time::{Instant, sleep};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let wait = |ms: u64| async move {
    ///     sleep(Duration::from_millis(ms)).await;
    ///     start.elapsed()
    /// };
    /// let mut timers = as_completed([wait(10)]).spawned();
    /// timers.push(wait(5)); // runs from now, while the consumer is elsewhere
    /// sleep(Duration::from_millis(20)).await;
    /// let mut ended: Vec<Duration> = timers.collect().await;
    /// ended.sort();
    /// assert_eq!(ended, [5, 10].map(Duration::from_millis)); // both ran meanwhile
    /// assert_eq!(start.elapsed(), Duration::from_millis(20));
    /// # }
    /// ```
    pub fn push(&mut self, future: I::Item) {
        self.driver.input_mut().input_mut().push(future);
        self.driver.resume();
        self.driver.fill();
    }

    /// How many tasks run now (spawned, output not yet handed out).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let tasks = as_completed([1, 2].map(|n| async move { n })).spawned();
    /// assert_eq!(tasks.running(), 2); // spawned at once
    /// # }
    /// ```
    pub fn running(&self) -> usize {
        self.driver.running()
    }

    /// How many added futures wait for a place under the limit, not yet spawned.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let job = |n: u32| async move { n };
    /// let mut tasks = as_completed([job(0)]).limit(1).spawned();
    /// tasks.push(job(1));
    /// assert_eq!(tasks.waiting(), 1);
    /// # }
    /// ```
    pub fn waiting(&self) -> usize {
        self.driver.input().input().waiting()
    }
}

impl<I, K> Extend<I::Item> for SpawnedAsCompleted<I, K>
where
    I: Iterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    /// [`push`](SpawnedAsCompleted::push)es each future.
    fn extend<T: IntoIterator<Item = I::Item>>(&mut self, futures: T) {
        for future in futures {
            self.push(future);
        }
    }
}

type Output<I> = <<I as Iterator>::Item as Future>::Output;

impl<I, K> Stream for SpawnedAsCompleted<I, K>
where
    I: Iterator,
    I::Item: Future + Send + 'static,
    Output<I>: Send + 'static,
    K: ItemShape,
{
    type Item = K::Item<Output<I>>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // The tasks are numbered whatever the shape: they start before `.indexed()` can
        // be called on this stream.
        let polled = ready!(self.get_mut().driver.poll_next_with::<true>(cx, drain_all));
        Poll::Ready(polled.map(|(index, output)| K::item(index, output)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.driver.size_hint()
    }
}

impl<I, K> FusedStream for SpawnedAsCompleted<I, K>
where
    I: Iterator,
    I::Item: Future + Send + 'static,
    Output<I>: Send + 'static,
    K: ItemShape,
{
    fn is_terminated(&self) -> bool {
        self.driver.is_terminated()
    }
}

impl<I, K> core::fmt::Debug for SpawnedAsCompleted<I, K>
where
    I: Iterator,
    I::Item: Future + Send + 'static,
    Output<I>: Send + 'static,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SpawnedAsCompleted")
            .field("driver", &self.driver)
            .finish()
    }
}
