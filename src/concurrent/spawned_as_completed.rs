use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};

use super::driver::Driver;
use super::item_shape::{Indexed, Plain};
use super::{AsCompleted, SpawnEach};

/// The stream returned by [`AsCompleted::spawned`]: the futures run as tokio tasks and
/// their outputs are yielded in completion order.
///
/// The tasks keep running while the consumer awaits something else; dropping the
/// stream aborts the tasks still running. See [`AsCompleted::spawned`] for the details.
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
    inner: AsCompleted<SpawnEach<I>, K>,
}

impl<I, K> SpawnedAsCompleted<I, K>
where
    I: Iterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    #[track_caller]
    pub(crate) fn new(driver: Driver<I>) -> Self {
        let runtime = tokio::runtime::Handle::current();
        let mut driver = driver.map_input(|input| SpawnEach::new(input, runtime));
        // Spawn now rather than on the first poll: the point of this mode is that the
        // futures make progress while the consumer is doing something else.
        driver.fill();
        Self {
            inner: AsCompleted::from_driver(driver),
        }
    }

    /// Yields `(input_index, output)` instead of `output`, as
    /// [`AsCompleted::indexed`] does.
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
            inner: self.inner.indexed(),
        }
    }
}

type Output<I> = <<I as Iterator>::Item as Future>::Output;

impl<I> Stream for SpawnedAsCompleted<I, Plain>
where
    I: Iterator,
    I::Item: Future + Send + 'static,
    Output<I>: Send + 'static,
{
    type Item = Output<I>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.get_mut().inner).poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<I> Stream for SpawnedAsCompleted<I, Indexed>
where
    I: Iterator,
    I::Item: Future + Send + 'static,
    Output<I>: Send + 'static,
{
    type Item = (usize, Output<I>);

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.get_mut().inner).poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<I> FusedStream for SpawnedAsCompleted<I, Plain>
where
    I: Iterator,
    I::Item: Future + Send + 'static,
    Output<I>: Send + 'static,
{
    fn is_terminated(&self) -> bool {
        self.inner.is_terminated()
    }
}

impl<I> FusedStream for SpawnedAsCompleted<I, Indexed>
where
    I: Iterator,
    I::Item: Future + Send + 'static,
    Output<I>: Send + 'static,
{
    fn is_terminated(&self) -> bool {
        self.inner.is_terminated()
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
            .field("inner", &self.inner)
            .finish()
    }
}
