use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::tagged::Tagged;

/// Item shape of an [`AsCompleted`](super::AsCompleted) stream: each item is the
/// future's output alone. The default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plain;

/// Item shape of an [`AsCompleted`](super::AsCompleted) stream after
/// [`.indexed()`](super::AsCompleted::indexed): each item is
/// `(input_index, output)`, where `input_index` counts from 0 in the order the futures
/// started: the input iterator's first, then those added with
/// [`push`](super::AsCompleted::push).
#[derive(Debug, Clone, Copy, Default)]
pub struct Indexed;

/// What an item looks like for each shape, [`Plain`] or [`Indexed`]; sealed.
pub trait ItemShape: sealed::Sealed + Unpin {
    /// The item for a future's output `T`.
    type Item<T>;

    /// A running future as the engine stores it: the future alone for [`Plain`], the
    /// future and its input index for [`Indexed`], so a plain stream stores nothing
    /// it does not hand out.
    #[doc(hidden)]
    fn item<T>(index: usize, output: T) -> Self::Item<T>;

    #[doc(hidden)]
    type Running<F>;

    #[doc(hidden)]
    fn run<F>(index: usize, future: F) -> Self::Running<F>;

    #[doc(hidden)]
    fn poll_running<F: Future>(
        running: Pin<&mut Self::Running<F>>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Item<F::Output>>;
}

impl ItemShape for Plain {
    type Item<T> = T;
    type Running<F> = F;

    #[inline]
    fn item<T>(_: usize, output: T) -> T {
        output
    }

    #[inline]
    fn run<F>(_: usize, future: F) -> F {
        future
    }

    #[inline]
    fn poll_running<F: Future>(running: Pin<&mut F>, cx: &mut Context<'_>) -> Poll<F::Output> {
        running.poll(cx)
    }
}

impl ItemShape for Indexed {
    type Item<T> = (usize, T);
    type Running<F> = Tagged<F>;

    #[inline]
    fn item<T>(index: usize, output: T) -> (usize, T) {
        (index, output)
    }

    #[inline]
    fn run<F>(index: usize, future: F) -> Tagged<F> {
        Tagged::new(index, future)
    }

    #[inline]
    fn poll_running<F: Future>(
        running: Pin<&mut Tagged<F>>,
        cx: &mut Context<'_>,
    ) -> Poll<(usize, F::Output)> {
        running.poll(cx)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Plain {}
    impl Sealed for super::Indexed {}
}
