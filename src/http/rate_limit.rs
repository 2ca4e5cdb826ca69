//! Reading a server's rate-limit headers, and pacing requests by them so that a
//! listing spends its budget before the reset instead of meeting a `429`.
//!
//! Read, in this order of preference:
//! - the IETF fields (draft-ietf-httpapi-ratelimit-headers): `RateLimit` in the
//!   structured form of the later drafts, `"default";r=50;t=30`, or the earlier
//!   `limit=100, remaining=50, reset=30`, with `RateLimit-Policy` (`"default";q=100;w=60`
//!   or `100;w=60`) for the limit; and the still earlier `RateLimit-Remaining` /
//!   `RateLimit-Reset` / `RateLimit-Limit` fields;
//! - `X-RateLimit-Remaining` / `X-RateLimit-Reset` / `X-RateLimit-Limit`, as GitHub and
//!   GitLab send them; a reset of 1,000,000,000 or more is a Unix time in seconds, a
//!   smaller one a number of seconds from now.
//!
//! Values that are not whole non-negative numbers are ignored, as is a header that says
//! nothing usable: pacing then simply does not happen.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use tokio::time::Instant;

/// The longest wait pacing ever inserts before a request, however far away the
/// server's reset is; after it the request is made, and the server's answer (a `429`
/// with `Retry-After`, say) decides what comes next.
pub(crate) const MAX_PACING_WAIT: Duration = Duration::from_secs(60);

/// What a response said about the client's remaining budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    /// Requests left before the reset.
    pub(crate) remaining: u64,
    /// How long until the budget is refilled.
    pub(crate) reset: Duration,
    /// Requests per window, when said.
    pub(crate) limit: Option<u64>,
}

/// A whole non-negative number; anything else (signs, fractions, overflow) is unusable.
fn number(text: &str) -> Option<u64> {
    let text = text.trim().trim_matches('"');
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name)?.to_str().ok()
}

/// The `key=value` parameters of one list member of a structured or draft field.
fn params(member: &str) -> impl Iterator<Item = (&str, &str)> {
    member.split(';').filter_map(|param| {
        let (key, value) = param.split_once('=')?;
        Some((key.trim(), value.trim()))
    })
}

/// `RateLimit`: the most constrained of its policies (later drafts), or the one policy
/// spread over its list members (earlier drafts: `limit=.., remaining=.., reset=..`).
fn ietf(value: &str) -> (Option<u64>, Option<u64>, Option<u64>) {
    let (mut merged_r, mut merged_t, mut merged_q) = (None, None, None);
    let mut best: Option<(u64, u64)> = None;
    for member in value.split(',') {
        let (mut r, mut t) = (None, None);
        for (key, value) in params(member) {
            match key.to_ascii_lowercase().as_str() {
                "r" | "remaining" => r = number(value),
                "t" | "reset" => t = number(value),
                "q" | "limit" => merged_q = number(value).or(merged_q),
                _ => {}
            }
        }
        match (r, t) {
            (Some(r), Some(t)) => {
                if best.is_none_or(|(best_r, _)| r < best_r) {
                    best = Some((r, t));
                }
            }
            _ => {
                merged_r = r.or(merged_r);
                merged_t = t.or(merged_t);
            }
        }
    }
    match best {
        Some((r, t)) => (Some(r), Some(t), merged_q),
        None => (merged_r, merged_t, merged_q),
    }
}

/// The limit of a `RateLimit-Policy` field: `q=100` or a bare leading `100`.
fn policy_limit(value: &str) -> Option<u64> {
    value
        .split(',')
        .filter_map(|member| {
            let bare = member.split(';').next().and_then(number);
            let quota = params(member)
                .find(|(key, _)| key.eq_ignore_ascii_case("q"))
                .and_then(|(_, v)| number(v));
            quota.or(bare)
        })
        .min()
}

/// The budget the headers announce, if they announce one; `now` turns a Unix-time reset
/// into a wait.
pub(crate) fn budget(headers: &HeaderMap, now: SystemTime) -> Option<Budget> {
    if let Some(value) = header(headers, "ratelimit") {
        let (remaining, reset, limit) = ietf(value);
        if let (Some(remaining), Some(reset)) = (remaining, reset) {
            let limit =
                limit.or_else(|| header(headers, "ratelimit-policy").and_then(policy_limit));
            return Some(Budget {
                remaining,
                reset: Duration::from_secs(reset),
                limit,
            });
        }
    }
    if let (Some(remaining), Some(reset)) = (
        header(headers, "ratelimit-remaining").and_then(number),
        header(headers, "ratelimit-reset").and_then(number),
    ) {
        return Some(Budget {
            remaining,
            reset: Duration::from_secs(reset),
            limit: header(headers, "ratelimit-limit").and_then(number),
        });
    }
    let remaining = header(headers, "x-ratelimit-remaining").and_then(number)?;
    let reset = header(headers, "x-ratelimit-reset").and_then(number)?;
    let reset = if reset >= 1_000_000_000 {
        match UNIX_EPOCH.checked_add(Duration::from_secs(reset)) {
            // A reset already past means the budget is already refilled.
            Some(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
            None => Duration::MAX,
        }
    } else {
        Duration::from_secs(reset)
    };
    Some(Budget {
        remaining,
        reset,
        limit: header(headers, "x-ratelimit-limit").and_then(number),
    })
}

impl Budget {
    /// The wait before the next request. None while the budget is comfortable; once
    /// the remaining requests fall to a tenth of the limit (at least one request,
    /// just one when the limit is unknown), the time to the reset is spread evenly
    /// over them, so that the last one is made at the reset and a spent budget waits
    /// for it. Never more than [`MAX_PACING_WAIT`].
    pub(crate) fn pause(&self) -> Duration {
        let reserve = self.limit.map_or(1, |limit| (limit / 10).max(1));
        if self.remaining > reserve {
            return Duration::ZERO;
        }
        let share = u32::try_from(self.remaining.saturating_add(1)).unwrap_or(u32::MAX);
        (self.reset / share).min(MAX_PACING_WAIT)
    }
}

/// The pacing of one listing: the earliest moment of its next request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pacer {
    not_before: Arc<Mutex<Option<Instant>>>,
}

impl Pacer {
    /// Waits until the next request may go out.
    pub(crate) async fn wait(&self) {
        let not_before = *self.not_before.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = not_before {
            tokio::time::sleep_until(at).await;
        }
    }

    /// Takes in the headers of a response.
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        let pause = budget(headers, SystemTime::now()).map_or(Duration::ZERO, |b| b.pause());
        let at = (!pause.is_zero()).then(|| Instant::now() + pause);
        *self.not_before.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn read(pairs: &[(&'static str, &str)]) -> Option<Budget> {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_str(value).unwrap());
        }
        budget(&headers, UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    }

    fn budget_of(remaining: u64, reset: u64, limit: Option<u64>) -> Option<Budget> {
        Some(Budget {
            remaining,
            reset: Duration::from_secs(reset),
            limit,
        })
    }

    #[test]
    fn github_and_gitlab_headers() {
        let epoch_reset = read(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "17"),
            ("x-ratelimit-reset", "1700000090"),
        ]);
        assert_eq!(epoch_reset, budget_of(17, 90, Some(5000)));
        let past_reset = read(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1600000000"),
        ]);
        assert_eq!(past_reset, budget_of(0, 0, None));
        let delta_reset = read(&[("x-ratelimit-remaining", "3"), ("x-ratelimit-reset", "42")]);
        assert_eq!(delta_reset, budget_of(3, 42, None));
    }

    #[test]
    fn ietf_fields_of_every_draft() {
        let structured = read(&[
            ("ratelimit", "\"burst\";r=40;t=1, \"daily\";r=7;t=3600"),
            (
                "ratelimit-policy",
                "\"burst\";q=100;w=60, \"daily\";q=1000;w=86400",
            ),
        ]);
        assert_eq!(structured, budget_of(7, 3600, Some(100)));
        let early = read(&[("ratelimit", "limit=100, remaining=9, reset=30")]);
        assert_eq!(early, budget_of(9, 30, Some(100)));
        let policy = read(&[
            ("ratelimit", "remaining=9, reset=30"),
            ("ratelimit-policy", "50;w=60"),
        ]);
        assert_eq!(policy, budget_of(9, 30, Some(50)));
        let separate = read(&[
            ("ratelimit-limit", "10"),
            ("ratelimit-remaining", "2"),
            ("ratelimit-reset", "5"),
        ]);
        assert_eq!(separate, budget_of(2, 5, Some(10)));
    }

    #[test]
    fn bad_values_are_ignored_never_a_panic() {
        for (remaining, reset) in [
            ("-1", "10"),
            ("1.5", "10"),
            ("lots", "10"),
            ("5", "soon"),
            ("5", ""),
            ("99999999999999999999999", "10"),
            ("5", "99999999999999999999999"),
        ] {
            let read = read(&[
                ("x-ratelimit-remaining", remaining),
                ("x-ratelimit-reset", reset),
            ]);
            assert_eq!(read, None, "{remaining:?} {reset:?}");
        }
        assert_eq!(read(&[("ratelimit", "r=;t=")]), None);
        assert_eq!(read(&[("ratelimit", ";;,,=")]), None);
        // The largest Unix time is still a finite, capped wait.
        let far = read(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "18446744073709551615"),
        ]);
        assert_eq!(far.map(|b| b.pause()), Some(MAX_PACING_WAIT));
    }

    #[test]
    fn pauses_only_near_the_end_of_the_budget() {
        let pause = |remaining, reset, limit| budget_of(remaining, reset, limit).unwrap().pause();
        assert_eq!(pause(50, 60, Some(100)), Duration::ZERO);
        assert_eq!(pause(10, 55, Some(100)), Duration::from_secs(5));
        assert_eq!(pause(2, 6, None), Duration::ZERO);
        assert_eq!(pause(1, 6, None), Duration::from_secs(3));
        assert_eq!(pause(0, 6, None), Duration::from_secs(6));
        assert_eq!(pause(0, 3600, Some(5000)), MAX_PACING_WAIT);
        assert_eq!(pause(0, u64::MAX, None), MAX_PACING_WAIT);
    }
}
