//! A way for a generator body to poll a future with the task's own waker.

use core::future::{Future, IntoFuture};
use core::pin::Pin;
use core::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::yielder::task_waker;

pin_project! {
    /// A future polled with the waker of the task that polls the generator, rather than
    /// the generator's own waker: what [`with_task_waker`] returns.
    #[must_use = "futures do nothing unless awaited"]
    #[derive(Debug)]
    pub struct WithTaskWaker<F> {
        #[pin]
        future: F,
    }
}

/// Polls `future` with the waker of the task that polls the generator.
///
/// A generator hands its body a waker of its own, which wakes the polling task and
/// whose clones are the task's own waker, so ordinary futures (timers, channels, I/O,
/// `will_wake` checks) work unchanged. A future that reads the executor's own waker
/// back out of the context, rather than only waking it, sees the generator's waker
/// instead: embassy's `task_from_waker`, for example, panics on it. Wrap such a future
/// in `with_task_waker` inside the body. Outside a generator it changes nothing; inside
/// nested generators it gives the outermost task's waker.
///
/// The wrapped future must not yield: a `yield` (or `yield_`) polled inside it panics,
/// as it would in another task, because it is no longer polled by its generator.
///
/// # Examples
///
#[cfg_attr(feature = "macros", doc = "```")]
#[cfg_attr(not(feature = "macros"), doc = "```ignore")]
/// use asyncgen::prelude::*;
/// use asyncgen::with_task_waker;
/// use std::future::poll_fn;
/// use std::task::{Context, Poll, RawWakerVTable};
///
/// /// The vtable of the waker a future is polled with, as an executor's
/// /// "which task is this" helper would inspect it.
/// fn vtable() -> impl Future<Output = &'static RawWakerVTable> {
///     poll_fn(|cx: &mut Context<'_>| Poll::Ready(cx.waker().vtable()))
/// }
///
/// let waker = futures::task::noop_waker();
/// let stream = async_gen! {
///     yield (with_task_waker(vtable()).await, vtable().await);
/// };
/// let mut stream = std::pin::pin!(stream);
/// let Poll::Ready(Some((own, generators))) =
///     stream.as_mut().poll_next(&mut Context::from_waker(&waker))
/// else {
///     unreachable!()
/// };
/// assert!(std::ptr::eq(own, waker.vtable()));
/// assert!(!std::ptr::eq(generators, waker.vtable()));
/// ```
pub fn with_task_waker<F: IntoFuture>(future: F) -> WithTaskWaker<F::IntoFuture> {
    WithTaskWaker {
        future: future.into_future(),
    }
}

impl<F: Future> Future for WithTaskWaker<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let future = self.project().future;
        let waker = task_waker(cx.waker());
        if core::ptr::eq(waker, cx.waker()) {
            future.poll(cx)
        } else {
            future.poll(&mut Context::from_waker(waker))
        }
    }
}
