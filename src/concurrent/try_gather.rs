use core::future::Future;
use core::ops::ControlFlow;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use super::driver::Driver;

/// Runs fallible futures concurrently: `Ok` with every output in input order, or the
/// first `Err` as soon as it happens, like Python's `asyncio.TaskGroup`.
///
/// When a future fails, every other future is dropped (cancelled) at once and never
/// polled again; the error is returned without waiting for them. For futures of
/// different types, use the [`try_gather!`](crate::try_gather!) macro. The returned
/// [`TryGather`] is a builder with [`.limit(n)`](TryGather::limit) and
/// [`.spawned()`](TryGather::spawned), as [`gather`](super::gather()) has.
///
/// # Panics
///
/// A panic in one of the futures (or in the input iterator) passes through the poll of
/// the [`TryGather`] to the code awaiting it; unless caught, it drops the `TryGather`
/// and with it the futures still running. A `TryGather` polled again after such a
/// panic was caught panics with "TryGather polled after one of its futures (or its
/// input iterator) panicked": the future that panicked has neither an output nor an
/// error, and an `Ok` without it would put every later output at the wrong index.
///
/// ```
/// use asyncgen::try_gather;
/// use futures::FutureExt as _;
/// use std::panic::AssertUnwindSafe;
///
/// # futures::executor::block_on(async {
/// let mut jobs = try_gather((0..3).map(|n| async move {
///     assert_ne!(n, 1, "job 1 fails");
///     Ok::<i32, String>(n)
/// }));
/// assert!(AssertUnwindSafe(&mut jobs).catch_unwind().await.is_err()); // job 1's panic
/// assert!(AssertUnwindSafe(&mut jobs).catch_unwind().await.is_err()); // never `Ok([0, 2])`
/// # });
/// ```
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use asyncgen::try_gather;
/// use tokio::time::{Instant, sleep};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// async fn step(ms: u64, fail: bool) -> Result<u64, String> {
///     sleep(Duration::from_millis(ms)).await;
///     if fail { Err(format!("step {ms} failed")) } else { Ok(ms) }
/// }
///
/// assert_eq!(try_gather([step(20, false), step(10, false)]).await, Ok(vec![20, 10]));
///
/// let start = Instant::now();
/// let failed = try_gather([step(1000, false), step(10, true)]).await;
/// assert_eq!(failed, Err("step 10 failed".to_string()));
/// assert_eq!(start.elapsed(), Duration::from_millis(10)); // the slow step was cancelled
/// # }
/// ```
pub fn try_gather<I, T, E>(futures: I) -> TryGather<I::IntoIter, T>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>>,
{
    TryGather::new(Driver::new(futures.into_iter()))
}

/// The future returned by [`try_gather`]: resolves to `Ok` with the outputs in input
/// order, or to the first `Err`.
///
/// It is a builder too: [`.limit(n)`](TryGather::limit) and
/// [`.spawned()`](TryGather::spawned) configure it before it is awaited. Being a
/// [`Future`] itself (and so also [`IntoFuture`](core::future::IntoFuture)), it can be
/// awaited, spawned, joined or selected like any other future.
///
/// # Panics
///
/// When polled after completion, or after a poll that unwound (a future or the input
/// iterator panicked): see [`try_gather`](try_gather()#panics).
#[must_use = "futures do nothing unless awaited"]
pub struct TryGather<I: Iterator, T> {
    /// `None` once the result has been handed out; dropping it cancels what still runs.
    driver: Option<Driver<I>>,
    slots: Vec<Option<T>>,
    /// Set while the driver is polled, so still set if that poll unwound: a future that
    /// panicked is gone and its slot can never be filled.
    unwound: bool,
}

impl<I, T, E> TryGather<I, T>
where
    I: Iterator,
    I::Item: Future<Output = Result<T, E>>,
{
    fn new(driver: Driver<I>) -> Self {
        let (low, _) = driver.size_hint();
        Self {
            driver: Some(driver),
            slots: Vec::with_capacity(low),
            unwound: false,
        }
    }

    fn driver_mut(&mut self) -> &mut Driver<I> {
        self.driver
            .as_mut()
            .expect("TryGather used after completion")
    }

    /// Keeps at most `limit` futures in flight, pulling the input lazily; after an
    /// error no further future is taken from the input.
    ///
    /// # Panics
    ///
    /// If `limit` is 0, with "try_gather(..).limit: the limit must be at least 1, …",
    /// reported at the caller's line.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::try_gather;
    ///
    /// # futures::executor::block_on(async {
    /// let parsed = try_gather(["1", "2", "x", "4"].map(|s| async move { s.parse::<u8>() }))
    ///     .limit(2)
    ///     .await;
    /// assert!(parsed.is_err());
    /// # });
    /// ```
    #[track_caller]
    pub fn limit(mut self, limit: usize) -> Self {
        self.driver_mut().set_limit("try_gather(..).limit", limit);
        self
    }

    /// Runs each future as its own tokio task (feature `tokio`); on the first error the
    /// other tasks are aborted. Call it before the first poll (and after
    /// [`.limit(n)`](Self::limit), if any). Tasks are spawned when the future is first
    /// polled.
    ///
    /// # Panics
    ///
    /// - Here, if called outside a tokio runtime, or after the future was first polled.
    /// - When awaited, if a task panicked (with the task's payload) or its runtime shut
    ///   down before it finished; polled again after that, as
    ///   [`try_gather`](try_gather()#panics) describes.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::try_gather;
    ///
    /// # #[tokio::main]
    /// # async fn main() {
    /// let checked = try_gather((1..=3u32).map(|n| async move { n.checked_mul(1000).ok_or("overflow") }))
    ///     .spawned()
    ///     .await;
    /// assert_eq!(checked, Ok(vec![1000, 2000, 3000]));
    /// # }
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    #[track_caller]
    pub fn spawned(mut self) -> TryGather<super::SpawnEach<I>, T>
    where
        I::Item: Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let runtime = super::driver::current_runtime("try_gather(..).spawned");
        let driver = self.driver.take().expect("TryGather used after completion");
        TryGather::new(driver.map_input("try_gather(..).spawned", |input| {
            super::SpawnEach::new(input, runtime)
        }))
    }
}

// Outputs are stored, never pinned, and the driver is `Unpin` itself.
impl<I: Iterator, T> Unpin for TryGather<I, T> {}

impl<I, T, E> Future for TryGather<I, T>
where
    I: Iterator,
    I::Item: Future<Output = Result<T, E>>,
{
    type Output = Result<Vec<T>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Finishing without the lost output would hand out a shorter `Vec` with every
        // later output at the wrong index; no result at all is the only honest one.
        assert!(
            !this.unwound,
            "TryGather polled after one of its futures (or its input iterator) panicked",
        );
        let driver = this
            .driver
            .as_mut()
            .expect("TryGather polled after completion");
        this.unwound = true;
        let end = driver.poll_into_slots(cx, &mut this.slots, |output| match output {
            Ok(output) => ControlFlow::Continue(output),
            Err(error) => ControlFlow::Break(error),
        });
        this.unwound = false;
        let end = ready!(end);
        // On an error this cancels the rest now, before the caller even sees the error.
        this.driver = None;
        let slots = core::mem::take(&mut this.slots);
        Poll::Ready(match end {
            ControlFlow::Break(error) => Err(error),
            ControlFlow::Continue(()) => Ok(slots
                .into_iter()
                .map(|slot| slot.expect("every input index handed out its output"))
                .collect()),
        })
    }
}

impl<I: Iterator, T> core::fmt::Debug for TryGather<I, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TryGather")
            .field("driver", &self.driver)
            .field("finished", &self.slots.iter().flatten().count())
            .field("unwound", &self.unwound)
            .finish()
    }
}
