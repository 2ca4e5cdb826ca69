use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};
use pin_project_lite::pin_project;

use super::core::{Core, Phase, Step};
use super::yielder::Yielder;

pin_project! {
    /// A stream written as an async block that yields: what [`generate`] and
    /// `async_gen!` return.
    ///
    /// It is `Send` and `Sync` when the body's state and `T` are, may borrow data that
    /// outlives it, and is fused: after the body returns (or panics, which reaches the
    /// poller) every call to `next()` gives `None`. Dropping it drops the body's locals.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use asyncgen::Generator;
    ///
    /// fn countdown(from: u32) -> Generator<u32, impl Future<Output = ()>> {
    ///     generate(move |mut y| async move {
    ///         for i in (1..=from).rev() {
    ///             y.yield_(i).await;
    ///         }
    ///     })
    /// }
    ///
    /// # futures::executor::block_on(async {
    /// assert_eq!(countdown(3).collect::<Vec<_>>().await, [3, 2, 1]);
    /// # });
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct Generator<T, F: Future<Output = ()>, R = ()> {
        #[pin]
        pub(super) core: Core<T, F, R>,
    }
}

/// Makes a stream from a closure whose async body yields through a [`Yielder`].
///
/// This is the engine behind `async_gen!`, usable without a macro (so rustfmt and IDEs
/// see ordinary code). The body runs only when the stream is polled, one step per
/// item, with no allocation per item.
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// // async def ticker(n):
/// //     for i in range(n):
/// //         await asyncio.sleep(0.1)
/// //         yield i
/// let ticker = |n| {
///     generate(move |mut y| async move {
///         for i in 0..n {
///             tokio::time::sleep(Duration::from_millis(100)).await;
///             y.yield_(i).await;
///         }
///     })
/// };
/// let mut s = std::pin::pin!(ticker(3));
/// while let Some(i) = s.next().await {
///     println!("tick {i}");
/// }
/// # }
/// ```
pub fn generate<T, B, F>(body: B) -> Generator<T, F>
where
    B: FnOnce(Yielder<T>) -> F,
    F: Future<Output = ()>,
{
    Generator {
        core: Core::new(body),
    }
}

impl<T, F: Future<Output = ()>, R> Stream for Generator<T, F, R> {
    type Item = T;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match self.project().core.poll_step(cx) {
            Poll::Ready(Some(Step::Yielded(item))) => Poll::Ready(Some(item)),
            Poll::Ready(Some(Step::Returned(())) | None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.core.phase() {
            Phase::Running => (0, None),
            Phase::Returned(()) | Phase::Done => (0, Some(0)),
        }
    }
}

impl<T, F: Future<Output = ()>, R> FusedStream for Generator<T, F, R> {
    fn is_terminated(&self) -> bool {
        matches!(self.core.phase(), Phase::Done)
    }
}

impl<T, F: Future<Output = ()>, R> fmt::Debug for Generator<T, F, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator")
            .field("terminated", &self.is_terminated())
            .finish_non_exhaustive()
    }
}
