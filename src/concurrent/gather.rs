use core::convert::Infallible;
use core::future::Future;
use core::ops::ControlFlow;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use super::driver::Driver;

/// Runs every future of `futures` concurrently and collects their outputs in input
/// order, like Python's `asyncio.gather`.
///
/// All the futures here have one type (a `Vec`, an array, an iterator). For futures of
/// different types, Python's `await asyncio.gather(step_one(), step_two())`, use the
/// [`gather!`](crate::gather!) macro: `gather!(step_one(), step_two()).await` gives a
/// tuple. (Two calls of different `async fn`s, or two `async` blocks, are always
/// different types, so `gather([step_one(), step_two()])` does not compile.)
///
/// The returned [`Gather`] is a future and a builder: `.await` it directly, or first set
/// [`.limit(n)`](Gather::limit) (at most `n` futures in flight, the input pulled
/// lazily) or [`.spawned()`](Gather::spawned) (each future as a tokio task). Dropping
/// the future before it completes drops every future still running.
///
/// Under tokio the futures take part in cooperative scheduling as
/// [`as_completed`](super::as_completed()) does: a `Vec` of already-complete futures
/// is gathered without starving the other tasks on the worker.
///
/// # Panics
///
/// A panic in one of the futures (or in the input iterator) passes through the poll of
/// the [`Gather`] to the code awaiting it; unless caught, it drops the `Gather` and
/// with it the futures still running. A `Gather` polled again after such a panic was
/// caught panics with "Gather polled after one of its futures (or its input iterator)
/// panicked": the future that panicked has no output, and a `Vec` without it would put
/// every later output at the wrong index.
///
/// ```
/// use asyncgen::gather;
/// use futures::FutureExt as _;
/// use std::panic::AssertUnwindSafe;
///
/// # futures::executor::block_on(async {
/// let mut jobs = gather((0..3).map(|n| async move {
///     assert_ne!(n, 1, "job 1 fails");
///     n
/// }));
/// assert!(AssertUnwindSafe(&mut jobs).catch_unwind().await.is_err()); // job 1's panic
/// assert!(AssertUnwindSafe(&mut jobs).catch_unwind().await.is_err()); // never `[0, 2]`
/// # });
/// ```
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use asyncgen::gather;
/// use tokio::time::{Instant, sleep};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// async fn fetch(url: &str, ms: u64) -> String {
///     sleep(Duration::from_millis(ms)).await;
///     format!("Got {url}")
/// }
///
/// let start = Instant::now();
/// let pages = gather([fetch("a.example", 1000), fetch("b.example", 500)]).await;
/// assert_eq!(pages, ["Got a.example", "Got b.example"]); // input order
/// assert_eq!(start.elapsed(), Duration::from_millis(1000)); // concurrently
/// # }
/// ```
pub fn gather<I>(futures: I) -> Gather<I::IntoIter>
where
    I: IntoIterator,
    I::Item: Future,
{
    Gather::new(Driver::new(futures.into_iter()))
}

/// The future returned by [`gather`]: resolves to the outputs in input order.
///
/// It is a builder too: [`.limit(n)`](Gather::limit) and [`.spawned()`](Gather::spawned)
/// configure it before it is awaited. Being a [`Future`] itself (and so also
/// [`IntoFuture`](core::future::IntoFuture)), it can be awaited, spawned, joined or
/// selected like any other future.
///
/// # Panics
///
/// When polled after completion, or after a poll that unwound (a future or the input
/// iterator panicked): see [`gather`](gather()#panics).
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<I>
where
    I: Iterator,
    I::Item: Future,
{
    driver: Driver<I>,
    /// Outputs by input index; `None` once the result has been handed out.
    slots: Option<Vec<Option<<I::Item as Future>::Output>>>,
    /// Set while the driver is polled, so still set if that poll unwound: a future that
    /// panicked is gone and its slot can never be filled.
    unwound: bool,
}

impl<I> Gather<I>
where
    I: Iterator,
    I::Item: Future,
{
    fn new(driver: Driver<I>) -> Self {
        let (low, _) = driver.size_hint();
        Self {
            driver,
            slots: Some(Vec::with_capacity(low)),
            unwound: false,
        }
    }

    /// Keeps at most `limit` futures in flight, taking the next one from the input
    /// only when one finishes (the bounded `asyncio.gather` that Python writes with a
    /// semaphore).
    ///
    /// # Panics
    ///
    /// If `limit` is 0, with "gather(..).limit: the limit must be at least 1, …",
    /// reported at the caller's line.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::gather;
    /// use tokio::time::{Instant, sleep};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let squares = gather((0..10u64).map(|n| async move {
    ///     sleep(Duration::from_millis(100)).await;
    ///     n * n
    /// }))
    /// .limit(3)
    /// .await;
    /// assert_eq!(squares, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
    /// // 10 jobs, 3 at a time: 4 rounds of 100 ms.
    /// assert_eq!(start.elapsed(), Duration::from_millis(400));
    /// # }
    /// ```
    #[track_caller]
    pub fn limit(mut self, limit: usize) -> Self {
        self.driver.set_limit("gather(..).limit", limit);
        self
    }

    /// Runs each future as its own tokio task (feature `tokio`), so they run in
    /// parallel on a multi-threaded runtime. Call it before the first poll (and after
    /// [`.limit(n)`](Self::limit), if any). Tasks are spawned when the gather is first
    /// polled (and later ones as slots free up, with a limit); dropping the gather
    /// aborts the tasks still running; a task's panic is resumed in the awaiting code.
    ///
    /// # Panics
    ///
    /// - Here, if called outside a tokio runtime, or after the gather was first polled.
    /// - When awaited, if a task panicked (with the task's payload) or its runtime shut
    ///   down before it finished; polled again after that, as [`gather`](gather()#panics)
    ///   describes.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::gather;
    ///
    /// # #[tokio::main]
    /// # async fn main() {
    /// let sums = gather((0..4u64).map(|n| async move { (0..=n * 1000).sum::<u64>() }))
    ///     .spawned()
    ///     .await;
    /// assert_eq!(sums, [0, 500_500, 2_001_000, 4_501_500]);
    /// # }
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    #[track_caller]
    pub fn spawned(self) -> Gather<super::SpawnEach<I>>
    where
        I::Item: Send + 'static,
        <I::Item as Future>::Output: Send + 'static,
    {
        let runtime = super::driver::current_runtime("gather(..).spawned");
        Gather::new(self.driver.map_input("gather(..).spawned", |input| {
            super::SpawnEach::new(input, runtime)
        }))
    }
}

// Outputs are stored, never pinned, and the driver is `Unpin` itself.
impl<I> Unpin for Gather<I>
where
    I: Iterator,
    I::Item: Future,
{
}

impl<I> Future for Gather<I>
where
    I: Iterator,
    I::Item: Future,
{
    type Output = Vec<<I::Item as Future>::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Finishing without the lost output would hand out a shorter `Vec` with every
        // later output at the wrong index; no result at all is the only honest one.
        assert!(
            !this.unwound,
            "Gather polled after one of its futures (or its input iterator) panicked",
        );
        let slots = this.slots.as_mut().expect("Gather polled after completion");
        this.unwound = true;
        let polled = this
            .driver
            .poll_into_slots(cx, slots, ControlFlow::<Infallible, _>::Continue);
        this.unwound = false;
        ready!(polled);
        let outputs = this
            .slots
            .take()
            .into_iter()
            .flatten()
            .map(|slot| slot.expect("every input index handed out its output"))
            .collect();
        Poll::Ready(outputs)
    }
}

impl<I> core::fmt::Debug for Gather<I>
where
    I: Iterator,
    I::Item: Future,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let finished = self
            .slots
            .as_ref()
            .map(|slots| slots.iter().flatten().count());
        f.debug_struct("Gather")
            .field("driver", &self.driver)
            .field("finished", &finished)
            .field("unwound", &self.unwound)
            .finish()
    }
}
