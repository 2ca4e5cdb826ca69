//! Pagination: cursor, offset and page-number listings over in-memory "APIs".

use std::error::Error as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncgen::paginate::{
    Checkpoint, NumberedPage, NumberedPaginator, Page, PaginateError, RepeatedCursor, RetryPolicy,
    paginate, paginate_offset, paginate_pages,
};
use asyncgen::time::{Quota, RateLimiter};
use futures::stream::FusedStream;
use futures::{StreamExt, TryStreamExt};
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Pages of the numbers `0..total`, `per_page` at a time; the cursor is the next number.
fn numbers(
    total: u32,
    per_page: u32,
) -> impl FnMut(u32) -> std::future::Ready<Result<Page<u32, u32>, String>> {
    move |start| {
        let end = (start + per_page).min(total);
        std::future::ready(Ok(Page::new(
            (start..end).collect(),
            (end < total).then_some(end),
        )))
    }
}

#[derive(Debug, Clone, PartialEq)]
struct ApiError {
    status: u16,
    retry_after: Option<Duration>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)
    }
}

impl std::error::Error for ApiError {}

fn status(status: u16) -> ApiError {
    ApiError {
        status,
        retry_after: None,
    }
}

// ---------------------------------------------------------------- basics

#[tokio::test]
async fn items_come_out_in_order_across_pages() {
    let items: Vec<u32> = paginate(0, numbers(23, 5)).try_collect().await.unwrap();
    assert_eq!(items, (0..23).collect::<Vec<_>>());
}

#[tokio::test]
async fn string_cursors_are_followed_until_next_is_none() {
    let visited = Mutex::new(Vec::new());
    let items: Vec<&str> = paginate("start".to_string(), |cursor: String| {
        visited.lock().unwrap().push(cursor.clone());
        async move {
            Ok::<_, ()>(match cursor.as_str() {
                "start" => Page::new(vec!["a", "b"], Some("p2".to_string())),
                "p2" => Page::new(vec!["c"], Some("p3".to_string())),
                _ => Page::new(vec!["d"], None),
            })
        }
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, ["a", "b", "c", "d"]);
    assert_eq!(*visited.lock().unwrap(), ["start", "p2", "p3"]);
}

#[tokio::test]
async fn an_empty_page_with_a_next_cursor_is_not_the_end() {
    let items: Vec<u32> = paginate(0u32, |n| async move {
        let items = if n % 2 == 0 { Vec::new() } else { vec![n] };
        Ok::<_, ()>(Page::new(items, (n < 6).then_some(n + 1)))
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, [1, 3, 5]);
}

#[tokio::test]
async fn an_empty_last_page_ends_the_stream() {
    let mut items = paginate(0u32, |_| async {
        Ok::<_, ()>(Page::<u32, u32>::new(Vec::new(), None))
    });
    assert!(!items.is_terminated());
    assert!(items.next().await.is_none());
    assert!(items.is_terminated());
    assert!(items.next().await.is_none());
}

#[tokio::test]
async fn nothing_is_fetched_before_the_first_poll() {
    let calls = AtomicUsize::new(0);
    let items = paginate(0u32, |n| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move { Ok::<_, ()>(Page::new(vec![n], None)) }
    });
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(items.try_collect::<Vec<_>>().await.unwrap(), [0]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn pages_yields_whole_pages_with_their_next_cursor() {
    let pages: Vec<Page<u32, u32>> = paginate(0, numbers(5, 2))
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages,
        [
            Page::new(vec![0, 1], Some(2)),
            Page::new(vec![2, 3], Some(4)),
            Page::new(vec![4], None)
        ]
    );
}

#[tokio::test]
async fn the_stream_is_fused_after_an_error() {
    let calls = AtomicUsize::new(0);
    let mut items = paginate(0u32, |_| {
        calls.fetch_add(1, Ordering::SeqCst);
        async { Err::<Page<u32, u32>, _>(status(500)) }
    });
    assert!(items.next().await.unwrap().is_err());
    assert_eq!(items.next().await.map(|r| r.is_ok()), None);
    assert_eq!(items.next().await.map(|r| r.is_ok()), None);
    assert!(items.is_terminated());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

// ---------------------------------------------------------------- limits

#[tokio::test]
async fn max_items_cuts_the_last_page_and_fetches_no_further() {
    let calls = AtomicUsize::new(0);
    let mut fetch = numbers(100, 10);
    let items: Vec<u32> = paginate(0, |c| {
        calls.fetch_add(1, Ordering::SeqCst);
        fetch(c)
    })
    .max_items(25)
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, (0..25).collect::<Vec<_>>());
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn max_items_on_a_page_boundary_fetches_no_extra_page() {
    let calls = AtomicUsize::new(0);
    let mut fetch = numbers(100, 10);
    let items: Vec<u32> = paginate(0, |c| {
        calls.fetch_add(1, Ordering::SeqCst);
        fetch(c)
    })
    .max_items(20)
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items.len(), 20);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn zero_limits_fetch_nothing() {
    let calls = AtomicUsize::new(0);
    let fetch = |c| {
        calls.fetch_add(1, Ordering::SeqCst);
        numbers(10, 2)(c)
    };
    assert_eq!(paginate(0, fetch).max_items(0).count().await, 0);
    assert_eq!(paginate(0, fetch).max_pages(0).count().await, 0);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn max_pages_counts_pages_not_items() {
    let items: Vec<u32> = paginate(0, numbers(100, 3))
        .max_pages(2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [0, 1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn limits_larger_than_the_listing_change_nothing() {
    let items: Vec<u32> = paginate(0, numbers(7, 3))
        .max_pages(50)
        .max_items(1000)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, (0..7).collect::<Vec<_>>());
}

#[tokio::test]
async fn limits_apply_to_the_page_stream() {
    let pages: Vec<Page<u32, u32>> = paginate(0, numbers(100, 10))
        .pages()
        .max_items(15)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages,
        [
            Page::new((0..10).collect(), Some(10)),
            Page::new((10..15).collect(), Some(20))
        ]
    );
    let pages = paginate(0, numbers(100, 10))
        .pages()
        .max_pages(4)
        .count()
        .await;
    assert_eq!(pages, 4);
}

#[test]
#[should_panic(expected = "before the stream is first polled")]
fn configuring_after_the_first_poll_panics() {
    let mut items = paginate(0, numbers(10, 2));
    futures::executor::block_on(items.next());
    let _ = items.max_items(3);
}

// ---------------------------------------------------------------- repeated cursors

/// A listing whose page `n` has next cursor `next(n)`, one item `n` per page.
fn chain(
    next: fn(u32) -> Option<u32>,
) -> impl FnMut(u32) -> std::future::Ready<Result<Page<u32, u32>, ApiError>> {
    move |n| std::future::ready(Ok(Page::new(vec![n], next(n))))
}

#[tokio::test]
async fn a_repeated_cursor_is_an_error_by_default_after_the_data() {
    // 0 -> 1 -> 2 -> 1: the third page points back.
    let items: Vec<Result<u32, PaginateError<ApiError>>> =
        paginate(0, chain(|n| Some(if n == 2 { 1 } else { n + 1 })))
            .collect()
            .await;
    assert_eq!(items.len(), 4);
    assert_eq!(
        items[..3]
            .iter()
            .map(|r| *r.as_ref().unwrap())
            .collect::<Vec<_>>(),
        [0, 1, 2]
    );
    let error = items[3].as_ref().unwrap_err();
    assert!(error.is_repeated_cursor());
    assert_eq!(error.page_index(), 3);
    assert_eq!(error.cursor::<u32>(), Some(&1));
    assert_eq!(error.fetch_error(), None);
    // Index 3 is the fourth page: messages count pages from 1.
    assert_eq!(
        error.to_string(),
        "page 4 would repeat a cursor already fetched in this run"
    );
}

#[tokio::test]
async fn a_cursor_pointing_to_itself_is_caught() {
    let items: Vec<_> = paginate(5, chain(Some)).collect().await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().ok(), Some(&5));
    assert!(items[1].as_ref().unwrap_err().is_repeated_cursor());
}

#[tokio::test]
async fn a_cycle_back_to_the_first_cursor_is_caught() {
    let items: Vec<_> = paginate(0, chain(|n| Some((n + 1) % 4))).collect().await;
    assert_eq!(items.len(), 5);
    assert_eq!(items[4].as_ref().unwrap_err().cursor::<u32>(), Some(&0));
}

#[tokio::test]
async fn stop_ends_quietly_without_fetching_the_repeated_cursor() {
    let calls = AtomicUsize::new(0);
    let mut fetch = chain(|n| Some(if n == 2 { 1 } else { n + 1 }));
    let items: Vec<u32> = paginate(0, |c| {
        calls.fetch_add(1, Ordering::SeqCst);
        fetch(c)
    })
    .on_repeated_cursor(RepeatedCursor::Stop)
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, [0, 1, 2]);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn continue_fetches_repeated_cursors_again() {
    let items: Vec<u32> = paginate(0, chain(|n| Some(if n == 2 { 1 } else { n + 1 })))
        .on_repeated_cursor(RepeatedCursor::Continue)
        .max_pages(7)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [0, 1, 2, 1, 2, 1, 2]);
}

#[tokio::test]
async fn a_repeat_beyond_the_limits_is_never_reported() {
    // The second page points back to the first, but max_pages stops before it matters.
    let items: Vec<u32> = paginate(0, chain(|n| Some(if n == 1 { 0 } else { n + 1 })))
        .max_pages(2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [0, 1]);
}

/// An API whose first request carries an empty token and whose last page answers
/// with an empty token again.
async fn sentinel_api(token: String) -> Result<(Vec<u32>, String), ApiError> {
    Ok(match token.as_str() {
        "" => (vec![1, 2], "t2".to_string()),
        _ => (vec![3], String::new()),
    })
}

#[tokio::test]
async fn an_end_sentinel_passed_on_as_a_cursor_reads_as_a_repeat_but_loses_nothing() {
    let items: Vec<Result<u32, PaginateError<ApiError>>> =
        paginate(String::new(), |token| async move {
            let (items, next) = sentinel_api(token).await?;
            Ok(Page::new(items, Some(next)))
        })
        .collect()
        .await;
    assert_eq!(items.len(), 4);
    assert_eq!(
        items[..3]
            .iter()
            .map(|r| *r.as_ref().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        items[3]
            .as_ref()
            .unwrap_err()
            .cursor::<String>()
            .map(String::as_str),
        Some("")
    );

    let mapped: Vec<u32> = paginate(String::new(), |token| async move {
        let (items, next) = sentinel_api(token).await?;
        Ok::<_, ApiError>(Page::new(items, Some(next).filter(|t| !t.is_empty())))
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(mapped, [1, 2, 3]);
}

#[tokio::test]
async fn the_default_is_error_and_the_mode_can_be_set_back() {
    assert_eq!(RepeatedCursor::default(), RepeatedCursor::Error);
    let items: Vec<_> = paginate(0, chain(Some))
        .on_repeated_cursor(RepeatedCursor::Stop)
        .on_repeated_cursor(RepeatedCursor::Error)
        .collect()
        .await;
    assert!(items[1].as_ref().unwrap_err().is_repeated_cursor());
}

// ---------------------------------------------------------------- errors and resume

#[tokio::test]
async fn a_fetch_error_names_the_page_and_its_cursor() {
    let items: Vec<Result<u32, PaginateError<ApiError>>> = paginate(0u32, |n| async move {
        if n == 4 {
            Err(status(502))
        } else {
            Ok(Page::new(vec![n, n + 1], Some(n + 2)))
        }
    })
    .collect()
    .await;
    assert_eq!(items.len(), 5);
    let error = items[4].as_ref().unwrap_err();
    assert_eq!(error.page_index(), 2);
    assert_eq!(error.cursor::<u32>(), Some(&4));
    assert_eq!(error.cursor::<String>(), None);
    assert_eq!(error.attempts(), 1);
    assert!(!error.is_repeated_cursor());
    assert_eq!(error.fetch_error(), Some(&status(502)));
    // Page index 2 is the third page; the cause is the source, not repeated.
    assert_eq!(error.to_string(), "fetching page 3 failed");
    let source = error.source().expect("the fetch error is the source");
    assert_eq!(source.to_string(), "HTTP 502");
    assert!(format!("{error:?}").contains("page_index: 2"));
}

#[tokio::test]
async fn paginate_error_works_with_boxed_errors() {
    async fn run() -> Result<Vec<u32>, Box<dyn std::error::Error + Send + Sync>> {
        Ok(
            paginate(0u32, |_| async { Err::<Page<u32, u32>, _>(status(404)) })
                .try_collect()
                .await?,
        )
    }
    let error = run().await.unwrap_err();
    assert_eq!(error.to_string(), "fetching page 1 failed");
    assert_eq!(error.source().unwrap().to_string(), "HTTP 404");
}

#[tokio::test]
async fn resuming_from_the_failed_cursor_loses_and_repeats_nothing() {
    let down = Arc::new(AtomicBool::new(true));
    let fetch = {
        let down = down.clone();
        move |start: u32| {
            let failing = start == 6 && down.load(Ordering::SeqCst);
            async move {
                if failing {
                    return Err(status(503));
                }
                let end = (start + 3).min(11);
                Ok(Page::new(
                    (start..end).collect::<Vec<u32>>(),
                    (end < 11).then_some(end),
                ))
            }
        }
    };
    let mut seen = Vec::new();
    let mut first_run = paginate(0, fetch.clone());
    let mut failure = None;
    while let Some(item) = first_run.next().await {
        match item {
            Ok(n) => seen.push(n),
            Err(error) => failure = Some(error),
        }
    }
    let failure = failure.expect("page 2 fails");
    assert_eq!(seen, [0, 1, 2, 3, 4, 5]);
    down.store(false, Ordering::SeqCst);
    let resume_at = failure
        .into_cursor::<u32>()
        .unwrap_or_else(|_| panic!("u32 cursor"));
    let rest: Vec<u32> = paginate(resume_at, fetch).try_collect().await.unwrap();
    seen.extend(rest);
    assert_eq!(seen, (0..11).collect::<Vec<_>>());
}

#[tokio::test]
async fn into_cursor_with_the_wrong_type_gives_the_error_back() {
    let mut items = paginate(9u64, |_| async { Err::<Page<u8, u64>, _>(status(500)) });
    let error = items.next().await.unwrap().unwrap_err();
    let error = error.into_cursor::<u32>().unwrap_err();
    assert_eq!(error.into_cursor::<u64>().ok(), Some(9));
}

// ---------------------------------------------------------------- retries

/// Records the instant (since `start`) and cursor of every fetch.
#[derive(Clone, Default)]
struct CallLog(Arc<Mutex<Vec<(Duration, u32)>>>);

impl CallLog {
    fn record(&self, start: Instant, cursor: u32) {
        self.0.lock().unwrap().push((start.elapsed(), cursor));
    }
    fn instants(&self) -> Vec<u64> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(t, _)| t.as_millis() as u64)
            .collect()
    }
    fn cursors(&self) -> Vec<u32> {
        self.0.lock().unwrap().iter().map(|(_, c)| *c).collect()
    }
}

#[tokio::test(start_paused = true)]
async fn backoff_instants_are_exact_without_jitter() {
    let start = Instant::now();
    let log = CallLog::default();
    let items: Vec<_> = paginate(0u32, |c| {
        log.record(start, c);
        async { Err::<Page<u32, u32>, _>(status(500)) }
    })
    .retry(
        RetryPolicy::exponential(ms(100))
            .max_attempts(4)
            .jitter(0.0),
    )
    .collect()
    .await;
    assert_eq!(log.instants(), [0, 100, 300, 700]);
    assert_eq!(start.elapsed(), ms(700));
    let error = items[0].as_ref().unwrap_err();
    assert_eq!(error.attempts(), 4);
    assert_eq!(error.to_string(), "fetching page 1 failed after 4 attempts");
}

#[tokio::test(start_paused = true)]
async fn max_delay_caps_the_backoff_and_multiplier_sets_its_growth() {
    let start = Instant::now();
    let log = CallLog::default();
    let _ = paginate(0u32, |c| {
        log.record(start, c);
        async { Err::<Page<u32, u32>, _>(status(500)) }
    })
    .retry(
        RetryPolicy::exponential(ms(100))
            .multiplier(3.0)
            .max_delay(ms(500))
            .max_attempts(5)
            .jitter(0.0),
    )
    .collect::<Vec<_>>()
    .await;
    // Delays 100, 300, 500 (900 capped), 500 (2700 capped).
    assert_eq!(log.instants(), [0, 100, 400, 900, 1400]);
}

#[tokio::test(start_paused = true)]
async fn a_retried_page_is_fetched_again_with_the_same_cursor() {
    let start = Instant::now();
    let log = CallLog::default();
    let failures_left = AtomicUsize::new(2);
    let items: Vec<u32> = paginate(0u32, |c| {
        log.record(start, c);
        let fail = c == 4 && failures_left.fetch_sub(1, Ordering::SeqCst) > 0;
        let page = numbers(10, 2)(c);
        async move {
            if fail {
                Err(status(503))
            } else {
                page.await.map_err(|_| status(0))
            }
        }
    })
    .retry(RetryPolicy::exponential(ms(10)).jitter(0.0))
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, (0..10).collect::<Vec<_>>());
    assert_eq!(log.cursors(), [0, 2, 4, 4, 4, 6, 8]);
    assert_eq!(log.instants(), [0, 0, 0, 10, 30, 30, 30]);
}

#[tokio::test(start_paused = true)]
async fn a_retry_is_not_a_repeated_cursor() {
    let failed = AtomicBool::new(false);
    let items: Vec<u32> = paginate(0u32, |c| {
        let fail = c == 1 && !failed.swap(true, Ordering::SeqCst);
        async move {
            if fail {
                Err(status(500))
            } else {
                Ok(Page::new(vec![c], (c < 2).then_some(c + 1)))
            }
        }
    })
    .retry(RetryPolicy::exponential(ms(1)))
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, [0, 1, 2]);
}

#[tokio::test(start_paused = true)]
async fn retry_if_rejects_errors_not_worth_retrying() {
    let calls = AtomicUsize::new(0);
    let items: Vec<_> = paginate(0u32, |_| {
        let call = calls.fetch_add(1, Ordering::SeqCst);
        async move { Err::<Page<u32, u32>, _>(status(if call == 0 { 500 } else { 404 })) }
    })
    .retry(
        RetryPolicy::exponential(ms(10))
            .max_attempts(10)
            .retry_if(|e: &ApiError| e.status >= 500),
    )
    .collect()
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let error = items[0].as_ref().unwrap_err();
    assert_eq!(
        (error.attempts(), error.fetch_error().unwrap().status),
        (2, 404)
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_requested_delay_is_waited_exactly() {
    let start = Instant::now();
    let log = CallLog::default();
    let items: Vec<u32> = paginate(0u32, |c| {
        log.record(start, c);
        let call = log.0.lock().unwrap().len();
        async move {
            match call {
                1 => Err(ApiError {
                    status: 429,
                    retry_after: Some(Duration::from_secs(7)),
                }),
                2 => Err(status(500)),
                _ => Ok(Page::new(vec![c], None)),
            }
        }
    })
    .retry(
        RetryPolicy::exponential(ms(100))
            .max_attempts(3)
            .jitter_seed(1)
            .delay_from(|e: &ApiError| e.retry_after),
    )
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, [0]);
    let instants = log.instants();
    assert_eq!(instants[..2], [0, 7000]);
    // The backoff after the second failure is 200 ms, jittered into (100, 200].
    assert!(instants[2] > 7100 && instants[2] <= 7200, "{instants:?}");
}

#[tokio::test(start_paused = true)]
async fn a_server_delay_beyond_max_delay_gives_up_at_once() {
    let start = Instant::now();
    let calls = AtomicUsize::new(0);
    let items: Vec<_> = paginate(0u32, |_| {
        calls.fetch_add(1, Ordering::SeqCst);
        async {
            Err::<Page<u32, u32>, _>(ApiError {
                status: 503,
                retry_after: Some(Duration::from_secs(3600)),
            })
        }
    })
    .retry(
        RetryPolicy::exponential(ms(100))
            .max_delay(Duration::from_secs(60))
            .delay_from(|e: &ApiError| e.retry_after),
    )
    .collect()
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(
        items[0].as_ref().unwrap_err().fetch_error().unwrap().status,
        503
    );
}

#[tokio::test(start_paused = true)]
async fn seeded_jitter_is_reproducible_and_within_bounds() {
    async fn instants(seed: u64, jitter: f64) -> Vec<u64> {
        let start = Instant::now();
        let log = CallLog::default();
        let _ = paginate(0u32, |c| {
            log.record(start, c);
            async { Err::<Page<u32, u32>, _>(status(500)) }
        })
        .retry(
            RetryPolicy::exponential(ms(1000))
                .max_attempts(6)
                .jitter(jitter)
                .jitter_seed(seed),
        )
        .collect::<Vec<_>>()
        .await;
        log.instants()
    }
    let first = instants(42, 1.0).await;
    assert_eq!(first, instants(42, 1.0).await);
    assert_ne!(first, instants(43, 1.0).await);
    let half = instants(42, 0.5).await;
    for (k, pair) in half.windows(2).enumerate() {
        let full = 1000u64 << k;
        let waited = pair[1] - pair[0];
        assert!(
            waited >= full / 2 && waited <= full,
            "retry {k}: waited {waited} ms of {full}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_backoff_beyond_what_a_duration_holds_waits_the_maximum_delay() {
    // No cap (`Duration::MAX`) and a delay doubling from 1 s: after 64 failures the
    // backoff is past the largest `Duration`, and each further wait is the maximum.
    let start = Instant::now();
    let calls = AtomicUsize::new(0);
    let instants = Mutex::new(Vec::new());
    let items: Vec<u32> = paginate(0u32, |n| {
        instants.lock().unwrap().push(start.elapsed());
        let fail = calls.fetch_add(1, Ordering::SeqCst) < 66;
        async move {
            if fail {
                Err(status(503))
            } else {
                Ok(Page::new(vec![n], None))
            }
        }
    })
    .retry(
        RetryPolicy::exponential(Duration::from_secs(1))
            .max_delay(Duration::MAX)
            .jitter(0.0)
            .max_attempts(70),
    )
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, [0]);
    let instants = instants.into_inner().unwrap();
    assert_eq!(instants.len(), 67);
    let gaps: Vec<Duration> = instants.windows(2).map(|w| w[1] - w[0]).collect();
    for (k, gap) in gaps.iter().enumerate().take(20) {
        assert_eq!(*gap, Duration::from_secs(1 << k), "wait {k}");
    }
    // tokio's timer sleeps some 30 years at most, so the longest waits all look alike;
    // what matters is that the waits past the overflow are never shorter.
    assert!(gaps.windows(2).all(|w| w[0] <= w[1]), "{gaps:?}");
    assert!(gaps[64..].iter().all(|gap| *gap == gaps[63]), "{gaps:?}");
}

#[test]
#[should_panic(expected = "at least 1 attempt")]
fn zero_attempts_panics() {
    let _ = RetryPolicy::<()>::exponential(ms(1)).max_attempts(0);
}

#[test]
#[should_panic(expected = "within 0.0..=1.0")]
fn jitter_out_of_range_panics() {
    let _ = RetryPolicy::<()>::exponential(ms(1)).jitter(1.5);
}

#[test]
#[should_panic(expected = "finite and at least 1")]
fn shrinking_multiplier_panics() {
    let _ = RetryPolicy::<()>::exponential(ms(1)).multiplier(0.5);
}

// ---------------------------------------------------------------- prefetch

/// 15 pages of one item, each taking 30 ms to fetch, consumed by a loop that spends
/// 30 ms awaiting its own work per item; returns the instant of each item and the end.
async fn overlap_run(prefetch: usize) -> (Vec<u64>, u64) {
    let start = Instant::now();
    let mut items = paginate(0u32, |n| async move {
        sleep(ms(30)).await;
        Ok::<_, ()>(Page::new(vec![n], (n < 14).then_some(n + 1)))
    })
    .prefetch(prefetch);
    let mut arrivals = Vec::new();
    let mut expected = 0;
    while let Some(item) = items.next().await {
        assert_eq!(item.unwrap(), expected);
        expected += 1;
        arrivals.push(start.elapsed().as_millis() as u64);
        sleep(ms(30)).await;
    }
    (arrivals, start.elapsed().as_millis() as u64)
}

#[tokio::test(start_paused = true)]
async fn prefetch_overlaps_fetching_with_the_consumers_own_awaits() {
    let (sequential, sequential_end) = overlap_run(0).await;
    assert_eq!(sequential, (0..15).map(|k| 30 + 60 * k).collect::<Vec<_>>());
    assert_eq!(sequential_end, 900);

    let (overlapped, overlapped_end) = overlap_run(1).await;
    assert_eq!(overlapped, (0..15).map(|k| 30 + 30 * k).collect::<Vec<_>>());
    assert_eq!(overlapped_end, 480);
}

#[tokio::test(start_paused = true)]
async fn prefetch_fetches_at_most_n_pages_ahead() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let mut items = paginate(0u32, move |n| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move { Ok::<_, ()>(Page::new(vec![n], Some(n + 1))) }
    })
    .prefetch(2);
    assert_eq!(items.next().await.unwrap().unwrap(), 0);
    sleep(Duration::from_secs(10)).await;
    // The page being consumed plus two ahead.
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(items.next().await.unwrap().unwrap(), 1);
    sleep(Duration::from_secs(10)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test(start_paused = true)]
async fn dropping_a_prefetching_stream_aborts_the_fetch_in_flight() {
    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicBool::new(false));
    let completed = Arc::new(AtomicUsize::new(0));
    let (dropped_in, completed_in) = (dropped.clone(), completed.clone());
    let mut items = paginate(0u32, move |n| {
        let guard = SetOnDrop(dropped_in.clone());
        let completed = completed_in.clone();
        async move {
            let _guard = guard;
            sleep(ms(if n == 0 { 1 } else { 1000 })).await;
            completed.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(Page::new(vec![n], Some(n + 1)))
        }
    })
    .prefetch(1);
    assert_eq!(items.next().await.unwrap().unwrap(), 0);
    sleep(ms(10)).await; // page 1 is now in flight
    dropped.store(false, Ordering::SeqCst);
    drop(items);
    tokio::task::yield_now().await;
    assert!(
        dropped.load(Ordering::SeqCst),
        "the in-flight fetch was dropped"
    );
    sleep(Duration::from_secs(5)).await;
    assert_eq!(
        completed.load(Ordering::SeqCst),
        1,
        "page 1 never completed"
    );
}

#[tokio::test(start_paused = true)]
async fn prefetch_keeps_order_limits_and_errors() {
    let items: Vec<Result<u32, PaginateError<ApiError>>> = paginate(0u32, |n| async move {
        // Later pages are faster: order must still hold.
        sleep(ms(u64::from(50 - n * 5))).await;
        if n == 6 {
            Err(status(500))
        } else {
            Ok(Page::new(vec![n * 2, n * 2 + 1], Some(n + 1)))
        }
    })
    .prefetch(3)
    .collect()
    .await;
    let (ok, err): (Vec<_>, Vec<_>) = items.into_iter().partition(Result::is_ok);
    assert_eq!(
        ok.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
        (0..12).collect::<Vec<_>>()
    );
    assert_eq!(err.len(), 1);
    assert_eq!(err[0].as_ref().unwrap_err().page_index(), 6);

    let limited: Vec<u32> = paginate(0, numbers(100, 4))
        .prefetch(2)
        .max_items(10)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(limited, (0..10).collect::<Vec<_>>());
    let pages = paginate(0, numbers(100, 4))
        .pages()
        .prefetch(2)
        .max_pages(3)
        .count()
        .await;
    assert_eq!(pages, 3);
}

#[tokio::test(start_paused = true)]
async fn prefetch_zero_fetches_on_demand() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let mut items = paginate(0u32, move |n| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move { Ok::<_, ()>(Page::new(vec![n], Some(n + 1))) }
    })
    .prefetch(0);
    items.next().await;
    sleep(Duration::from_secs(1)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "the fetch panicked")]
async fn a_panic_in_a_prefetched_fetch_reaches_the_consumer() {
    let mut items = paginate(0u32, |n| async move {
        assert!(n < 2, "the fetch panicked");
        Ok::<_, ()>(Page::new(vec![n], Some(n + 1)))
    })
    .prefetch(1);
    assert_eq!(items.next().await.unwrap().unwrap(), 0);
    assert_eq!(items.next().await.unwrap().unwrap(), 1);
    // Without the panic reaching here, this would look like the end of the listing.
    let _ = items.next().await;
}

#[test]
fn a_prefetch_task_cancelled_by_its_runtime_shutting_down_is_an_error_not_the_end() {
    let spawner = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let consumer = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut items = paginate(0, numbers(20, 2)).prefetch(1);
    // The first poll spawns the prefetch task on the runtime it runs in.
    let first = spawner.block_on(items.next()).unwrap().unwrap();
    drop(spawner);
    let rest: Vec<Result<u32, PaginateError<String>>> = consumer.block_on(items.collect());
    let (last, yielded) = rest.split_last().unwrap();
    let error = last
        .as_ref()
        .expect_err("an error, not the end of the listing");
    assert!(error.is_cancelled(), "{error:?}");
    assert_eq!((error.fetch_error(), error.attempts()), (None, 0));
    assert!(
        error
            .to_string()
            .ends_with("the prefetch task was cancelled (its tokio runtime shut down?)"),
        "{error}"
    );
    // Its cursor is where the next run picks up: nothing lost, nothing repeated.
    let resume_at = *error.cursor::<u32>().unwrap();
    assert_eq!(error.page_index(), resume_at as usize / 2);
    let tail: Vec<u32> = consumer
        .block_on(paginate(resume_at, numbers(20, 2)).try_collect())
        .unwrap();
    let yielded = yielded.iter().map(|item| *item.as_ref().unwrap());
    let all: Vec<u32> = std::iter::once(first).chain(yielded).chain(tail).collect();
    assert_eq!(all, (0..20).collect::<Vec<_>>());
}

#[test]
fn a_prefetch_task_that_finished_before_its_runtime_shut_down_ends_quietly() {
    let spawner = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // Two pages, both fetched (and the end announced) before the runtime goes.
    let mut items = paginate(0, numbers(4, 2)).prefetch(4);
    let first = spawner.block_on(async {
        let first = items.next().await;
        tokio::task::yield_now().await;
        first
    });
    drop(spawner);
    let rest: Vec<u32> = futures::executor::block_on(items.try_collect()).unwrap();
    assert_eq!((first.unwrap().unwrap(), rest), (0, vec![1, 2, 3]));
}

#[test]
#[should_panic(expected = "inside a tokio runtime")]
fn prefetch_outside_a_runtime_panics_clearly() {
    let mut items = paginate(0, numbers(10, 2)).prefetch(1);
    futures::executor::block_on(items.next());
}

#[tokio::test(start_paused = true)]
async fn a_prefetching_paginator_is_send_and_runs_on_another_task() {
    fn assert_send<T: Send>(value: T) -> T {
        value
    }
    let items = assert_send(paginate(0, numbers(9, 2)).prefetch(1));
    let collected = tokio::spawn(items.try_collect::<Vec<u32>>())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(collected, (0..9).collect::<Vec<_>>());
}

// ---------------------------------------------------------------- offset/limit

#[tokio::test]
async fn offset_pages_end_at_the_first_short_page() {
    let table: Vec<u32> = (0..25).collect();
    let calls = Mutex::new(Vec::new());
    let rows: Vec<u32> = paginate_offset(10, |offset, limit| {
        calls.lock().unwrap().push((offset, limit));
        let rows: Vec<u32> = table.iter().skip(offset).take(limit).copied().collect();
        async move { Ok::<_, ()>(rows) }
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(rows, table);
    assert_eq!(*calls.lock().unwrap(), [(0, 10), (10, 10), (20, 10)]);
}

#[tokio::test]
async fn offset_pages_end_at_an_empty_page_when_the_size_divides_the_total() {
    let calls = Mutex::new(Vec::new());
    let rows: Vec<usize> = paginate_offset(5, |offset, limit| {
        calls.lock().unwrap().push(offset);
        let rows: Vec<usize> = (offset..(offset + limit).min(10)).collect();
        async move { Ok::<_, ()>(rows) }
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(rows, (0..10).collect::<Vec<_>>());
    assert_eq!(*calls.lock().unwrap(), [0, 5, 10]);
}

#[tokio::test]
async fn offset_errors_carry_the_offset_and_limits_apply() {
    let items: Vec<_> = paginate_offset(3, |offset, _| async move {
        if offset == 6 {
            Err(status(500))
        } else {
            Ok(vec![offset; 3])
        }
    })
    .collect()
    .await;
    let error = items.last().unwrap().as_ref().unwrap_err();
    assert_eq!((error.page_index(), error.cursor::<usize>()), (2, Some(&6)));

    let limited: Vec<usize> = paginate_offset(3, |offset, limit| async move {
        Ok::<_, ()>((offset..offset + limit).collect())
    })
    .max_items(7)
    .try_collect()
    .await
    .unwrap();
    assert_eq!(limited, (0..7).collect::<Vec<_>>());
}

#[test]
#[should_panic(expected = "page_size must be at least 1")]
fn offset_page_size_zero_panics() {
    let _ = paginate_offset(0, |_, _| async { Ok::<Vec<u8>, ()>(Vec::new()) });
}

// ---------------------------------------------------------------- page numbers

#[tokio::test(start_paused = true)]
async fn numbered_pages_run_concurrently_once_the_total_is_known_and_stay_in_order() {
    let start = Instant::now();
    let in_flight = AtomicUsize::new(0);
    let peak = AtomicUsize::new(0);
    let log = CallLog::default();
    let items: Vec<usize> = paginate_pages(|page| {
        log.record(start, page as u32);
        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(now, Ordering::SeqCst);
        let in_flight = &in_flight;
        async move {
            // Later pages answer faster.
            sleep(ms(100 - page as u64 * 10)).await;
            in_flight.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, ()>(NumberedPage::new(vec![page * 10, page * 10 + 1], Some(7)))
        }
    })
    .concurrency(3)
    .try_collect()
    .await
    .unwrap();
    let expected: Vec<usize> = (1..=7).flat_map(|p| [p * 10, p * 10 + 1]).collect();
    assert_eq!(items, expected);
    assert_eq!(peak.load(Ordering::SeqCst), 3);
    assert_eq!(log.cursors(), [1, 2, 3, 4, 5, 6, 7]);
    // Page 1 alone (90 ms); 2, 3, 4 start together and page 2, the slowest, is
    // delivered at 170 ms, which frees the window for 5, 6 and 7 (done by 220 ms).
    assert_eq!(log.instants(), [0, 90, 90, 90, 170, 170, 170]);
    assert_eq!(start.elapsed(), ms(220));
}

#[tokio::test]
async fn numbered_pages_of_unknown_total_end_at_an_empty_page() {
    let calls = AtomicUsize::new(0);
    let items: Vec<usize> = paginate_pages(|page| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move {
            Ok::<_, ()>(NumberedPage::new(
                if page < 4 { vec![page] } else { Vec::new() },
                None,
            ))
        }
    })
    .concurrency(8)
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, [1, 2, 3]);
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn numbered_pages_end_at_an_empty_page_before_the_stated_total() {
    // The API says 1000 pages, but only pages 1 to 3 have items (and page 5, out of
    // place, has one too).
    for concurrency in [1, 4] {
        let asked = Mutex::new(Vec::new());
        let items: Vec<usize> = paginate_pages(|p| {
            asked.lock().unwrap().push(p);
            let items = if p <= 3 || p == 5 {
                vec![p]
            } else {
                Vec::new()
            };
            async move { Ok::<_, ()>(NumberedPage::new(items, Some(1000))) }
        })
        .concurrency(concurrency)
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items, [1, 2, 3], "concurrency {concurrency}");
        let asked = asked.into_inner().unwrap();
        // Nothing after the empty page 4, beyond what was already in flight with it.
        assert!(
            asked.len() >= 4 && asked.iter().all(|&p| p < 4 + concurrency),
            "concurrency {concurrency}: {asked:?}"
        );
    }
}

#[tokio::test]
async fn numbered_pages_honour_start_limits_and_errors() {
    let zero_based: Vec<usize> =
        paginate_pages(|p| async move { Ok::<_, ()>(NumberedPage::new(vec![p], Some(4))) })
            .numbered_from(0)
            .try_collect()
            .await
            .unwrap();
    assert_eq!(zero_based, [0, 1, 2, 3]);

    let calls = AtomicUsize::new(0);
    let limited: Vec<usize> = paginate_pages(|p| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move { Ok::<_, ()>(NumberedPage::new(vec![p; 3], Some(50))) }
    })
    .max_pages(4)
    .concurrency(2)
    .try_collect()
    .await
    .unwrap();
    assert_eq!(limited, [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    assert_eq!(calls.load(Ordering::SeqCst), 4);

    let few: Vec<usize> =
        paginate_pages(|p| async move { Ok::<_, ()>(NumberedPage::new(vec![p; 3], Some(50))) })
            .max_items(5)
            .try_collect()
            .await
            .unwrap();
    assert_eq!(few, [1, 1, 1, 2, 2]);

    let items: Vec<_> = paginate_pages(|p| async move {
        if p == 3 {
            Err(status(500))
        } else {
            Ok(NumberedPage::new(vec![p], Some(6)))
        }
    })
    .concurrency(4)
    .collect()
    .await;
    assert_eq!(items.len(), 3);
    let error = items[2].as_ref().unwrap_err();
    assert_eq!((error.page_index(), error.cursor::<usize>()), (2, Some(&3)));
}

type NumberedFetch =
    Box<dyn FnMut(usize) -> std::future::Ready<Result<NumberedPage<usize>, ApiError>>>;

/// A listing of `total` pages numbered from `first`, each holding its own number; a page
/// that does not exist is a 404. Returns the items of a run and the pages it asked for.
async fn numbered_run(
    first: usize,
    total: usize,
    configure: impl FnOnce(NumberedPaginator<NumberedFetch>) -> NumberedPaginator<NumberedFetch>,
) -> (Vec<usize>, Vec<usize>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    let fetch: NumberedFetch = Box::new(move |p: usize| {
        log.lock().unwrap().push(p);
        std::future::ready(if (first..first + total).contains(&p) {
            Ok(NumberedPage::new(vec![p], Some(total)))
        } else {
            Err(status(404))
        })
    });
    let items = configure(paginate_pages(fetch))
        .try_collect()
        .await
        .unwrap();
    let mut asked = asked.lock().unwrap().clone();
    asked.sort_unstable();
    (items, asked)
}

#[tokio::test]
async fn numbered_pages_started_at_a_later_page_end_at_the_last_page() {
    // Pages 1 to 6: starting at 4 fetches 4, 5 and 6, neither fewer nor more.
    for concurrency in [1, 2, 8] {
        let (items, asked) = numbered_run(1, 6, |p| p.start_at(4).concurrency(concurrency)).await;
        assert_eq!(items, [4, 5, 6], "concurrency {concurrency}");
        assert_eq!(asked, [4, 5, 6], "concurrency {concurrency}");
    }
}

#[tokio::test]
async fn zero_based_numbered_pages_start_anywhere_and_end_at_the_last_page() {
    for concurrency in [1, 3] {
        let (items, asked) =
            numbered_run(0, 6, |p| p.numbered_from(0).concurrency(concurrency)).await;
        assert_eq!(items, [0, 1, 2, 3, 4, 5]);
        assert_eq!(asked, [0, 1, 2, 3, 4, 5]);
        // Either order of the two settings means the same.
        for (items, asked) in [
            numbered_run(0, 6, |p| {
                p.numbered_from(0).start_at(2).concurrency(concurrency)
            })
            .await,
            numbered_run(0, 6, |p| {
                p.start_at(2).numbered_from(0).concurrency(concurrency)
            })
            .await,
        ] {
            assert_eq!(items, [2, 3, 4, 5]);
            assert_eq!(asked, [2, 3, 4, 5]);
        }
    }
    // Starting at the last page fetches it alone.
    let (items, asked) = numbered_run(0, 6, |p| p.numbered_from(0).start_at(5)).await;
    assert_eq!((items, asked), (vec![5], vec![5]));
}

#[tokio::test]
async fn a_failed_numbered_run_resumes_from_the_error_cursor() {
    for first in [0, 1] {
        let fail_once = AtomicBool::new(true);
        let fetch = |p: usize| {
            let fail = p == first + 3 && fail_once.swap(false, Ordering::SeqCst);
            async move {
                if fail {
                    Err(status(503))
                } else {
                    Ok(NumberedPage::new(vec![p], Some(7)))
                }
            }
        };
        let (before, error) = {
            let run: Vec<_> = paginate_pages(&fetch).numbered_from(first).collect().await;
            let (ok, err): (Vec<_>, Vec<_>) = run.into_iter().partition(Result::is_ok);
            let ok: Vec<usize> = ok.into_iter().map(Result::unwrap).collect();
            (ok, err.into_iter().next().unwrap().unwrap_err())
        };
        let resume_at = *error.cursor::<usize>().unwrap();
        assert_eq!((error.page_index(), resume_at), (3, first + 3));
        let after: Vec<usize> = paginate_pages(&fetch)
            .numbered_from(first)
            .start_at(resume_at)
            .concurrency(3)
            .try_collect()
            .await
            .unwrap();
        let all: Vec<usize> = before.into_iter().chain(after).collect();
        assert_eq!(all, (first..first + 7).collect::<Vec<_>>(), "from {first}");
    }
}

#[test]
#[should_panic(expected = "a zero-based API needs .numbered_from(0)")]
fn starting_before_the_first_page_panics_at_the_first_poll() {
    let mut items =
        paginate_pages(|p| async move { Ok::<_, ()>(NumberedPage::new(vec![p], None)) })
            .start_at(0);
    futures::executor::block_on(items.next());
}

#[tokio::test(start_paused = true)]
async fn numbered_pages_retry_with_the_same_page_number() {
    let log = CallLog::default();
    let start = Instant::now();
    let failed = AtomicBool::new(false);
    let items: Vec<usize> = paginate_pages(|p| {
        log.record(start, p as u32);
        let fail = p == 2 && !failed.swap(true, Ordering::SeqCst);
        async move {
            if fail {
                Err(status(503))
            } else {
                Ok(NumberedPage::new(vec![p], Some(3)))
            }
        }
    })
    .concurrency(2)
    .retry(RetryPolicy::exponential(ms(50)).jitter(0.0))
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, [1, 2, 3]);
    assert_eq!(log.cursors(), [1, 2, 3, 2]);
    assert_eq!(log.instants(), [0, 0, 0, 50]);
}

#[test]
#[should_panic(expected = "at least 1 page at a time")]
fn numbered_concurrency_zero_panics() {
    let _ = paginate_pages(|p| async move { Ok::<_, ()>(NumberedPage::new(vec![p], None)) })
        .concurrency(0);
}

// ---------------------------------------------------------------- throttling

#[tokio::test(start_paused = true)]
async fn throttle_spaces_out_fetches() {
    let start = Instant::now();
    let log = CallLog::default();
    let mut fetch = numbers(8, 2);
    let items: Vec<u32> = paginate(0, |c| {
        log.record(start, c);
        fetch(c)
    })
    .throttle(Quota::per_second(4))
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, (0..8).collect::<Vec<_>>());
    assert_eq!(log.instants(), [0, 250, 500, 750]);
}

#[tokio::test(start_paused = true)]
async fn retries_are_throttled_too() {
    let start = Instant::now();
    let log = CallLog::default();
    let failed = AtomicBool::new(false);
    let items: Vec<u32> = paginate(0u32, |c| {
        log.record(start, c);
        let fail = !failed.swap(true, Ordering::SeqCst);
        async move {
            if fail {
                Err(status(500))
            } else {
                Ok(Page::new(vec![c], (c < 1).then_some(c + 1)))
            }
        }
    })
    .retry(RetryPolicy::exponential(ms(10)).jitter(0.0))
    .throttle(Quota::per_second(2))
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, [0, 1]);
    // Attempt 1 at 0, backoff to 10 ms, the limiter's next cell at 500 ms, then 1000 ms.
    assert_eq!(log.instants(), [0, 500, 1000]);
    assert_eq!(log.cursors(), [0, 0, 1]);
}

#[tokio::test(start_paused = true)]
async fn a_shared_limiter_is_one_budget_for_several_listings() {
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(10));
    let log = CallLog::default();
    let listing = |offset: u32| {
        let log = log.clone();
        paginate(offset, move |c| {
            log.record(start, c);
            std::future::ready(Ok::<_, ()>(Page::new(
                vec![c],
                (c % 100 < 2).then_some(c + 1),
            )))
        })
        .throttle(limiter.clone())
    };
    let (a, b) = futures::join!(
        listing(0).try_collect::<Vec<_>>(),
        listing(100).try_collect::<Vec<_>>()
    );
    assert_eq!(
        (a.unwrap(), b.unwrap()),
        (vec![0, 1, 2], vec![100, 101, 102])
    );
    assert_eq!(log.instants(), [0, 100, 200, 300, 400, 500]);
}

#[tokio::test(start_paused = true)]
async fn throttle_applies_to_pages_and_numbered_listings() {
    let start = Instant::now();
    let pages = paginate(0, numbers(6, 2))
        .pages()
        .throttle(Quota::per_second(10))
        .count()
        .await;
    assert_eq!((pages, start.elapsed()), (3, ms(200)));

    let start = Instant::now();
    let log = CallLog::default();
    let items: Vec<usize> = paginate_pages(|p| {
        log.record(start, p as u32);
        async move { Ok::<_, ()>(NumberedPage::new(vec![p], Some(4))) }
    })
    .concurrency(4)
    .throttle(Quota::per_second(10))
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, [1, 2, 3, 4]);
    assert_eq!(log.instants(), [0, 100, 200, 300]);
}

// Checkpoints: resuming a listing where an earlier run stopped.

/// Numbers `0..20` in pages of 3, failing once at the cursor 9.
fn flaky_numbers(
    fail_at_9: Arc<AtomicBool>,
) -> impl FnMut(u32) -> std::future::Ready<Result<Page<u32, u32>, String>> + Clone {
    move |start| {
        if start == 9 && fail_at_9.swap(false, Ordering::SeqCst) {
            return std::future::ready(Err("connection reset".to_owned()));
        }
        let end = (start + 3).min(20);
        std::future::ready(Ok(Page::new(
            (start..end).collect(),
            (end < 20).then_some(end),
        )))
    }
}

#[tokio::test]
async fn a_checkpoint_after_an_error_resumes_with_nothing_lost_or_repeated() {
    let fetch = flaky_numbers(Arc::new(AtomicBool::new(true)));
    let mut first = paginate(0u32, fetch.clone()).prefetch(1);
    let mut seen = Vec::new();
    let error = loop {
        match first.next().await.unwrap() {
            Ok(n) => seen.push(n),
            Err(error) => break error,
        }
    };
    assert_eq!(error.to_string(), "fetching page 4 failed");
    let saved = first.checkpoint();
    assert_eq!(
        saved,
        Checkpoint {
            cursor: Some(9),
            pages: 3,
            items: 9
        }
    );

    let mut second = paginate(0u32, fetch).resume_from(saved);
    while let Some(n) = second.next().await {
        seen.push(n.unwrap());
    }
    assert_eq!(seen, (0..20).collect::<Vec<_>>());
    assert_eq!(
        second.checkpoint(),
        Checkpoint {
            cursor: None,
            pages: 7,
            items: 20
        }
    );
    assert!(second.checkpoint().is_complete());
}

#[tokio::test]
async fn a_half_read_page_is_read_again_on_resume_and_limits_count_the_whole_listing() {
    let mut first = paginate(0u32, numbers(20, 3));
    for _ in 0..4 {
        first.next().await.unwrap().unwrap(); // 0, 1, 2 and 3, the first of page 2
    }
    let saved = first.checkpoint();
    assert_eq!(
        saved,
        Checkpoint {
            cursor: Some(3),
            pages: 1,
            items: 3
        }
    );
    let rest: Vec<u32> = paginate(0u32, numbers(20, 3))
        .resume_from(saved)
        .max_items(8)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rest, [3, 4, 5, 6, 7]);
    // A complete listing resumes to nothing, and fetches nothing.
    let done = Checkpoint {
        cursor: None,
        pages: 7,
        items: 20,
    };
    let fetches = AtomicUsize::new(0);
    let nothing: Vec<u32> = paginate(0u32, |n: u32| {
        fetches.fetch_add(1, Ordering::SeqCst);
        numbers(20, 3)(n)
    })
    .resume_from(done)
    .try_collect()
    .await
    .unwrap();
    assert!(nothing.is_empty());
    assert_eq!(fetches.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_resumed_run_catches_a_cursor_that_leads_back_to_where_it_resumed() {
    // Page 5 names page 5 again.
    let fetch = |n: u32| async move {
        Ok::<_, ()>(Page::new(vec![n], Some(if n == 6 { 5 } else { n + 1 })))
    };
    let items: Vec<_> = paginate(0u32, fetch)
        .resume_from(Checkpoint {
            cursor: Some(5),
            pages: 5,
            items: 5,
        })
        .collect()
        .await;
    assert_eq!(items.len(), 3);
    let error = items[2].as_ref().unwrap_err();
    assert!(error.is_repeated_cursor());
    assert_eq!(
        error.to_string(),
        "page 8 would repeat a cursor already fetched in this run"
    );
}

#[cfg(feature = "serde")]
#[tokio::test]
async fn a_checkpoint_survives_serialization() {
    let mut pages = paginate(0u32, numbers(20, 3)).pages();
    pages.next().await.unwrap().unwrap();
    pages.next().await.unwrap().unwrap();
    let json = serde_json::to_string(&pages.checkpoint()).unwrap();
    assert_eq!(json, r#"{"cursor":6,"pages":2,"items":6}"#);
    let saved: Checkpoint<u32> = serde_json::from_str(&json).unwrap();
    let rest: Vec<u32> = paginate(0u32, numbers(20, 3))
        .resume_from(saved)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rest, (6..20).collect::<Vec<_>>());
}
