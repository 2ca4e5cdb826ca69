use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, PoisonError, RwLock};

use super::{NotUntil, Quota, RateLimiter};

/// One quota for each key: a budget per host, per token or per tenant, each a
/// [`RateLimiter`] of its own, created on first use and forgotten once idle.
///
/// A key's budget is the same atomic GCRA state as a [`RateLimiter`]'s, so taking a cell
/// costs a map lookup under a read lock plus one compare-and-swap; waiters on one key are
/// served in order, and keys do not wait for each other. A key is *idle* when its burst
/// is full again and no one holds its limiter or waits on it: forgetting it then
/// changes no answer. Idle keys are dropped as the map grows (whenever it has doubled
/// since the last sweep), or at once with [`retain_recent`](Self::retain_recent).
/// Clones share the map.
///
/// # Examples
///
/// ```
/// use asyncgen::time::KeyedRateLimiter;
/// use asyncgen::Quota;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let per_host = KeyedRateLimiter::new(Quota::per_second(1));
/// assert!(per_host.check(&"a.example").is_ok());
/// assert!(per_host.check(&"a.example").is_err()); // a.example's cell is spent
/// assert!(per_host.check(&"b.example").is_ok()); // another host has its own
///
/// tokio::time::sleep(std::time::Duration::from_secs(1)).await;
/// per_host.retain_recent(); // both budgets are full again: forgotten
/// assert!(per_host.is_empty());
/// # }
/// ```
pub struct KeyedRateLimiter<K> {
    shared: Arc<Keyed<K>>,
}

struct Keyed<K> {
    quota: Quota,
    map: RwLock<KeyMap<K>>,
}

struct KeyMap<K> {
    limiters: HashMap<K, RateLimiter>,
    /// The size at which the next insertion sweeps idle keys.
    sweep_at: usize,
}

/// The fewest keys worth a sweep.
const MIN_SWEEP: usize = 64;

impl<K> Clone for KeyedRateLimiter<K> {
    fn clone(&self) -> Self {
        KeyedRateLimiter {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<K: Hash + Eq + Clone> KeyedRateLimiter<K> {
    /// A keyed limiter that gives every key `quota`.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::time::KeyedRateLimiter;
    /// use asyncgen::Quota;
    ///
    /// let per_tenant: KeyedRateLimiter<u64> = KeyedRateLimiter::new(Quota::per_minute(600));
    /// assert_eq!(per_tenant.quota(), Quota::per_minute(600));
    /// ```
    pub fn new(quota: Quota) -> KeyedRateLimiter<K> {
        KeyedRateLimiter {
            shared: Arc::new(Keyed {
                quota,
                map: RwLock::new(KeyMap {
                    limiters: HashMap::new(),
                    sweep_at: MIN_SWEEP,
                }),
            }),
        }
    }

    /// The quota each key gets.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::time::KeyedRateLimiter;
    /// use asyncgen::Quota;
    ///
    /// let limiter = KeyedRateLimiter::<String>::new(Quota::per_second(2));
    /// assert_eq!(limiter.quota(), Quota::per_second(2));
    /// ```
    pub fn quota(&self) -> Quota {
        self.shared.quota
    }

    /// The key's limiter, created if the key is new: hand it to
    /// [`throttle`](super::StreamTimeExt::throttle) to pace a stream by one key. While it
    /// is held, the key is not forgotten.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use asyncgen::time::KeyedRateLimiter;
    /// use asyncgen::Quota;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let per_host = KeyedRateLimiter::new(Quota::per_second(10));
    /// let pages: Vec<u32> = futures::stream::iter([1, 2, 3])
    ///     .throttle(per_host.limiter(&"api.example"))
    ///     .collect()
    ///     .await;
    /// assert_eq!(pages, [1, 2, 3]);
    /// # }
    /// ```
    pub fn limiter(&self, key: &K) -> RateLimiter {
        if let Some(limiter) = self.read(|map| map.limiters.get(key).cloned()) {
            return limiter;
        }
        let mut map = self
            .shared
            .map
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(limiter) = map.limiters.get(key) {
            return limiter.clone();
        }
        if map.limiters.len() >= map.sweep_at {
            map.limiters.retain(|_, limiter| !limiter.is_idle());
            map.sweep_at = (map.limiters.len() * 2).max(MIN_SWEEP);
        }
        let limiter = RateLimiter::new(self.shared.quota);
        map.limiters.insert(key.clone(), limiter.clone());
        limiter
    }

    /// Takes a cell of `key`'s budget if one is free now, without waiting; see
    /// [`RateLimiter::check`].
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::time::KeyedRateLimiter;
    /// use asyncgen::Quota;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let per_token = KeyedRateLimiter::new(Quota::per_second(2).allow_burst(2));
    /// assert!(per_token.check(&"t1").is_ok());
    /// assert!(per_token.check(&"t1").is_ok());
    /// let refused = per_token.check(&"t1").unwrap_err();
    /// assert_eq!(refused.wait_time(), std::time::Duration::from_millis(500));
    /// # }
    /// ```
    pub fn check(&self, key: &K) -> Result<(), NotUntil> {
        match self.read(|map| map.limiters.get(key).map(RateLimiter::check)) {
            Some(answer) => answer,
            None => self.limiter(key).check(),
        }
    }

    /// Waits for a cell of `key`'s budget and takes it; see [`RateLimiter::until_ready`].
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::time::KeyedRateLimiter;
    /// use asyncgen::Quota;
    /// use std::time::Duration;
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let per_host = KeyedRateLimiter::new(Quota::per_second(2));
    /// per_host.until_ready(&"a").await;
    /// per_host.until_ready(&"b").await; // another key: no wait
    /// per_host.until_ready(&"a").await; // a's next cell, 500 ms on
    /// assert_eq!(start.elapsed(), Duration::from_millis(500));
    /// # }
    /// ```
    pub fn until_ready(&self, key: &K) -> impl Future<Output = ()> + Send + 'static {
        let limiter = self.limiter(key);
        async move { limiter.until_ready().await }
    }

    /// Forgets every idle key now.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::time::KeyedRateLimiter;
    /// use asyncgen::Quota;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let limiter = KeyedRateLimiter::new(Quota::per_second(1));
    /// limiter.check(&1).unwrap();
    /// limiter.retain_recent();
    /// assert_eq!(limiter.len(), 1); // its cell comes back only in a second
    /// # }
    /// ```
    pub fn retain_recent(&self) {
        let mut map = self
            .shared
            .map
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        map.limiters.retain(|_, limiter| !limiter.is_idle());
        map.sweep_at = (map.limiters.len() * 2).max(MIN_SWEEP);
    }

    /// How many keys are remembered.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::time::KeyedRateLimiter;
    /// use asyncgen::Quota;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let limiter = KeyedRateLimiter::new(Quota::per_second(1));
    /// limiter.check(&"x").unwrap();
    /// assert_eq!(limiter.len(), 1);
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.read(|map| map.limiters.len())
    }

    /// Whether no key is remembered.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::time::KeyedRateLimiter;
    /// use asyncgen::Quota;
    ///
    /// assert!(KeyedRateLimiter::<u8>::new(Quota::per_second(1)).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read<T>(&self, f: impl FnOnce(&KeyMap<K>) -> T) -> T {
        f(&self
            .shared
            .map
            .read()
            .unwrap_or_else(PoisonError::into_inner))
    }
}

impl<K> fmt::Debug for KeyedRateLimiter<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedRateLimiter")
            .field("quota", &self.shared.quota)
            .finish_non_exhaustive()
    }
}
