//! The `try` part of a generator's `try { … } finally { … }`.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::yielder::take_stopped;

/// Runs `body` (the `try` part of a generator's cleanup) inside a generator's body:
/// `Some(output)` when it completes, `None` when the consumer
/// [closed](crate::AsyncGenerator::close) the generator while `body` was suspended at a
/// yield. In that case `body` is dropped at that yield (its locals' ordinary `Drop` runs),
/// and the code after the `.await` is the cleanup, which runs inside `close()` and may
/// `.await`.
///
/// This is what `try { … } finally { … }` in `async_gen!` and `try_async_gen!` expands
/// to; with [`generate`](crate::generate) call it yourself. Cleanup after it runs
/// whether the body ends normally, returns early (a `return` in `body` ends `body`), or
/// (in `try_generate`) fails with `?`.
///
/// Outside a generator's body it simply awaits `body`.
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
/// use asyncgen::generators::until_close;
/// use std::cell::RefCell;
///
/// # futures::executor::block_on(async {
/// let log = &RefCell::new(Vec::new());
/// let mut g = std::pin::pin!(generate(|mut y| async move {
///     let outcome = until_close(async {
///         y.yield_(1).await;
///         y.yield_(2).await;
///     })
///     .await;
///     // The cleanup: it runs on the normal end and on close().
///     async {}.await;
///     log.borrow_mut().push(if outcome.is_some() { "ended" } else { "closed" });
/// }));
/// assert_eq!(g.next().await, Some(1));
/// g.as_mut().close().await;
/// assert_eq!(*log.borrow(), ["closed"]);
/// # });
/// ```
pub fn until_close<F: Future>(body: F) -> UntilClose<F> {
    UntilClose {
        state: State::Running { body },
    }
}

pin_project! {
    /// The future returned by [`until_close`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct UntilClose<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Running { #[pin] body: F },
        Finished,
    }
}

impl<F: Future> Future for UntilClose<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        let mut state = self.project().state;
        let StateProj::Running { body } = state.as_mut().project() else {
            panic!("`until_close` polled after it completed");
        };
        let outcome = match body.poll(cx) {
            Poll::Ready(output) => Some(output),
            // A yield inside stopped the closing generator: the `try` part ends there.
            Poll::Pending if take_stopped(cx.waker()) => None,
            Poll::Pending => return Poll::Pending,
        };
        state.set(State::Finished);
        Poll::Ready(outcome)
    }
}

impl<F> fmt::Debug for UntilClose<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UntilClose").finish_non_exhaustive()
    }
}
