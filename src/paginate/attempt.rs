//! Fetching one page: throttling, the fetch itself, and backoff between retries.

use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use super::PaginateError;
#[cfg(feature = "time")]
use super::RetryPolicy;
#[cfg(feature = "time")]
use crate::time::AnyLimiter;

/// A boxed wait (rate limiter or backoff timer). Boxed because it happens at most once
/// per fetch attempt, where an allocation is lost in the noise, and it keeps the
/// attempt's type free of the timer's.
pub(crate) type Wait = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The retry and throttling settings shared by every fetch of one paginator.
pub(crate) struct FetchSettings<E> {
    #[cfg(feature = "time")]
    pub(crate) retry: Option<RetryPolicy<E>>,
    #[cfg(feature = "time")]
    pub(crate) limiter: Option<AnyLimiter>,
    _error: PhantomData<fn(&E)>,
}

impl<E> Default for FetchSettings<E> {
    fn default() -> Self {
        FetchSettings {
            #[cfg(feature = "time")]
            retry: None,
            #[cfg(feature = "time")]
            limiter: None,
            _error: PhantomData,
        }
    }
}

impl<E> FetchSettings<E> {
    #[cfg_attr(not(feature = "time"), allow(clippy::unused_self))]
    fn throttle(&self) -> Option<Wait> {
        #[cfg(feature = "time")]
        if let Some(limiter) = &self.limiter {
            // A free cell is taken on the spot; only a real wait costs a box.
            return limiter.wait();
        }
        None
    }

    #[cfg_attr(not(feature = "time"), allow(unused_variables, clippy::unused_self))]
    fn backoff(&mut self, error: &E, failures: u32) -> Option<Wait> {
        #[cfg(feature = "time")]
        if let Some(delay) = self.retry.as_mut()?.delay_after(error, failures) {
            return Some(Box::pin(tokio::time::sleep(delay)));
        }
        None
    }
}

pin_project! {
    #[project = StepProj]
    enum Step<Fut> {
        Start,
        Throttling { wait: Wait },
        Fetching { #[pin] fut: Fut },
        BackingOff { wait: Wait },
    }
}

pin_project! {
    /// All attempts at one page, with one cursor.
    pub(crate) struct Attempt<C, Fut> {
        cursor: C,
        page_index: usize,
        failures: u32,
        #[pin]
        step: Step<Fut>,
    }
}

impl<C, Fut> Attempt<C, Fut> {
    pub(crate) fn new(cursor: C, page_index: usize) -> Self {
        Attempt {
            cursor,
            page_index,
            failures: 0,
            step: Step::Start,
        }
    }

    /// Drives the attempts until the page arrives or the retries give up. `start`
    /// begins one fetch; it is called again with the same cursor for each retry.
    pub(crate) fn poll_fetch<O, E>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        start: &mut impl FnMut(C) -> Fut,
        settings: &mut FetchSettings<E>,
    ) -> Poll<Result<O, PaginateError<E>>>
    where
        Fut: Future<Output = Result<O, E>>,
        C: Clone + Send + Sync + 'static,
    {
        let mut this = self.project();
        loop {
            match this.step.as_mut().project() {
                StepProj::Start => match settings.throttle() {
                    Some(wait) => this.step.set(Step::Throttling { wait }),
                    None => {
                        let fut = start(this.cursor.clone());
                        this.step.set(Step::Fetching { fut });
                    }
                },
                StepProj::Throttling { wait } => {
                    ready!(wait.as_mut().poll(cx));
                    let fut = start(this.cursor.clone());
                    this.step.set(Step::Fetching { fut });
                }
                StepProj::Fetching { fut } => match ready!(fut.poll(cx)) {
                    Ok(page) => {
                        this.step.set(Step::Start);
                        return Poll::Ready(Ok(page));
                    }
                    Err(error) => {
                        *this.failures += 1;
                        match settings.backoff(&error, *this.failures) {
                            Some(wait) => this.step.set(Step::BackingOff { wait }),
                            None => {
                                this.step.set(Step::Start);
                                return Poll::Ready(Err(PaginateError::fetch(
                                    *this.page_index,
                                    this.cursor.clone(),
                                    error,
                                    *this.failures,
                                )));
                            }
                        }
                    }
                },
                StepProj::BackingOff { wait } => {
                    ready!(wait.as_mut().poll(cx));
                    this.step.set(Step::Start);
                }
            }
        }
    }
}
