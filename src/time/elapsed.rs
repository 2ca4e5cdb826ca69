use std::error::Error;
use std::fmt;
use std::time::Duration;

/// The error item of [`timeout_each`](super::StreamTimeExt::timeout_each) and
/// [`deadline`](super::StreamTimeExt::deadline): the time limit passed.
///
/// This crate's own type rather than `tokio::time::error::Elapsed`, which cannot be
/// constructed outside tokio; it carries the limit that passed.
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
/// use asyncgen::time::Elapsed;
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let mut items = std::pin::pin!(futures::stream::pending::<u8>().timeout_each(Duration::from_secs(2)));
/// let err: Elapsed = items.next().await.unwrap().unwrap_err();
/// assert_eq!(err.limit(), Duration::from_secs(2));
/// assert_eq!(err.to_string(), "timed out: 2s passed");
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Elapsed {
    limit: Duration,
}

impl Elapsed {
    pub(crate) fn new(limit: Duration) -> Elapsed {
        Elapsed { limit }
    }

    /// The time limit that passed.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let mut items = std::pin::pin!(futures::stream::pending::<u8>().deadline(Duration::from_millis(10)));
    /// let err = items.next().await.unwrap().unwrap_err();
    /// assert_eq!(err.limit(), Duration::from_millis(10));
    /// # }
    /// ```
    pub fn limit(&self) -> Duration {
        self.limit
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out: {:?} passed", self.limit)
    }
}

impl Error for Elapsed {}
