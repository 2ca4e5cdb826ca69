//! The trait through which `throttle` (on streams and on paginators) takes either
//! limiter: [`RateLimiter`] in process, or `RedisRateLimiter` across processes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Quota, RateLimiter};

/// A wait for a cell, boxed: for the paginators, which wait at most once per request.
pub(crate) type BoxedWait = Pin<Box<dyn Future<Output = ()> + Send>>;

mod sealed {
    pub trait Sealed {}
}

/// A rate limiter that [`throttle`](super::StreamTimeExt::throttle) and the paginators'
/// `throttle` can wait on: [`RateLimiter`] (one process) or, with the feature `redis`,
/// `RedisRateLimiter` (one quota shared by many processes through Redis).
///
/// The trait is sealed: its methods are the crate's plumbing. Use the limiters' own
/// `until_ready` and `check` to take cells directly.
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
/// use asyncgen::time::Limiter;
/// use asyncgen::{Quota, RateLimiter};
///
/// // A function that throttles with whichever limiter it is given.
/// fn polite<L: Limiter>(limiter: &L) -> impl Stream<Item = u32> + use<L> {
///     futures::stream::iter(1..=3).throttle(limiter.clone())
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let limiter = RateLimiter::new(Quota::per_second(100));
/// let items: Vec<u32> = polite(&limiter).collect().await;
/// assert_eq!(items, [1, 2, 3]);
/// # }
/// ```
pub trait Limiter:
    Clone + fmt::Debug + Send + Sync + Unpin + 'static + IntoLimiter<Limiter = Self> + sealed::Sealed
{
    /// One wait for a cell; dropping it gives its turn back.
    #[doc(hidden)]
    type Waiter: Default + Send;

    /// Waits for a cell under this limiter's policy. Never fails: a limiter whose
    /// backend can fail applies its outage policy here.
    #[doc(hidden)]
    fn poll_cell(&self, waiter: Pin<&mut Self::Waiter>, cx: &mut Context<'_>) -> Poll<()>;

    /// Takes a cell now if one is free (`None`), or returns the wait for one.
    #[doc(hidden)]
    fn boxed_wait(&self) -> Option<BoxedWait>;
}

/// What `throttle` accepts: a [`Limiter`] (its clones share one budget), a reference to
/// one (a clone), or a [`Quota`] (a [`RateLimiter`] of its own).
pub trait IntoLimiter {
    /// The limiter it becomes.
    type Limiter: Limiter;

    /// The limiter.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::time::IntoLimiter;
    /// use asyncgen::{Quota, RateLimiter};
    ///
    /// let limiter: RateLimiter = Quota::per_second(3).into_limiter();
    /// assert_eq!(limiter.quota(), Quota::per_second(3));
    /// ```
    fn into_limiter(self) -> Self::Limiter;
}

/// A limiter is its own, and a reference to one is a clone that shares its budget.
macro_rules! into_limiter_for {
    ($limiter:ty) => {
        impl IntoLimiter for $limiter {
            type Limiter = $limiter;

            fn into_limiter(self) -> $limiter {
                self
            }
        }

        impl IntoLimiter for &$limiter {
            type Limiter = $limiter;

            fn into_limiter(self) -> $limiter {
                self.clone()
            }
        }
    };
}

into_limiter_for!(RateLimiter);
#[cfg(feature = "redis")]
into_limiter_for!(super::RedisRateLimiter);

impl IntoLimiter for Quota {
    type Limiter = RateLimiter;

    fn into_limiter(self) -> RateLimiter {
        RateLimiter::new(self)
    }
}

impl sealed::Sealed for RateLimiter {}

impl Limiter for RateLimiter {
    type Waiter = super::wait_queue::Waiter;

    #[inline]
    fn poll_cell(&self, waiter: Pin<&mut Self::Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        waiter.poll_acquire(self.shared(), cx)
    }

    fn boxed_wait(&self) -> Option<BoxedWait> {
        // A free cell is taken on the spot; only a real wait costs a box.
        if self.check().is_ok() {
            return None;
        }
        let limiter = self.clone();
        Some(Box::pin(async move { limiter.until_ready().await }))
    }
}

#[cfg(feature = "redis")]
impl sealed::Sealed for super::RedisRateLimiter {}

#[cfg(feature = "paginate")]
/// Any limiter, its type erased: what a paginator keeps.
pub(crate) struct AnyLimiter(Box<dyn Fn() -> Option<BoxedWait> + Send + Sync>);

#[cfg(feature = "paginate")]
impl AnyLimiter {
    /// Takes a cell now if one is free (`None`), or returns the wait for one.
    pub(crate) fn wait(&self) -> Option<BoxedWait> {
        (self.0)()
    }
}

#[cfg(feature = "paginate")]
impl<T: IntoLimiter> From<T> for AnyLimiter {
    fn from(limiter: T) -> AnyLimiter {
        let limiter = limiter.into_limiter();
        AnyLimiter(Box::new(move || limiter.boxed_wait()))
    }
}

#[cfg(feature = "paginate")]
impl fmt::Debug for AnyLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnyLimiter").finish_non_exhaustive()
    }
}
