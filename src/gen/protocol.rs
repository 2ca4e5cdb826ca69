//! Python's whole async generator protocol on generators: `asend` is
//! [`send`](AsyncGenerator::send), `aclose` is [`close`](AsyncGenerator::close).

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::Stream;

use super::core::{Core, Step};
use super::generator::Generator;
use super::try_generator::TryGenerator;
use super::yielder::Yielder;

/// A stream that is a generator: besides `next()`, the consumer can resume it with a
/// value (Python's `asend`) and close it after its async cleanup has run (Python's
/// `aclose`).
///
/// [`Generator`] and [`TryGenerator`] (what `async_gen!`, `try_async_gen!`,
/// [`generate`](crate::generate) and [`try_generate`](crate::try_generate) return)
/// implement it, and also have [`send`](Generator::send) and [`close`](Generator::close)
/// as inherent methods. Name the trait in a return type, where `impl Stream` would hide
/// them: `impl AsyncGenerator<Item = T, Resume = R>`.
///
/// # Examples
///
#[cfg_attr(feature = "macros", doc = "```")]
#[cfg_attr(not(feature = "macros"), doc = "```ignore")]
/// use asyncgen::prelude::*;
/// use asyncgen::AsyncGenerator;
///
/// // Each value sent in becomes the running total's next step.
/// fn running_total() -> impl AsyncGenerator<Item = i64, Resume = i64> {
///     async_gen! {
///         let mut total = 0;
///         loop {
///             if let Some(step) = (yield total) {
///                 total += step;
///             }
///         }
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let mut totals = std::pin::pin!(running_total());
/// assert_eq!(totals.next().await, Some(0));
/// assert_eq!(totals.as_mut().send(5).await, Some(5));
/// assert_eq!(totals.as_mut().send(-2).await, Some(3));
/// assert_eq!(totals.next().await, Some(3));
/// totals.as_mut().close().await;
/// assert_eq!(totals.next().await, None);
/// # });
/// ```
pub trait AsyncGenerator: Stream {
    /// What the consumer sends in: the `Some` of the value of the pending `yield`.
    type Resume;

    /// Resumes the generator with `*value`, which its pending yield takes out (a yield's
    /// value is `None` after `next()`), until the next item: [`send`](Self::send) polls
    /// this, handing in the value at its first poll only.
    fn poll_send(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        value: &mut Option<Self::Resume>,
    ) -> Poll<Option<Self::Item>>;

    /// Closes the generator: see [`close`](Self::close).
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;

    /// Python's `asend`: resumes the generator so that its pending `yield` evaluates to
    /// `Some(value)`, and gives the next item, as `next()` does.
    ///
    /// Sent to a generator that has not started yet, the value is dropped and the body
    /// runs to its first yield: no yield was waiting for it. (Python raises `TypeError`
    /// there; sending `None` is allowed, as `next()` is here.) Sent to a generator that
    /// is awaiting something other than a yield (its last `next()` was cancelled), the
    /// value is dropped too.
    fn send(self: Pin<&mut Self>, value: Self::Resume) -> SendFuture<'_, Self>
    where
        Self: Sized,
    {
        SendFuture {
            generator: self,
            value: Some(value),
        }
    }

    /// Python's `aclose`: ends a generator suspended at a yield, after its async cleanup
    /// has run.
    ///
    /// The pending yield stops the body there, as `GeneratorExit` does in Python: the
    /// cleanup of every enclosing `try { … } finally { … }` (or
    /// [`until_close`](crate::generators::until_close)) runs to completion inside this
    /// future, innermost first, and may `.await`. A `yield` reached during that cleanup is
    /// never delivered: its value is dropped and it ends that cleanup, as the exception
    /// Python raises there would. A panic in the cleanup reaches the caller of `close`.
    /// Afterwards `next()` returns `None`.
    ///
    /// When the pending yield is inside `for await` loops (in `async_gen!`,
    /// `try_async_gen!` or `comp!`), the generators those loops iterate are closed first,
    /// innermost first, each to completion, before the cleanup around the loops runs: as
    /// with Python's nested `async with`. That needs the loop's stream to be known there as
    /// an `AsyncGenerator` (a generator iterated by value, by `as_mut()` or by `&mut`);
    /// any other stream, including one of a generic type `S: Stream`, is only dropped.
    ///
    /// On a generator that never started, or has finished, `close` runs nothing; it is
    /// finished afterwards.
    ///
    /// Dropping a generator without closing it runs no async cleanup: only the ordinary
    /// `Drop` of the body's locals. Under tokio, wrap it in `CloseOnDrop` (feature
    /// `tokio`) to have it closed on a task when it is dropped unfinished.
    ///
    /// # Examples
    ///
    /// Closing a generator that iterates another closes the inner one first:
    ///
    #[cfg_attr(feature = "macros", doc = "```")]
    #[cfg_attr(not(feature = "macros"), doc = "```ignore")]
    /// use asyncgen::prelude::*;
    /// use std::cell::RefCell;
    ///
    /// # futures::executor::block_on(async {
    /// let log = &RefCell::new(Vec::new());
    /// let rows = async_gen! {
    ///     try {
    ///         for row in 0.. {
    ///             yield row;
    ///         }
    ///     } finally {
    ///         async {}.await;
    ///         log.borrow_mut().push("rows closed");
    ///     }
    /// };
    /// let mut report = std::pin::pin!(async_gen! {
    ///     try {
    ///         for await row in rows {
    ///             yield format!("row {row}");
    ///         }
    ///     } finally {
    ///         log.borrow_mut().push("report closed");
    ///     }
    /// });
    /// assert_eq!(report.next().await.as_deref(), Some("row 0"));
    /// report.as_mut().close().await;
    /// assert_eq!(*log.borrow(), ["rows closed", "report closed"]);
    /// # });
    /// ```
    fn close(self: Pin<&mut Self>) -> CloseFuture<'_, Self>
    where
        Self: Sized,
    {
        CloseFuture { generator: self }
    }
}

/// The future returned by [`AsyncGenerator::send`]: the generator's next item.
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct SendFuture<'a, G: AsyncGenerator> {
    generator: Pin<&'a mut G>,
    value: Option<G::Resume>,
}

// The value is handed over by value, never pinned.
impl<G: AsyncGenerator> Unpin for SendFuture<'_, G> {}

impl<G: AsyncGenerator> Future for SendFuture<'_, G> {
    type Output = Option<G::Item>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let polled = this.generator.as_mut().poll_send(cx, &mut this.value);
        // Only the first poll resumes the pending yield; a value no yield took is dropped.
        this.value = None;
        polled
    }
}

/// The future returned by [`AsyncGenerator::close`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct CloseFuture<'a, G> {
    generator: Pin<&'a mut G>,
}

impl<G: AsyncGenerator> Future for CloseFuture<'_, G> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.generator.as_mut().poll_close(cx)
    }
}

/// [`generate`](crate::generate) for a body that reads the values its yields give:
/// `y.yield_(v).await` is `Some(r)` when the consumer resumed with
/// [`send(r)`](AsyncGenerator::send), `None` after `next()`.
///
/// (`generate` fixes the resume type to `()`, so that a body that never reads it needs
/// no annotation.)
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
/// use asyncgen::Yielder;
///
/// # futures::executor::block_on(async {
/// let echo = generate_with_send(|mut y: Yielder<String, String>| async move {
///     let mut heard = String::from("ready");
///     while let Some(said) = y.yield_(heard).await {
///         heard = said.to_uppercase();
///     }
/// });
/// let mut echo = std::pin::pin!(echo);
/// assert_eq!(echo.next().await.as_deref(), Some("ready"));
/// assert_eq!(echo.as_mut().send("hi".into()).await.as_deref(), Some("HI"));
/// assert_eq!(echo.next().await, None); // resumed without a value: the loop ends
/// # });
/// ```
pub fn generate_with_send<T, R, B, F>(body: B) -> Generator<T, F, R>
where
    B: FnOnce(Yielder<T, R>) -> F,
    F: Future<Output = ()>,
{
    Generator {
        core: Core::new(body),
    }
}

/// [`try_generate`](crate::try_generate) for a body that reads the values its yields
/// give, as [`generate_with_send`] is to `generate`.
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
/// use asyncgen::Yielder;
///
/// # futures::executor::block_on(async {
/// let parser = try_generate_with_send(|mut y: Yielder<i32, &str>| async move {
///     let mut last = 0;
///     while let Some(text) = y.yield_(last).await {
///         last = text.parse::<i32>()?;
///     }
///     Ok::<(), std::num::ParseIntError>(())
/// });
/// let mut parser = std::pin::pin!(parser);
/// assert_eq!(parser.next().await, Some(Ok(0)));
/// assert_eq!(parser.as_mut().send("12").await, Some(Ok(12)));
/// assert!(matches!(parser.as_mut().send("x").await, Some(Err(_))));
/// assert_eq!(parser.next().await, None);
/// # });
/// ```
pub fn try_generate_with_send<T, E, R, B, F>(body: B) -> TryGenerator<T, F, R>
where
    B: FnOnce(Yielder<T, R>) -> F,
    F: Future<Output = Result<(), E>>,
{
    TryGenerator {
        core: Core::new(body),
    }
}

impl<T, F: Future<Output = ()>, R> Generator<T, F, R> {
    /// Python's `asend`: see [`AsyncGenerator::send`]. No import needed.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "macros", doc = "```")]
    #[cfg_attr(not(feature = "macros"), doc = "```ignore")]
    /// use asyncgen::prelude::*;
    ///
    /// # futures::executor::block_on(async {
    /// let mut doubler = std::pin::pin!(async_gen! {
    ///     let mut n: u32 = 1;
    ///     while let Some(sent) = yield n * 2 {
    ///         n = sent;
    ///     }
    /// });
    /// assert_eq!(doubler.next().await, Some(2));
    /// assert_eq!(doubler.as_mut().send(21).await, Some(42));
    /// # });
    /// ```
    pub fn send(self: Pin<&mut Self>, value: R) -> SendFuture<'_, Self> {
        AsyncGenerator::send(self, value)
    }

    /// Python's `aclose`: see [`AsyncGenerator::close`]. No import needed.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "macros", doc = "```")]
    #[cfg_attr(not(feature = "macros"), doc = "```ignore")]
    /// use asyncgen::prelude::*;
    /// use std::cell::Cell;
    ///
    /// # futures::executor::block_on(async {
    /// let closed = &Cell::new(false);
    /// let mut numbers = std::pin::pin!(async_gen! {
    ///     try {
    ///         for i in 0.. {
    ///             yield i;
    ///         }
    ///     } finally {
    ///         async {}.await; // cleanup may await
    ///         closed.set(true);
    ///     }
    /// });
    /// assert_eq!(numbers.next().await, Some(0));
    /// numbers.as_mut().close().await;
    /// assert!(closed.get());
    /// assert_eq!(numbers.next().await, None);
    /// # });
    /// ```
    pub fn close(self: Pin<&mut Self>) -> CloseFuture<'_, Self> {
        AsyncGenerator::close(self)
    }
}

impl<T, E, F: Future<Output = Result<(), E>>, R> TryGenerator<T, F, R> {
    /// Python's `asend`: see [`AsyncGenerator::send`]. No import needed.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "macros", doc = "```")]
    #[cfg_attr(not(feature = "macros"), doc = "```ignore")]
    /// use asyncgen::prelude::*;
    ///
    /// # futures::executor::block_on(async {
    /// let mut checked = std::pin::pin!(try_async_gen! {
    ///     type Error = String;
    ///     let mut n: u32 = 0;
    ///     while let Some(sent) = (yield n) {
    ///         n = n.checked_add(sent).ok_or("overflow")?;
    ///     }
    /// });
    /// assert_eq!(checked.next().await, Some(Ok(0)));
    /// assert_eq!(checked.as_mut().send(7).await, Some(Ok(7)));
    /// assert_eq!(checked.as_mut().send(u32::MAX).await, Some(Err("overflow".to_string())));
    /// # });
    /// ```
    pub fn send(self: Pin<&mut Self>, value: R) -> SendFuture<'_, Self> {
        AsyncGenerator::send(self, value)
    }

    /// Python's `aclose`: see [`AsyncGenerator::close`]. No import needed. An `Err` the
    /// body returns while closing is dropped.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "macros", doc = "```")]
    #[cfg_attr(not(feature = "macros"), doc = "```ignore")]
    /// use asyncgen::prelude::*;
    ///
    /// # futures::executor::block_on(async {
    /// let mut lines = std::pin::pin!(try_async_gen! {
    ///     type Error = std::io::Error;
    ///     yield "first";
    ///     yield "second";
    /// });
    /// assert_eq!(lines.next().await.unwrap().unwrap(), "first");
    /// lines.as_mut().close().await;
    /// assert!(lines.next().await.is_none());
    /// # });
    /// ```
    pub fn close(self: Pin<&mut Self>) -> CloseFuture<'_, Self> {
        AsyncGenerator::close(self)
    }
}

impl<T, F: Future<Output = ()>, R> AsyncGenerator for Generator<T, F, R> {
    type Resume = R;

    fn poll_send(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        value: &mut Option<R>,
    ) -> Poll<Option<T>> {
        let polled = match value {
            Some(_) => self.project().core.poll_send(cx, value),
            None => self.project().core.poll_step(cx),
        };
        polled.map(|step| match step {
            Some(Step::Yielded(item)) => Some(item),
            Some(Step::Returned(())) | None => None,
        })
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().core.poll_close(cx)
    }
}

impl<T, E, F: Future<Output = Result<(), E>>, R> AsyncGenerator for TryGenerator<T, F, R> {
    type Resume = R;

    fn poll_send(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        value: &mut Option<R>,
    ) -> Poll<Option<Result<T, E>>> {
        let polled = match value {
            Some(_) => self.project().core.poll_send(cx, value),
            None => self.project().core.poll_step(cx),
        };
        polled.map(|step| match step {
            Some(Step::Yielded(item)) => Some(Ok(item)),
            Some(Step::Returned(Err(error))) => Some(Err(error)),
            Some(Step::Returned(Ok(()))) | None => None,
        })
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().core.poll_close(cx)
    }
}

impl<G: AsyncGenerator + Unpin + ?Sized> AsyncGenerator for &mut G {
    type Resume = G::Resume;

    fn poll_send(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        value: &mut Option<G::Resume>,
    ) -> Poll<Option<G::Item>> {
        G::poll_send(Pin::new(&mut **self.get_mut()), cx, value)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        G::poll_close(Pin::new(&mut **self.get_mut()), cx)
    }
}

impl<P> AsyncGenerator for Pin<P>
where
    P: core::ops::DerefMut<Target: AsyncGenerator> + Unpin,
{
    type Resume = <P::Target as AsyncGenerator>::Resume;

    fn poll_send(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        value: &mut Option<Self::Resume>,
    ) -> Poll<Option<Self::Item>> {
        self.get_mut().as_mut().poll_send(cx, value)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().as_mut().poll_close(cx)
    }
}
