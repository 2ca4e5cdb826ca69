//! What every paginator is configured with (limits, retries, throttling), and the
//! builder methods that set it, written once for [`Paginator`](super::Paginator) (items
//! and pages) and [`NumberedPaginator`](super::NumberedPaginator).

use super::attempt::FetchSettings;

/// The settings of one run that every kind of paginator shares.
pub(crate) struct RunSettings<E> {
    pub(crate) fetch: FetchSettings<E>,
    pub(crate) max_items: Option<usize>,
    pub(crate) max_pages: Option<usize>,
}

impl<E> Default for RunSettings<E> {
    fn default() -> Self {
        RunSettings {
            fetch: FetchSettings::default(),
            max_items: None,
            max_pages: None,
        }
    }
}

impl<E> RunSettings<E> {
    /// Whether `items` items on `pages` pages reach a limit.
    pub(crate) fn limit_reached(&self, items: usize, pages: usize) -> bool {
        self.max_items.is_some_and(|max| items >= max)
            || self.max_pages.is_some_and(|max| pages >= max)
    }
}

/// The check behind every builder method's `# Panics`.
#[track_caller]
pub(crate) fn assert_unstarted(started: bool, type_name: &str, method: &str) {
    assert!(
        !started,
        "{type_name}::{method} must be called before the stream is first polled"
    );
}

/// The builder methods of [`RunSettings`], for an `impl` block whose type has
/// `fn run_settings(&mut self, method: &str) -> &mut RunSettings<E>` (panicking once
/// the stream was polled). The prose is shared; each type gives its own examples.
macro_rules! run_settings_methods {
    (
        error = $error:ty;
        max_items { $(#[$max_items:meta])* }
        max_pages { $(#[$max_pages:meta])* }
        retry { $(#[$retry:meta])* }
        throttle { $(#[$throttle:meta])* }
    ) => {
        /// Stops after `max_items` items in all: the page that reaches the limit is cut
        /// short, and no page is requested once the limit is reached. `0` yields
        /// nothing and fetches nothing. This is a limit on the whole run, not a page
        /// size.
        ///
        /// # Examples
        ///
        $(#[$max_items])*
        ///
        /// # Panics
        ///
        /// If called after the stream was first polled.
        #[track_caller]
        pub fn max_items(mut self, max_items: usize) -> Self {
            self.run_settings("max_items").max_items = Some(max_items);
            self
        }

        /// Fetches at most `max_pages` pages, even if the last one names a next page.
        /// `0` fetches nothing. This is a limit on the whole run, not a page size.
        ///
        /// # Examples
        ///
        $(#[$max_pages])*
        ///
        /// # Panics
        ///
        /// If called after the stream was first polled.
        #[track_caller]
        pub fn max_pages(mut self, max_pages: usize) -> Self {
            self.run_settings("max_pages").max_pages = Some(max_pages);
            self
        }

        /// Fetches a failed page again, with the same cursor or page number, as
        /// `policy` says (feature `time`); each retry goes through the
        /// [`throttle`](Self::throttle) as well, and the error that ends the retries
        /// is the stream's last item.
        ///
        /// # Examples
        ///
        $(#[$retry])*
        ///
        /// # Panics
        ///
        /// If called after the stream was first polled.
        #[cfg(feature = "time")]
        #[cfg_attr(docsrs, doc(cfg(feature = "time")))]
        #[track_caller]
        pub fn retry(mut self, policy: $crate::paginate::RetryPolicy<$error>) -> Self {
            self.run_settings("retry").fetch.retry = Some(policy);
            self
        }

        /// Makes every request, retries included, wait for a cell of `limiter`
        /// (feature `time`); a [`Quota`](crate::time::Quota) makes a limiter of its
        /// own, and a clone of a [`RateLimiter`](crate::time::RateLimiter) shares its
        /// budget with other streams and tasks. Any [`IntoLimiter`](crate::time::IntoLimiter)
        /// works, a limiter shared through Redis included.
        ///
        /// This limits requests, not items: it shadows the item-level
        /// [`StreamTimeExt::throttle`](crate::time::StreamTimeExt::throttle), which
        /// stays reachable as `StreamTimeExt::throttle(stream, limiter)`.
        ///
        /// # Examples
        ///
        $(#[$throttle])*
        ///
        /// # Panics
        ///
        /// If called after the stream was first polled.
        #[cfg(feature = "time")]
        #[cfg_attr(docsrs, doc(cfg(feature = "time")))]
        #[track_caller]
        pub fn throttle(mut self, limiter: impl $crate::time::IntoLimiter) -> Self {
            self.run_settings("throttle").fetch.limiter = Some(limiter.into());
            self
        }
    };
}

pub(crate) use run_settings_methods;
