//! The in-process limiter at the edges of what `Quota` accepts: it never grants more than
//! the GCRA bound (`burst + elapsed / interval` in any window), checked on tokio's paused
//! clock for arbitrary quotas and check times; and bad arguments panic at the caller's
//! line.
#![cfg(feature = "time")]

use std::panic::Location;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncgen::prelude::*;
use asyncgen::time::KeyedRateLimiter;
use asyncgen::{Quota, RateLimiter};
use proptest::prelude::*;
use tokio::time::{Instant, advance};

/// A current-thread runtime on a paused clock: a mock clock that moves only when told.
fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

/// Asserts that no window between two grants holds more than
/// `burst + (window + slack) / interval` of them, `interval = period / cells` exactly.
fn assert_within_bound(grants: &[u128], period_nanos: u128, cells: u128, burst: u128, slack: u128) {
    for i in 0..grants.len() {
        for j in i..grants.len() {
            let count = (j - i + 1) as u128;
            let window = grants[j] - grants[i] + slack;
            // count <= burst + window * cells / period
            assert!(
                count.saturating_sub(burst) * period_nanos <= window * cells,
                "{count} grants in {window} ns: more than {burst} + window / ({period_nanos} / {cells} ns)"
            );
        }
    }
}

fn quota_parts(period: Duration, cells: u32) -> (u128, u128) {
    (
        period.as_nanos().min(u128::from(u64::MAX)),
        u128::from(cells),
    )
}

/// A quota from its parts: `cells` per `period`, made through the public constructors.
fn quota_of(period_ms: Option<u64>, cells: u32, burst: u32) -> (Quota, Duration) {
    let period = match period_ms {
        Some(ms) => Duration::from_millis(ms),
        None => Duration::MAX,
    };
    let quota = if cells == 1 {
        Quota::with_period(period)
    } else {
        // `per_second` etc. fix the period; scale it through `with_period` otherwise.
        match period_ms {
            Some(1_000) => Quota::per_second(cells),
            Some(60_000) => Quota::per_minute(cells),
            Some(3_600_000) => Quota::per_hour(cells),
            _ => Quota::with_period(period),
        }
    };
    (quota.allow_burst(burst), period)
}

fn arb_quota() -> impl Strategy<Value = (Quota, u128, u128, u128)> {
    let period = prop_oneof![
        Just(Some(1_000u64)),
        Just(Some(60_000)),
        Just(Some(3_600_000)),
        (1u64..=10_000_000_000_000).prop_map(Some),
        Just(None),
    ];
    let cells = prop_oneof![
        Just(1u32),
        1u32..=1_000,
        Just(u32::MAX),
        any::<u32>().prop_map(|c| c.max(1))
    ];
    let burst = prop_oneof![
        Just(1u32),
        1u32..=20,
        Just(3_000_000),
        Just(u32::MAX),
        any::<u32>().prop_map(|b| b.max(1))
    ];
    (period, cells, burst).prop_map(|(period_ms, cells, burst)| {
        let (quota, period) = quota_of(period_ms, cells, burst);
        // `with_period` is one cell per period.
        let cells = match period_ms {
            Some(1_000 | 60_000 | 3_600_000) => cells,
            _ => 1,
        };
        let (period_nanos, cells) = quota_parts(period, cells);
        (quota, period_nanos, cells, u128::from(burst))
    })
}

/// Gaps between checks: none (a burst of calls), sub-microsecond to hours.
fn arb_gaps() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(
        prop_oneof![
            Just(0u64),
            1u64..1_000,
            1_000u64..10_000_000,
            10_000_000u64..10_000_000_000_000
        ],
        1..120,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn check_never_grants_more_than_the_gcra_bound(
        (quota, period_nanos, cells, burst) in arb_quota(),
        gaps in arb_gaps(),
        calls_per_instant in 1usize..4,
    ) {
        let grants = paused_runtime().block_on(async {
            let start = Instant::now();
            let limiter = RateLimiter::new(quota);
            let mut grants = Vec::new();
            for gap in gaps {
                advance(Duration::from_nanos(gap)).await;
                for _ in 0..calls_per_instant {
                    if limiter.check().is_ok() {
                        grants.push(start.elapsed().as_nanos());
                    }
                }
            }
            grants
        });
        prop_assert!(!grants.is_empty(), "the first check always succeeds");
        assert_within_bound(&grants, period_nanos, cells, burst, 0);
    }

    #[test]
    fn waiters_and_checks_together_never_exceed_the_gcra_bound(
        (quota, period_nanos, cells, burst) in arb_quota(),
        gaps in prop::collection::vec(0u64..3_000_000, 1..40),
    ) {
        let grants = paused_runtime().block_on(async {
            let start = Instant::now();
            let limiter = RateLimiter::new(quota);
            let grants = Arc::new(Mutex::new(Vec::new()));
            let mut tasks = Vec::new();
            for (i, gap) in gaps.into_iter().enumerate() {
                advance(Duration::from_nanos(gap)).await;
                if i % 3 == 0 {
                    if limiter.check().is_ok() {
                        grants.lock().unwrap().push(start.elapsed().as_nanos());
                    }
                } else {
                    let limiter = limiter.clone();
                    let grants = Arc::clone(&grants);
                    tasks.push(tokio::spawn(async move {
                        // Waits for slow quotas are cut short: the bound is about
                        // what was granted.
                        let waited = tokio::time::timeout(Duration::from_secs(5), limiter.until_ready()).await;
                        if waited.is_ok() {
                            grants.lock().unwrap().push(start.elapsed().as_nanos());
                        }
                    }));
                }
            }
            for task in tasks {
                task.await.unwrap();
            }
            let mut grants = grants.lock().unwrap().clone();
            grants.sort_unstable();
            grants
        });
        // Waiters are woken on tokio's timer, up to a millisecond after their cell is
        // free, and charged from when they take it: the grants themselves keep the bound.
        assert_within_bound(&grants, period_nanos, cells, burst, 0);
    }
}

#[tokio::test(start_paused = true)]
async fn the_longest_period_gives_its_burst_and_nothing_more() {
    let limiter = RateLimiter::new(Quota::with_period(Duration::MAX).allow_burst(2));
    let granted = (0..1_000_000).filter(|_| limiter.check().is_ok()).count();
    assert_eq!(granted, 2);
    advance(Duration::from_secs(86_400 * 365 * 100)).await;
    assert!(limiter.check().is_err());
}

#[tokio::test(start_paused = true)]
async fn three_hundred_years_apart_gives_its_burst_and_nothing_more() {
    let limiter = RateLimiter::new(
        Quota::with_period(Duration::from_secs(300 * 365 * 86_400)).allow_burst(2),
    );
    let granted = (0..10_000).filter(|_| limiter.check().is_ok()).count();
    assert_eq!(granted, 2);
}

#[tokio::test(start_paused = true)]
async fn a_burst_longer_than_the_clock_is_given_exactly() {
    // 3,000,000 hours of burst: 342 years of cells, all at once, then none.
    let limiter = RateLimiter::new(Quota::per_hour(1).allow_burst(3_000_000));
    let granted = (0..5_000_000).filter(|_| limiter.check().is_ok()).count();
    assert_eq!(granted, 3_000_000);
    advance(Duration::from_secs(3_599)).await;
    assert!(limiter.check().is_err());
    advance(Duration::from_secs(1)).await;
    assert!(limiter.check().is_ok());
    assert!(limiter.check().is_err());
}

#[tokio::test(start_paused = true)]
async fn an_idle_spell_at_a_fine_rate_does_not_come_back_as_a_burst() {
    // 100,000/s, burst 1: cells 10 µs apart. After 0.9 ms of idleness, GCRA allows one.
    let limiter = RateLimiter::new(Quota::per_second(100_000));
    limiter.check().unwrap();
    advance(Duration::from_micros(900)).await;
    let granted = (0..1_000).filter(|_| limiter.check().is_ok()).count();
    assert_eq!(granted, 1);
    advance(Duration::from_micros(10)).await;
    assert!(limiter.check().is_ok());
    assert!(limiter.check().is_err());
}

#[test]
fn the_replenish_interval_of_a_limiting_quota_is_never_zero() {
    assert_eq!(
        Quota::per_second(u32::MAX).replenish_interval(),
        Duration::from_nanos(1)
    );
    assert_eq!(
        Quota::per_second(1_000_000_000).replenish_interval(),
        Duration::from_nanos(1)
    );
    assert_eq!(
        Quota::per_second(3).replenish_interval(),
        Duration::from_nanos(333_333_333)
    );
}

// ---------------------------------------------------------------- keyed limits

#[tokio::test(start_paused = true)]
async fn each_key_has_its_own_budget() {
    let per_host = KeyedRateLimiter::new(Quota::per_second(10).allow_burst(2));
    for host in ["a", "b", "c"] {
        assert!(per_host.check(&host).is_ok());
        assert!(per_host.check(&host).is_ok());
        assert_eq!(
            per_host.check(&host).unwrap_err().wait_time(),
            Duration::from_millis(100)
        );
    }
    assert_eq!(per_host.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn waiters_on_one_key_keep_its_rate_and_do_not_hold_up_other_keys() {
    let start = Instant::now();
    let per_host = KeyedRateLimiter::new(Quota::per_second(4));
    let mut a = Vec::new();
    for _ in 0..3 {
        per_host.until_ready(&"a").await;
        a.push(start.elapsed());
    }
    assert_eq!(
        a,
        [
            Duration::ZERO,
            Duration::from_millis(250),
            Duration::from_millis(500)
        ]
    );
    per_host.until_ready(&"b").await;
    assert_eq!(start.elapsed(), Duration::from_millis(500));
    // A stream throttled by one key's limiter shares that key's budget.
    let items: Vec<u8> = futures::stream::iter([1, 2])
        .throttle(per_host.limiter(&"a"))
        .collect()
        .await;
    assert_eq!(items, [1, 2]);
    assert_eq!(start.elapsed(), Duration::from_millis(1_000));
}

#[tokio::test(start_paused = true)]
async fn idle_keys_are_forgotten_and_busy_ones_kept() {
    let limiter = KeyedRateLimiter::new(Quota::per_second(1));
    for key in 0..1_000u32 {
        limiter.check(&key).unwrap();
    }
    // Spent budgets are remembered: forgetting them would hand out fresh bursts.
    limiter.retain_recent();
    assert_eq!(limiter.len(), 1_000);
    advance(Duration::from_secs(1)).await;
    let held = limiter.limiter(&7);
    limiter.retain_recent();
    assert_eq!(
        limiter.len(),
        1,
        "only the key whose limiter is held is kept"
    );
    drop(held);
    // Growth alone sweeps too: new keys once the map has doubled drop the idle ones.
    advance(Duration::from_secs(1)).await;
    for key in 1_000..1_200u32 {
        limiter.check(&key).unwrap();
    }
    assert!(limiter.len() <= 200, "{}", limiter.len());
    // A forgotten key starts with a full budget, which is what it had.
    assert!(limiter.check(&7).is_ok());
}

// ---------------------------------------------------------------- bad arguments

/// Runs `f`, which must panic; returns the panic's file and message.
fn panic_site(f: impl FnOnce() + std::panic::UnwindSafe) -> (String, String) {
    static SEEN: Mutex<Vec<(std::thread::ThreadId, String, String)>> = Mutex::new(Vec::new());
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info
                .location()
                .map(Location::file)
                .unwrap_or_default()
                .to_owned();
            let message = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| {
                    info.payload()
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                })
                .unwrap_or_default();
            SEEN.lock().unwrap_or_else(|e| e.into_inner()).push((
                std::thread::current().id(),
                file,
                message,
            ));
            previous(info);
        }));
    });
    assert!(std::panic::catch_unwind(f).is_err(), "expected a panic");
    let me = std::thread::current().id();
    let seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let (_, file, message) = seen
        .iter()
        .rev()
        .find(|(id, ..)| *id == me)
        .unwrap()
        .clone();
    (file, message)
}

#[test]
fn bad_arguments_panic_at_the_callers_line_naming_the_method() {
    type Case = Box<dyn FnOnce() + std::panic::UnwindSafe>;
    let cases: Vec<(&str, Case)> = vec![
        ("Quota::per_second", Box::new(|| _ = Quota::per_second(0))),
        ("Quota::per_minute", Box::new(|| _ = Quota::per_minute(0))),
        ("Quota::per_hour", Box::new(|| _ = Quota::per_hour(0))),
        (
            "Quota::with_period",
            Box::new(|| _ = Quota::with_period(Duration::ZERO)),
        ),
        (
            "Quota::allow_burst",
            Box::new(|| _ = Quota::per_second(1).allow_burst(0)),
        ),
        (
            "StreamTimeExt::sample",
            Box::new(|| drop(futures::stream::iter([1]).sample(Duration::ZERO))),
        ),
        (
            "StreamTimeExt::timeout_each",
            Box::new(|| drop(futures::stream::iter([1]).timeout_each(Duration::ZERO))),
        ),
    ];
    for (method, case) in cases {
        let (file, message) = panic_site(case);
        assert_eq!(file, file!(), "{method} panicked at {file}");
        assert!(
            message.starts_with(method),
            "{message:?} should name {method}"
        );
    }
}
