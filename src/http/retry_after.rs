//! Reading `Retry-After` (RFC 9110 section 10.2.3).

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The wait a `Retry-After` header asks for, measured from `now`: delta-seconds, or an
/// HTTP-date (a date in the past means "now"). `None` when absent or unreadable.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for a u64 is still a number of seconds: far too long to wait.
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn wait(value: &str, now: SystemTime) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        retry_after(&headers, now)
    }

    #[test]
    fn delta_seconds() {
        let now = SystemTime::now();
        assert_eq!(wait("0", now), Some(Duration::ZERO));
        assert_eq!(wait(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(
            wait("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn http_dates_in_all_three_formats() {
        // 1994-11-06 08:49:37 UTC, the RFC's example instant.
        let date = SystemTime::UNIX_EPOCH + Duration::from_secs(784111777);
        let now = date - Duration::from_secs(90);
        for value in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(wait(value, now), Some(Duration::from_secs(90)), "{value}");
        }
        assert_eq!(
            wait(
                "Sun, 06 Nov 1994 08:49:37 GMT",
                date + Duration::from_secs(5)
            ),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn unreadable_values() {
        let now = SystemTime::now();
        for value in ["", "-1", "1.5", "soon", "Sun, 31 Nov 1994 08:49:37 GMT"] {
            assert_eq!(wait(value, now), None, "{value:?}");
        }
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
