//! A `yield` inside `for await` loops: when the consumer closes the generator while it
//! is suspended there, the generators those loops iterate are closed first, innermost
//! first, and only then does the yield stop the body, so that their cleanup runs before
//! the cleanup around the loops, as with Python's nested `async with` and `finally`.
//!
//! `async_gen!` and `try_async_gen!` lower such a yield to
//! `yield_in_loops(&mut y, v, (inner, (outer, ()))).await`, with one [`Probe`] per
//! enclosing loop, made where the loop's stream type is known.
//! Other yields, and `next()` on every generator, keep their path.

use core::future::Future;
use core::ops::Deref;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use super::macro_support::YieldValue;
use super::protocol::AsyncGenerator;
use super::yielder::{YieldFuture, Yielder, take_stopped};

/// The pinned stream of a `for await` loop around a yield, probed for being a
/// generator: `Probe(stream).closer()` is a [`CloseOnStop`] where the stream's type is
/// known to be an [`AsyncGenerator`], and a [`DropOnStop`] otherwise.
///
/// The choice is made by method lookup, at the expansion site: the inherent `closer`
/// applies only when its bound holds; when it does not, lookup goes on through `Deref`
/// to [`NotAGenerator::closer`]. So any stream may be iterated, and in generic code over
/// `S: Stream` the stream is not closed (only dropped, as before).
pub struct Probe<'a, S: ?Sized>(pub Pin<&'a mut S>);

impl<'a, S: AsyncGenerator + ?Sized> Probe<'a, S> {
    /// The iterated stream is a generator: closing the body here closes it.
    #[inline(always)]
    pub fn closer(self) -> CloseOnStop<'a, S> {
        CloseOnStop {
            generator: Some(self.0),
        }
    }
}

impl<S: ?Sized> Deref for Probe<'_, S> {
    type Target = NotAGenerator;

    #[inline(always)]
    fn deref(&self) -> &NotAGenerator {
        &NotAGenerator
    }
}

/// Where [`Probe::closer`] leads for a stream not known to be a generator.
pub struct NotAGenerator;

impl NotAGenerator {
    /// The iterated stream is not (known to be) a generator: it is only dropped.
    #[inline(always)]
    pub fn closer(&self) -> DropOnStop {
        DropOnStop
    }
}

/// A generator iterated by a loop around a yield, closed when the body is closed there.
pub struct CloseOnStop<'a, S: ?Sized> {
    /// `None` once closed.
    generator: Option<Pin<&'a mut S>>,
}

/// A stream iterated by a loop around a yield that has nothing to close.
pub struct DropOnStop;

/// The iterated streams around a yield, innermost first: `(inner, (outer, ()))`.
pub trait CloseEnclosing {
    /// Whether some of them are generators: if none is, the yield is a plain one, with
    /// not even a check for closing.
    const CLOSES: bool;

    /// Closes the generators among them, innermost first.
    fn poll_close_enclosing(&mut self, cx: &mut Context<'_>) -> Poll<()>;
}

impl CloseEnclosing for () {
    const CLOSES: bool = false;
    #[inline(always)]
    fn poll_close_enclosing(&mut self, _: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

impl CloseEnclosing for DropOnStop {
    const CLOSES: bool = false;
    #[inline(always)]
    fn poll_close_enclosing(&mut self, _: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

impl<S: AsyncGenerator + ?Sized> CloseEnclosing for CloseOnStop<'_, S> {
    const CLOSES: bool = true;
    fn poll_close_enclosing(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(generator) = &mut self.generator {
            ready!(generator.as_mut().poll_close(cx));
            self.generator = None;
        }
        Poll::Ready(())
    }
}

impl<Inner: CloseEnclosing, Outer: CloseEnclosing> CloseEnclosing for (Inner, Outer) {
    const CLOSES: bool = Inner::CLOSES || Outer::CLOSES;
    #[inline]
    fn poll_close_enclosing(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        ready!(self.0.poll_close_enclosing(cx));
        self.1.poll_close_enclosing(cx)
    }
}

/// What `yield value` becomes inside the bodies of `for await` loops: see the module
/// docs.
#[inline(always)]
pub fn yield_in_loops<T, R, C: CloseEnclosing>(
    yielder: &mut Yielder<T, R>,
    value: YieldValue<T>,
    enclosing: C,
) -> YieldInLoops<'_, T, R, C> {
    YieldInLoops {
        yield_: yielder.yield_(value.value),
        enclosing,
    }
}

/// The future returned by [`yield_in_loops`]: a yield that, when the consumer closes
/// the generator, first closes the generators that the enclosing loops iterate.
#[must_use = "a yield does nothing unless awaited"]
pub struct YieldInLoops<'a, T, R, C> {
    yield_: YieldFuture<'a, T, R>,
    enclosing: C,
}

impl<T, R, C: CloseEnclosing + Unpin> Future for YieldInLoops<'_, T, R, C> {
    type Output = Option<R>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<R>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.yield_).poll(cx);
        // The yield, reached or resumed while closing, stopped the body: the loops'
        // generators are closed before it stays stopped. (Should a close be abandoned
        // while their cleanup awaits, and the generator be resumed instead, the yield
        // completes as usual: the loops go on, and each such generator finishes its
        // cleanup and ends its loop.)
        if C::CLOSES && polled.is_pending() && take_stopped(cx.waker()) {
            return close_then_stop(&mut this.yield_, &mut this.enclosing, cx);
        }
        polled
    }
}

/// The iterated generators closed, innermost first (across polls if their cleanup
/// awaits; each is closed once), then the body stopped again by the yield.
///
/// Out of line: closing happens once, and inlining the iterated generators' bodies a
/// second time, for their close, into the body's poll would slow every item.
#[cold]
#[inline(never)]
fn close_then_stop<T, R, C: CloseEnclosing>(
    yield_: &mut YieldFuture<'_, T, R>,
    enclosing: &mut C,
    cx: &mut Context<'_>,
) -> Poll<Option<R>> {
    ready!(enclosing.poll_close_enclosing(cx));
    // Its value handed over or dropped, the yield is resumed while closing: it stops
    // the body.
    Pin::new(yield_).poll(cx)
}
