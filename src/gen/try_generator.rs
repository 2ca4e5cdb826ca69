use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};
use pin_project_lite::pin_project;

use super::core::{Core, Phase, Step};
use super::yielder::Yielder;

pin_project! {
    /// A fallible generator: what [`try_generate`] and `try_async_gen!` return.
    ///
    /// Items are `Result<T, E>`: each yielded value comes as `Ok`, and an `Err`
    /// returned by the body is the last item. Otherwise it behaves like
    /// [`Generator`](crate::Generator).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    ///
    /// # futures::executor::block_on(async {
    /// let parsed = try_generate(|mut y| async move {
    ///     for text in ["1", "2", "x", "4"] {
    ///         y.yield_(text.parse::<i32>()?).await;
    ///     }
    ///     Ok::<(), std::num::ParseIntError>(())
    /// });
    /// let items: Vec<_> = parsed.collect().await;
    /// assert_eq!(items.len(), 3);
    /// assert_eq!(items[..2], [Ok(1), Ok(2)]);
    /// assert!(items[2].is_err());
    /// # });
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct TryGenerator<T, F: Future, R = ()> {
        #[pin]
        pub(super) core: Core<T, F, R>,
    }
}

/// Makes a fallible stream: like [`generate`](crate::generate), but the body returns
/// `Result<(), E>` and an `Err` becomes the stream's last item.
///
/// `?` works in the body as in any function returning `Result`.
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
///
/// #[derive(Debug, PartialEq)]
/// struct OutOfStock(&'static str);
///
/// # futures::executor::block_on(async {
/// let orders = try_generate(|mut y| async move {
///     y.yield_("apples").await;
///     Err(OutOfStock("pears"))?;
///     y.yield_("never").await;
///     Ok(())
/// });
/// let got: Vec<_> = orders.collect().await;
/// assert_eq!(got, [Ok("apples"), Err(OutOfStock("pears"))]);
/// # });
/// ```
pub fn try_generate<T, E, B, F>(body: B) -> TryGenerator<T, F>
where
    B: FnOnce(Yielder<T>) -> F,
    F: Future<Output = Result<(), E>>,
{
    TryGenerator {
        core: Core::new(body),
    }
}

impl<T, E, F: Future<Output = Result<(), E>>, R> Stream for TryGenerator<T, F, R> {
    type Item = Result<T, E>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T, E>>> {
        match self.project().core.poll_step(cx) {
            Poll::Ready(Some(Step::Yielded(item))) => Poll::Ready(Some(Ok(item))),
            Poll::Ready(Some(Step::Returned(Err(error)))) => Poll::Ready(Some(Err(error))),
            Poll::Ready(Some(Step::Returned(Ok(()))) | None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.core.phase() {
            Phase::Running => (0, None),
            Phase::Returned(Err(_)) => (1, Some(1)),
            Phase::Returned(Ok(())) | Phase::Done => (0, Some(0)),
        }
    }
}

impl<T, E, F: Future<Output = Result<(), E>>, R> FusedStream for TryGenerator<T, F, R> {
    fn is_terminated(&self) -> bool {
        matches!(self.core.phase(), Phase::Done)
    }
}

impl<T, F: Future, R> fmt::Debug for TryGenerator<T, F, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryGenerator")
            .field("terminated", &matches!(self.core.phase(), Phase::Done))
            .finish_non_exhaustive()
    }
}
