use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::RateLimiter;
use super::wait_queue::Waiter;

pin_project! {
    /// The future of [`RateLimiter::until_ready`]: completes when it has taken a cell.
    ///
    /// It takes its place in the limiter's queue on its first poll; dropping it before it
    /// completes leaves the queue without taking a cell.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::{Quota, RateLimiter};
    /// use std::time::Duration;
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let limiter = RateLimiter::new(Quota::per_second(1));
    /// limiter.until_ready().await;
    ///
    /// // Give up on the next cell after 300 ms: no cell is taken.
    /// let gave_up = tokio::time::timeout(Duration::from_millis(300), limiter.until_ready()).await;
    /// assert!(gave_up.is_err());
    /// // So the next waiter still gets the cell at 1 s.
    /// limiter.until_ready().await;
    /// assert_eq!(start.elapsed(), Duration::from_secs(1));
    /// # }
    /// ```
    #[must_use = "futures do nothing unless polled"]
    #[derive(Debug)]
    pub struct UntilReady<'a> {
        limiter: &'a RateLimiter,
        // Leaves the limiter's line when dropped.
        #[pin]
        waiter: Waiter,
        done: bool,
    }
}

impl<'a> UntilReady<'a> {
    pub(crate) fn new(limiter: &'a RateLimiter) -> UntilReady<'a> {
        UntilReady {
            limiter,
            waiter: Waiter::new(),
            done: false,
        }
    }
}

impl Future for UntilReady<'_> {
    type Output = ();

    /// # Panics
    ///
    /// If polled again after it completed.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        // A second cell taken by a stale future would be a silent budget leak.
        assert!(!*this.done, "`UntilReady` polled after completion");
        let ready = this.waiter.poll_acquire(this.limiter.shared(), cx);
        *this.done = ready.is_ready();
        ready
    }
}
