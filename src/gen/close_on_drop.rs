//! A generator that is closed on a tokio task when it is dropped unfinished.

use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};

use super::protocol::AsyncGenerator;

/// A generator that, dropped before it finished, is [closed](AsyncGenerator::close) on a
/// tokio task, so that its `finally` cleanup still runs: what Python's event loop does
/// for an async generator that is garbage-collected unfinished.
///
/// Rust cannot await in `Drop`, so a generator dropped while suspended at a yield only
/// runs the ordinary `Drop` of its body's locals. `CloseOnDrop` moves the generator into
/// a spawned task instead, which runs `close()` to completion. Its trade-offs:
///
/// * The cleanup runs *after* the drop, concurrently with the code that follows it: code
///   after the drop cannot rely on the cleanup having run. Call `close().await` where the
///   order matters, and keep `CloseOnDrop` as the safety net for early returns, `?` and
///   cancelled tasks.
/// * The generator must be `Send + 'static` (it moves to a task) and is boxed, one
///   allocation when it is wrapped.
/// * It needs a tokio runtime where it is dropped. Dropped outside one, or while the
///   runtime shuts down, the cleanup does not run (the runtime drops spawned tasks
///   unpolled when it shuts down): only the ordinary `Drop` of the locals.
/// * A panic in the cleanup ends that task and is reported by tokio's panic handling; no
///   caller sees it.
/// * A generator that finished, or never started, spawns nothing (there is nothing to
///   clean up), and neither does one whose [`into_inner`](Self::into_inner) was taken.
///
/// # Examples
///
#[cfg_attr(feature = "macros", doc = "```")]
#[cfg_attr(not(feature = "macros"), doc = "```ignore")]
/// use asyncgen::prelude::*;
/// use asyncgen::generators::CloseOnDrop;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (released, was_released) = tokio::sync::oneshot::channel();
/// let mut rows = CloseOnDrop::new(async_gen! {
///     try {
///         for row in 0.. {
///             yield row;
///         }
///     } finally {
///         tokio::task::yield_now().await; // an async release of the connection
///         let _ = released.send("released");
///     }
/// });
/// assert_eq!(rows.next().await, Some(0));
/// drop(rows); // unfinished: closed on a task
/// assert_eq!(was_released.await, Ok("released"));
/// # }
/// ```
pub struct CloseOnDrop<G>
where
    G: AsyncGenerator + Send + 'static,
{
    // `None` only once taken by `into_inner`.
    generator: Option<Pin<Box<G>>>,
    // Whether a drop now would leave cleanup undone, as far as this wrapper has seen:
    // the generator was polled, and has not ended or been closed since.
    unfinished: bool,
}

impl<G> CloseOnDrop<G>
where
    G: AsyncGenerator + Send + 'static,
{
    /// Wraps `generator`, which is closed on a tokio task if it is dropped unfinished.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "macros", doc = "```")]
    #[cfg_attr(not(feature = "macros"), doc = "```ignore")]
    /// use asyncgen::prelude::*;
    /// use asyncgen::generators::CloseOnDrop;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let numbers = CloseOnDrop::new(async_gen! {
    ///     yield 1;
    ///     yield 2;
    /// });
    /// assert_eq!(numbers.collect::<Vec<_>>().await, [1, 2]);
    /// # }
    /// ```
    pub fn new(generator: G) -> Self {
        CloseOnDrop {
            generator: Some(Box::pin(generator)),
            unfinished: false,
        }
    }

    /// The generator, no longer closed on drop.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "macros", doc = "```")]
    #[cfg_attr(not(feature = "macros"), doc = "```ignore")]
    /// use asyncgen::prelude::*;
    /// use asyncgen::generators::CloseOnDrop;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut guarded = CloseOnDrop::new(async_gen! { yield 1; yield 2; });
    /// assert_eq!(guarded.next().await, Some(1));
    /// let mut plain = guarded.into_inner();
    /// plain.as_mut().close().await;
    /// assert_eq!(plain.next().await, None);
    /// # }
    /// ```
    pub fn into_inner(mut self) -> Pin<Box<G>> {
        self.generator
            .take()
            .expect("`CloseOnDrop` holds its generator until it is dropped or taken")
    }

    /// The generator, pinned by its box (`CloseOnDrop` itself is `Unpin`). It is only
    /// ever missing in `drop` and after `into_inner`, which both end the wrapper.
    fn generator(&mut self) -> Pin<&mut G> {
        self.generator
            .as_mut()
            .expect("`CloseOnDrop` holds its generator until it is dropped or taken")
            .as_mut()
    }

    /// Polls the generator with `poll`, keeping track of whether it has finished.
    fn poll_generator<T>(
        self: Pin<&mut Self>,
        poll: impl FnOnce(Pin<&mut G>) -> Poll<Option<T>>,
    ) -> Poll<Option<T>> {
        let this = self.get_mut();
        let polled = poll(this.generator());
        this.unfinished = !matches!(polled, Poll::Ready(None));
        polled
    }
}

impl<G> Drop for CloseOnDrop<G>
where
    G: AsyncGenerator + Send + 'static,
{
    fn drop(&mut self) {
        let Some(mut generator) = self.generator.take() else {
            return;
        };
        if !self.unfinished {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            drop(runtime.spawn(async move { generator.as_mut().close().await }));
        }
    }
}

impl<G> Stream for CloseOnDrop<G>
where
    G: AsyncGenerator + Send + 'static,
{
    type Item = G::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<G::Item>> {
        self.poll_generator(|generator| generator.poll_next(cx))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.generator
            .as_ref()
            .map_or((0, Some(0)), |g| g.size_hint())
    }
}

impl<G> FusedStream for CloseOnDrop<G>
where
    G: AsyncGenerator + FusedStream + Send + 'static,
{
    fn is_terminated(&self) -> bool {
        self.generator.as_ref().is_none_or(|g| g.is_terminated())
    }
}

impl<G> AsyncGenerator for CloseOnDrop<G>
where
    G: AsyncGenerator + Send + 'static,
{
    type Resume = G::Resume;

    fn poll_send(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        value: &mut Option<G::Resume>,
    ) -> Poll<Option<G::Item>> {
        self.poll_generator(|generator| generator.poll_send(cx, value))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let closed = this.generator().poll_close(cx);
        // Dropped halfway through `close`, the rest of the cleanup still runs on a task.
        this.unfinished = closed.is_pending();
        closed
    }
}

impl<G> fmt::Debug for CloseOnDrop<G>
where
    G: AsyncGenerator + Send + 'static + fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloseOnDrop")
            .field("generator", &self.generator)
            .finish()
    }
}
