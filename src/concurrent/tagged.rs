use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

pin_project! {
    /// A future that carries its position in the input, so that completion order can be
    /// mapped back to input order (`gather`) or reported (`indexed`).
    #[doc(hidden)]
    pub struct Tagged<F> {
        index: usize,
        #[pin]
        future: F,
    }
}

impl<F> Tagged<F> {
    pub(crate) fn new(index: usize, future: F) -> Self {
        Self { index, future }
    }
}

impl<F: Future> Future for Tagged<F> {
    type Output = (usize, F::Output);

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let output = ready!(this.future.poll(cx));
        Poll::Ready((*this.index, output))
    }
}
