//! A GCRA budget kept in Redis: the connection, the script, and the outage policy, shared
//! by the single-key and the keyed limiters.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RetryMethod, Script};
use tokio::time::Instant;

use super::{OutagePolicy, RedisLimitError};
use crate::time::Quota;
use crate::time::gcra::{Gcra, Ticks};

/// The largest span (`interval * burst`, in microseconds) the script keeps: arrival times
/// then stay below 2^53, where Lua's numbers (doubles) are exact integers.
const SPAN_MAX_MICROS: u64 = 1 << 51;
/// The first pause before asking an unreachable server again; it doubles up to
/// `MAX_RETRY_PAUSE`.
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(20);
const MAX_RETRY_PAUSE: Duration = Duration::from_millis(500);

/// The quota in the script's unit, microseconds on the server's clock: the interval
/// rounded up, so that the budget never runs ahead of the quota.
pub(crate) fn micros_gcra(quota: Quota) -> Gcra {
    let interval = u64::try_from(
        (u128::from(quota.period_nanos())).div_ceil(u128::from(quota.cells()) * 1_000),
    )
    .unwrap_or(u64::MAX);
    Gcra::within(Ticks(interval), quota.burst_size(), SPAN_MAX_MICROS)
}

/// The script's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The cell is taken; the new arrival time.
    Taken { tat: Ticks },
    /// The next cell is free at `free_at`, `now` being the server's time.
    Refused { free_at: Ticks, now: Ticks },
}

impl Answer {
    pub(crate) fn wait(self) -> Option<Duration> {
        match self {
            Answer::Taken { .. } => None,
            Answer::Refused { free_at, now } => Some(Duration::from_micros(
                free_at.0.saturating_sub(now.0).max(1),
            )),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Budget {
    connection: ConnectionManager,
    script: Script,
    pub(crate) quota: Quota,
    gcra: Gcra,
    pub(crate) policy: OutagePolicy,
}

impl Budget {
    pub(crate) async fn connect(redis_url: &str, quota: Quota) -> Result<Budget, RedisLimitError> {
        let connect_error = |source| RedisLimitError::Connect {
            url: redacted(redis_url),
            source,
        };
        let client = redis::Client::open(redis_url).map_err(connect_error)?;
        // Reconnections are the limiter's to pace (see `OutagePolicy`): the manager tries
        // once per request, within a bounded time.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)));
        let mut connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(connect_error)?;
        let script = Script::new(include_str!("gcra.lua"));
        // Loaded once; later calls run it by its hash (and load it again after a restart).
        script
            .prepare_invoke()
            .load_async(&mut connection)
            .await
            .map_err(connect_error)?;
        Ok(Budget {
            connection,
            script,
            quota,
            gcra: micros_gcra(quota),
            policy: OutagePolicy::default(),
        })
    }

    /// The same connection and script with another quota.
    #[cfg(test)]
    pub(crate) fn for_quota(&self, quota: Quota) -> Budget {
        Budget {
            quota,
            gcra: micros_gcra(quota),
            ..self.clone()
        }
    }

    #[cfg(test)]
    pub(crate) fn gcra(&self) -> Gcra {
        self.gcra
    }

    #[cfg(test)]
    pub(crate) fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// One run of the script: takes a cell of `key`'s budget if one is free.
    pub(crate) async fn take(&self, key: &str, now: Option<Ticks>) -> redis::RedisResult<Answer> {
        let mut invocation = self.script.key(key);
        invocation
            .arg(self.gcra.interval().0)
            .arg(self.gcra.tolerance().0);
        if let Some(now) = now {
            invocation.arg(now.0);
        }
        let (taken, at, now): (u8, u64, u64) = invocation
            .invoke_async(&mut self.connection.clone())
            .await?;
        Ok(if taken == 1 {
            Answer::Taken { tat: Ticks(at) }
        } else {
            Answer::Refused {
                free_at: Ticks(at),
                now: Ticks(now),
            }
        })
    }

    /// Takes a cell, or answers when the next one is free, applying the outage policy:
    /// `Ok(None)` when a cell is taken (or let through by [`OutagePolicy::FailOpen`]).
    /// Unless `wait_out` is set, an outage under [`OutagePolicy::FailClosed`] is an
    /// [`RedisLimitError::Unavailable`] at once (for `check`, which does not wait).
    pub(crate) async fn try_take(
        &self,
        key: &str,
        wait_out: bool,
    ) -> Result<Option<Duration>, RedisLimitError> {
        let mut outage: Option<(Instant, Duration)> = None;
        loop {
            match self.take(key, None).await {
                Ok(answer) => return Ok(answer.wait()),
                Err(error) if !is_outage(&error) => {
                    return Err(RedisLimitError::Reply { source: error });
                }
                Err(error) => {
                    let (since, pause) = *outage.get_or_insert((Instant::now(), FIRST_RETRY_PAUSE));
                    match self.policy {
                        OutagePolicy::FailOpen => return Ok(None),
                        OutagePolicy::FailClosed { give_up_after } => {
                            let waited = since.elapsed();
                            if !wait_out || give_up_after.is_some_and(|limit| waited >= limit) {
                                return Err(RedisLimitError::Unavailable {
                                    waited,
                                    source: error,
                                });
                            }
                            tokio::time::sleep(pause).await;
                            outage = Some((since, (pause * 2).min(MAX_RETRY_PAUSE)));
                        }
                    }
                }
            }
        }
    }

    /// Waits until a cell of `key`'s budget is taken.
    pub(crate) async fn until_ready(&self, key: &str) -> Result<(), RedisLimitError> {
        while let Some(wait) = self.try_take(key, true).await? {
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }
}

/// Whether the error says the server is out of reach for now (and asking again later may
/// succeed), rather than that it answered with an error.
fn is_outage(error: &redis::RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
        || matches!(
            error.retry_method(),
            RetryMethod::Reconnect | RetryMethod::WaitAndRetry | RetryMethod::RetryImmediately
        )
}

/// The URL without its password, for error messages.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => url.to_owned(),
    }
}
