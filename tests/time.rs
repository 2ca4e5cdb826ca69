//! Rate limiting, throttling and timeouts, on tokio's paused clock: every test asserts
//! the exact instants a user would observe.
#![cfg(feature = "time")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncgen::prelude::*;
use asyncgen::{Quota, RateLimiter};
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Milliseconds since `start`, exact to the nanosecond (panics if not whole).
fn at_ms(start: Instant) -> u64 {
    let elapsed = start.elapsed();
    assert_eq!(
        elapsed.subsec_nanos() % 1_000_000,
        0,
        "not a whole ms: {elapsed:?}"
    );
    u64::try_from(elapsed.as_millis()).unwrap()
}

// ---------------------------------------------------------------- Quota / RateLimiter

#[tokio::test(start_paused = true)]
async fn ten_per_second_comes_every_100ms() {
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(10));
    let mut times = Vec::new();
    for _ in 0..6 {
        limiter.until_ready().await;
        times.push(at_ms(start));
    }
    assert_eq!(times, [0, 100, 200, 300, 400, 500]);
}

#[tokio::test(start_paused = true)]
async fn burst_at_once_then_the_steady_rate() {
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(10).allow_burst(5));
    let mut times = Vec::new();
    for _ in 0..8 {
        limiter.until_ready().await;
        times.push(at_ms(start));
    }
    assert_eq!(times, [0, 0, 0, 0, 0, 100, 200, 300]);
}

#[tokio::test(start_paused = true)]
async fn burst_refills_after_a_quiet_spell() {
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(10).allow_burst(3));
    for _ in 0..3 {
        limiter.until_ready().await;
    }
    assert_eq!(at_ms(start), 0);
    sleep(ms(1_000)).await;
    // Idle time beyond the burst is not credited: three at once, then 100 ms apart.
    let mut times = Vec::new();
    for _ in 0..5 {
        limiter.until_ready().await;
        times.push(at_ms(start));
    }
    assert_eq!(times, [1_000, 1_000, 1_000, 1_100, 1_200]);
}

#[tokio::test(start_paused = true)]
async fn a_thousand_at_a_thousand_per_second_end_at_999ms() {
    assert_eq!(
        one_task_takes(Quota::per_second(1_000), 1_000).await,
        ms(999)
    );
}

/// How long one task takes to get `cells` cells, one after another, from a new limiter.
async fn one_task_takes(quota: Quota, cells: u32) -> Duration {
    let start = Instant::now();
    let limiter = RateLimiter::new(quota);
    for _ in 0..cells {
        limiter.until_ready().await;
    }
    start.elapsed()
}

#[tokio::test(start_paused = true)]
async fn a_waiter_woken_late_by_the_timer_is_charged_from_when_it_takes_its_cell() {
    // 3/s, burst 1: a cell is free 333.33 ms after the last was taken, and tokio's timer
    // wakes on whole milliseconds, so each cell comes 334 ms after the last: never two
    // closer than the quota allows, at the cost of 0.67 ms per cell.
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(3));
    for k in 0..10_000u64 {
        limiter.until_ready().await;
        assert_eq!(start.elapsed(), ms(334 * k), "cell {k}");
    }
}

#[tokio::test(start_paused = true)]
async fn no_drift_three_per_second_when_the_burst_covers_a_timer_tick() {
    // With a burst of 2, a waiter woken up to a millisecond late takes a cell that is
    // charged on schedule: after the burst, cell k is due at (k - 1) / 3 s, delivered on
    // the next whole millisecond, for ten thousand cells.
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(3).allow_burst(2));
    limiter.until_ready().await;
    for k in 0..10_000u64 {
        limiter.until_ready().await;
        let due_ns = (k * 1_000_000_000).div_ceil(3);
        assert_eq!(
            start.elapsed(),
            Duration::from_millis(due_ns.div_ceil(1_000_000)),
            "cell {}",
            k + 1
        );
    }
    assert_eq!(start.elapsed(), Duration::from_secs(3_333));
}

#[tokio::test(start_paused = true)]
async fn no_drift_seven_per_minute_when_the_burst_covers_a_timer_tick() {
    // 60/7 s = 8571.428571... ms apart: after the burst of two, cell 701 is due at
    // exactly 6000 s.
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_minute(7).allow_burst(2));
    for _ in 0..=701 {
        limiter.until_ready().await;
    }
    assert_eq!(start.elapsed(), Duration::from_secs(6_000));
}

#[tokio::test(start_paused = true)]
async fn four_tasks_sharing_a_limiter_take_as_long_as_one() {
    let limiter = RateLimiter::new(Quota::per_second(20));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let limiter = limiter.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..25 {
                limiter.until_ready().await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let shared = start.elapsed();

    let alone = RateLimiter::new(Quota::per_second(20));
    let start = Instant::now();
    for _ in 0..100 {
        alone.until_ready().await;
    }
    assert_eq!(shared, start.elapsed());
    assert_eq!(shared, ms(99 * 50));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn threads_never_exceed_the_budget() {
    // Real threads, real clock: a huge burst and a slow rate, so exactly `burst` cells
    // can be taken however the threads interleave.
    let limiter = RateLimiter::new(Quota::per_hour(1).allow_burst(1_000));
    let taken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut threads = Vec::new();
    for _ in 0..4 {
        let limiter = limiter.clone();
        let taken = taken.clone();
        threads.push(std::thread::spawn(move || {
            for _ in 0..10_000 {
                if limiter.check().is_ok() {
                    taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(taken.load(std::sync::atomic::Ordering::Relaxed), 1_000);
}

#[tokio::test(start_paused = true)]
async fn waiters_are_served_in_arrival_order() {
    let limiter = RateLimiter::new(Quota::per_second(10));
    limiter.until_ready().await; // the burst is spent
    let start = Instant::now();
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..5u64 {
        let limiter = limiter.clone();
        let order = order.clone();
        tasks.push(tokio::spawn(async move {
            limiter.until_ready().await;
            order.lock().unwrap().push((i, at_ms(start)));
        }));
        // Each task starts waiting before the next one is spawned.
        tokio::task::yield_now().await;
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        *order.lock().unwrap(),
        [(0, 100), (1, 200), (2, 300), (3, 400), (4, 500)]
    );
}

#[tokio::test(start_paused = true)]
async fn a_newcomer_does_not_jump_the_queue() {
    // 3/s: the next cell is free at 333.33 ms, but tokio's timer wakes the waiter only
    // at 334 ms. In between, `check` must not take the cell from under it.
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(3));
    limiter.check().unwrap();
    let waiter = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            limiter.until_ready().await;
            start.elapsed()
        }
    });
    tokio::task::yield_now().await;
    tokio::time::advance(Duration::from_nanos(333_500_000)).await;
    assert!(!waiter.is_finished());
    // Its cell is due; the newcomer's is the one after.
    let refused = limiter.check().unwrap_err();
    assert_eq!(
        refused.earliest_possible(),
        start + Duration::from_nanos(666_833_334)
    );
    tokio::time::advance(Duration::from_nanos(500_000)).await;
    assert_eq!(waiter.await.unwrap(), ms(334));
    // The waiter was charged from when it took its cell: the next is free 333.33 ms later.
    assert_eq!(
        limiter.check().unwrap_err().earliest_possible(),
        start + Duration::from_nanos(667_333_334)
    );
}

#[tokio::test(start_paused = true)]
async fn a_dropped_waiter_gives_its_turn_back() {
    let limiter = RateLimiter::new(Quota::per_second(10));
    limiter.until_ready().await;
    let start = Instant::now();

    // First in line, but gives up after 30 ms.
    let quitter = tokio::spawn({
        let limiter = limiter.clone();
        async move { tokio::time::timeout(ms(30), limiter.until_ready()).await }
    });
    tokio::task::yield_now().await;
    let patient = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            limiter.until_ready().await;
            at_ms(start)
        }
    });
    tokio::task::yield_now().await;
    let last = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            limiter.until_ready().await;
            at_ms(start)
        }
    });

    assert!(quitter.await.unwrap().is_err());
    // The quitter took no cell: the others get 100 ms and 200 ms.
    assert_eq!(patient.await.unwrap(), 100);
    assert_eq!(last.await.unwrap(), 200);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_waiter_in_the_middle_does_not_block() {
    let limiter = RateLimiter::new(Quota::per_second(10));
    limiter.until_ready().await;
    let start = Instant::now();
    let first = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            limiter.until_ready().await;
            at_ms(start)
        }
    });
    tokio::task::yield_now().await;
    let middle = tokio::spawn({
        let limiter = limiter.clone();
        async move { limiter.until_ready().await }
    });
    tokio::task::yield_now().await;
    let third = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            limiter.until_ready().await;
            at_ms(start)
        }
    });
    tokio::task::yield_now().await;
    middle.abort();
    assert!(middle.await.unwrap_err().is_cancelled());
    assert_eq!(first.await.unwrap(), 100);
    assert_eq!(third.await.unwrap(), 200);
    // And the queue is empty again: the fast path works.
    sleep(ms(100)).await;
    assert!(limiter.check().is_ok());
}

#[tokio::test(start_paused = true)]
async fn check_says_how_long_to_wait() {
    let limiter = RateLimiter::new(Quota::with_period(ms(250)).allow_burst(2));
    assert!(limiter.check().is_ok());
    assert!(limiter.check().is_ok());
    let refused = limiter.check().unwrap_err();
    assert_eq!(refused.wait_time(), ms(250));
    sleep(ms(100)).await;
    assert_eq!(limiter.check().unwrap_err().wait_time(), ms(150));
    sleep(ms(150)).await;
    assert!(limiter.check().is_ok());
    assert!(limiter.check().is_err());
    assert_eq!(
        limiter.check().unwrap_err().to_string(),
        "rate limited: next cell in 250ms"
    );
}

#[test]
fn limiter_is_send_sync_static_debug_clone() {
    fn assert_traits<T: Send + Sync + 'static + std::fmt::Debug + Clone>() {}
    assert_traits::<RateLimiter>();
    fn assert_send<T: Send>(_: &T) {}
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let limiter: RateLimiter = Quota::per_second(1).into();
        assert_send(&limiter.until_ready());
        assert!(format!("{limiter:?}").contains("RateLimiter"));
    });
}

#[test]
#[should_panic(expected = "at least 1")]
fn zero_per_second_panics() {
    let _ = Quota::per_second(0);
}

#[test]
#[should_panic(expected = "at least 1")]
fn zero_per_minute_panics() {
    let _ = Quota::per_minute(0);
}

#[test]
#[should_panic(expected = "longer than zero")]
fn zero_period_panics() {
    let _ = Quota::with_period(Duration::ZERO);
}

#[test]
#[should_panic(expected = "burst must be at least 1")]
fn zero_burst_panics() {
    let _ = Quota::per_second(1).allow_burst(0);
}

#[tokio::test(start_paused = true)]
async fn extreme_quotas_do_not_overflow() {
    let fast = RateLimiter::new(Quota::per_second(u32::MAX).allow_burst(u32::MAX));
    for _ in 0..1_000 {
        assert!(fast.check().is_ok());
    }
    let slow = RateLimiter::new(Quota::with_period(Duration::MAX).allow_burst(u32::MAX));
    for _ in 0..1_000 {
        assert!(slow.check().is_ok());
    }
    let once = RateLimiter::new(Quota::with_period(Duration::MAX));
    assert!(once.check().is_ok());
    assert!(once.check().unwrap_err().wait_time() > Duration::from_secs(86_400 * 365));
}

// ---------------------------------------------------------------- stream adapters

/// Items at the given instants (ms after `start`).
fn arrivals<T>(start: Instant, plan: Vec<(u64, T)>) -> impl Stream<Item = T> {
    futures::stream::iter(plan).then(move |(at, x)| async move {
        tokio::time::sleep_until(start + ms(at)).await;
        x
    })
}

/// Each item with the ms at which it came out.
async fn timed<S: Stream>(start: Instant, stream: S) -> Vec<(S::Item, u64)> {
    stream.map(|x| (x, at_ms(start))).collect().await
}

#[tokio::test(start_paused = true)]
async fn throttle_delays_each_item_to_its_cell() {
    let start = Instant::now();
    let got = timed(
        start,
        futures::stream::iter(0..5).throttle(Quota::per_second(10)),
    )
    .await;
    assert_eq!(got, [(0, 0), (1, 100), (2, 200), (3, 300), (4, 400)]);
}

#[tokio::test(start_paused = true)]
async fn throttle_does_not_delay_items_slower_than_the_rate() {
    let start = Instant::now();
    let slow = arrivals(start, vec![(300, 'a'), (600, 'b'), (650, 'c')]);
    let got = timed(start, slow.throttle(Quota::per_second(10))).await;
    // 'c' came 50 ms after 'b': it waits for its cell at 700 ms.
    assert_eq!(got, [('a', 300), ('b', 600), ('c', 700)]);
}

#[tokio::test(start_paused = true)]
async fn throttle_does_not_poll_the_inner_stream_ahead() {
    let produced = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = produced.clone();
    let source = futures::stream::iter(0..10).map(move |x| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        x
    });
    let mut throttled = Box::pin(source.throttle(Quota::per_second(1)));
    let mut received = 0;
    while throttled.next().await.is_some() {
        received += 1;
        // One item may be held waiting for its cell, never more.
        assert_eq!(produced.load(std::sync::atomic::Ordering::SeqCst), received);
        if received == 3 {
            break;
        }
    }
    // Half a second into the wait for the fourth cell: it pulled exactly one more.
    assert!(
        tokio::time::timeout(ms(500), throttled.next())
            .await
            .is_err()
    );
    assert_eq!(produced.load(std::sync::atomic::Ordering::SeqCst), 4);
}

#[tokio::test(start_paused = true)]
async fn throttled_streams_share_a_limiter() {
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(10));
    let a = futures::stream::iter(0..5).throttle(&limiter);
    let b = futures::stream::iter(5..10).throttle(limiter.clone());
    let got = timed(start, futures::stream::select(a, b)).await;
    let times: Vec<u64> = got.iter().map(|&(_, t)| t).collect();
    assert_eq!(times, (0..10).map(|k| k * 100).collect::<Vec<_>>());
    let mut items: Vec<i32> = got.iter().map(|&(x, _)| x).collect();
    items.sort_unstable();
    assert_eq!(items, (0..10).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn a_dropped_throttle_gives_its_turn_back() {
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(10));
    limiter.until_ready().await;
    let mut throttled = Box::pin(futures::stream::iter([1]).throttle(&limiter));
    // Queued for the cell at 100 ms, then dropped at 50 ms.
    assert!(
        tokio::time::timeout(ms(50), throttled.next())
            .await
            .is_err()
    );
    drop(throttled);
    limiter.until_ready().await;
    assert_eq!(at_ms(start), 100);
    limiter.until_ready().await;
    assert_eq!(at_ms(start), 200);
}

#[tokio::test(start_paused = true)]
async fn throttle_ends_with_the_inner_stream_and_stays_ended() {
    let mut throttled = Box::pin(futures::stream::iter([1, 2]).throttle(Quota::per_second(1)));
    assert!(!throttled.is_terminated());
    assert_eq!(throttled.next().await, Some(1));
    assert_eq!(throttled.next().await, Some(2));
    assert_eq!(throttled.next().await, None);
    assert!(throttled.is_terminated());
    assert_eq!(throttled.next().await, None);
}

#[tokio::test(start_paused = true)]
async fn space_out_keeps_a_minimum_gap_and_does_not_delay_the_first() {
    let start = Instant::now();
    let got = timed(start, futures::stream::iter(0..4).space_out(ms(100))).await;
    assert_eq!(got, [(0, 0), (1, 100), (2, 200), (3, 300)]);

    let start = Instant::now();
    let source = arrivals(start, vec![(50, 'a'), (300, 'b'), (320, 'c'), (330, 'd')]);
    let got = timed(start, source.space_out(ms(100))).await;
    // The gap counts from when the previous item went out.
    assert_eq!(got, [('a', 50), ('b', 300), ('c', 400), ('d', 500)]);
}

#[tokio::test(start_paused = true)]
async fn timeout_each_reports_each_long_wait_and_goes_on() {
    let start = Instant::now();
    let source = arrivals(start, vec![(50, 1), (320, 2), (330, 3)]);
    let got = timed(start, source.timeout_each(ms(100))).await;
    let got: Vec<(Result<i32, Duration>, u64)> = got
        .into_iter()
        .map(|(r, t)| (r.map_err(|e| e.limit()), t))
        .collect();
    assert_eq!(
        got,
        [
            (Ok(1), 50),
            (Err(ms(100)), 150),
            (Err(ms(100)), 250),
            (Ok(2), 320),
            (Ok(3), 330),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn timeout_each_lets_an_item_ready_at_the_limit_win() {
    let start = Instant::now();
    let source = arrivals(start, vec![(100, 'x')]);
    let got = timed(start, source.timeout_each(ms(100))).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, Ok('x'));
    assert_eq!(got[0].1, 100);
}

#[tokio::test(start_paused = true)]
async fn deadline_cuts_the_stream_with_one_error() {
    let start = Instant::now();
    let source = arrivals(start, vec![(100, 1), (900, 2), (1_100, 3)]);
    let mut stream = Box::pin(source.deadline(ms(1_000)));
    assert_eq!(stream.next().await, Some(Ok(1)));
    assert_eq!(stream.next().await, Some(Ok(2)));
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(at_ms(start), 1_000);
    assert_eq!(err.limit(), ms(1_000));
    assert_eq!(err.to_string(), "timed out: 1s passed");
    assert!(stream.is_terminated());
    assert_eq!(stream.next().await, None);
    assert_eq!(at_ms(start), 1_000);
}

#[tokio::test(start_paused = true)]
async fn deadline_counts_from_the_first_poll_and_ends_cleanly_in_time() {
    let source = futures::stream::iter([1, 2, 3]).deadline(ms(100));
    sleep(ms(500)).await; // built long before it is polled
    let got: Vec<_> = source.collect().await;
    assert_eq!(got, [Ok(1), Ok(2), Ok(3)]);
}

#[tokio::test(start_paused = true)]
async fn deadline_wins_over_an_item_at_the_same_instant() {
    let start = Instant::now();
    let got: Vec<_> = arrivals(start, vec![(100, 1)])
        .deadline(ms(100))
        .collect()
        .await;
    assert_eq!(got.len(), 1);
    assert!(got[0].is_err());
}

#[tokio::test(start_paused = true)]
async fn sample_emits_the_latest_item_per_tick() {
    let start = Instant::now();
    let plan = vec![(10, 1), (40, 2), (100, 3), (150, 4), (450, 5), (470, 6)];
    let got = timed(start, arrivals(start, plan).sample(ms(100))).await;
    // Tick 100: 3 (arrived at the tick itself); 200: 4; 300 and 400: nothing new;
    // 500 never comes: the end at 470 flushes 6.
    assert_eq!(got, [(3, 100), (4, 200), (6, 470)]);
}

#[tokio::test(start_paused = true)]
async fn sample_stays_on_its_grid() {
    let start = Instant::now();
    let plan: Vec<(u64, u64)> = (1..=1_000).map(|k| (k * 7, k)).collect();
    let got = timed(start, arrivals(start, plan).sample(ms(100))).await;
    // Ticks at exactly k * 100 ms, each with the last item (7 ms apart) before it.
    for (i, &(x, t)) in got.iter().enumerate().take(69) {
        let tick = (i as u64 + 1) * 100;
        assert_eq!((x, t), (tick / 7, tick));
    }
    assert_eq!(got.last(), Some(&(1_000, 7_000)));
    assert_eq!(got.len(), 70);
}

#[tokio::test(start_paused = true)]
async fn sample_of_nothing_is_nothing() {
    let got: Vec<i32> = futures::stream::empty::<i32>()
        .sample(ms(100))
        .collect()
        .await;
    assert!(got.is_empty());
}

#[tokio::test(start_paused = true)]
async fn debounce_emits_after_quiet_and_flushes_at_the_end() {
    let start = Instant::now();
    let plan = vec![
        (0, 'a'),
        (30, 'b'),
        (60, 'c'),
        (200, 'd'),
        (249, 'e'),
        (400, 'f'),
    ];
    let got = timed(start, arrivals(start, plan).debounce(ms(50))).await;
    // 'c' settles at 110; 'e' at 299; 'f' is flushed when the stream ends at 400.
    assert_eq!(got, [('c', 110), ('e', 299), ('f', 400)]);
}

#[tokio::test(start_paused = true)]
async fn debounce_an_item_at_the_end_of_the_quiet_supersedes() {
    let start = Instant::now();
    let plan = vec![(0, 1), (50, 2), (300, 3)];
    let mut stream = Box::pin(
        arrivals(start, plan)
            .chain(futures::stream::pending())
            .debounce(ms(50)),
    );
    assert_eq!(stream.next().await, Some(2));
    assert_eq!(at_ms(start), 100);
    assert_eq!(stream.next().await, Some(3));
    assert_eq!(at_ms(start), 350);
}

#[test]
#[should_panic(expected = "longer than zero")]
fn timeout_each_zero_panics() {
    let _ = futures::stream::iter([1]).timeout_each(Duration::ZERO);
}

#[test]
#[should_panic(expected = "longer than zero")]
fn sample_zero_panics() {
    let _ = futures::stream::iter([1]).sample(Duration::ZERO);
}

#[test]
fn adapters_can_be_built_outside_a_runtime() {
    let quota = Quota::per_second(1);
    let _ = futures::stream::iter([1]).throttle(quota);
    let _ = futures::stream::iter([1]).space_out(ms(1));
    let _ = futures::stream::iter([1]).timeout_each(ms(1));
    let _ = futures::stream::iter([1]).deadline(ms(1));
    let _ = futures::stream::iter([1]).sample(ms(1));
    let _ = futures::stream::iter([1]).debounce(ms(1));
}

#[tokio::test(start_paused = true)]
async fn many_dropped_waiters_leave_the_rest_in_order() {
    let limiter = RateLimiter::new(Quota::per_second(10));
    limiter.until_ready().await;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..10u64 {
        let limiter = limiter.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                // Gives up at 50 ms, before any cell came.
                tokio::time::timeout(ms(50), limiter.until_ready())
                    .await
                    .map(|()| at_ms(start))
                    .ok()
            } else {
                limiter.until_ready().await;
                Some(at_ms(start))
            }
        }));
        tokio::task::yield_now().await;
    }
    let mut got = Vec::new();
    for t in tasks {
        got.push(t.await.unwrap());
    }
    let expected: Vec<Option<u64>> = (0..10)
        .map(|i| (i % 2 == 1).then_some((i as u64 / 2 + 1) * 100))
        .collect();
    assert_eq!(got, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn threads_waiting_and_giving_up_all_finish() {
    // Real threads: no lost wake-ups and no stuck queue when waiters come and go at
    // once. Only completion is asserted; the guard turns a hang into a failure.
    let limiter = RateLimiter::new(Quota::per_second(20_000).allow_burst(5));
    let granted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for task in 0..16u32 {
        let limiter = limiter.clone();
        let granted = granted.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..50u32 {
                if (task + round) % 5 == 0 {
                    let quick =
                        tokio::time::timeout(Duration::from_micros(1), limiter.until_ready());
                    if quick.await.is_ok() {
                        granted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                } else {
                    limiter.until_ready().await;
                    granted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }));
    }
    let all = futures::future::join_all(tasks);
    let finished = tokio::time::timeout(Duration::from_secs(60), all).await;
    for t in finished.expect("waiters stuck") {
        t.unwrap();
    }
    let granted = granted.load(std::sync::atomic::Ordering::Relaxed);
    assert!((640..=800).contains(&granted), "{granted}");
    // The queue is empty again: with the clock far past, a cell is free at once.
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(limiter.check().is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_rate_without_an_exact_tick_lands_on_whole_seconds() {
    // 1/17 s is not a multiple of 1/16 ns: the interval is rounded up, so after the burst
    // of two, cell 17k + 1 is due a fraction of a nanosecond after k seconds, never
    // before, and tokio's timer delivers it on the next millisecond.
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(17).allow_burst(2));
    limiter.until_ready().await;
    limiter.until_ready().await;
    for k in 1..=10u64 {
        for _ in 0..17 {
            limiter.until_ready().await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(k) + ms(1));
    }
}

#[tokio::test(start_paused = true)]
async fn lossy_adapters_over_an_always_ready_stream_keep_the_last_item() {
    // More items than one poll takes: the adapters yield to the runtime and carry on.
    let start = Instant::now();
    let sampled = timed(start, futures::stream::iter(0..1_000).sample(ms(100))).await;
    assert_eq!(sampled, [(999, 0)]);
    let debounced = timed(start, futures::stream::iter(0..1_000).debounce(ms(100))).await;
    assert_eq!(debounced, [(999, 0)]);
}

#[tokio::test(start_paused = true)]
async fn an_unpolled_waiter_at_the_head_does_not_release_a_burst_when_it_resumes() {
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(10));
    limiter.check().unwrap();
    let mut held = Box::pin(futures::stream::iter([1]).throttle(&limiter));
    assert!(futures::poll!(held.next()).is_pending());
    let served = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut waiters = Vec::new();
    for _ in 0..3 {
        let limiter = limiter.clone();
        let served = Arc::clone(&served);
        waiters.push(tokio::spawn(async move {
            limiter.until_ready().await;
            served.lock().unwrap().push(start.elapsed().as_millis());
        }));
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(
        served.lock().unwrap().is_empty(),
        "the head keeps its place in line"
    );
    assert_eq!(held.next().await, Some(1));
    for waiter in waiters {
        waiter.await.unwrap();
    }
    // The resumed head takes its cell at 5 s, charged from then: the rate holds.
    assert_eq!(*served.lock().unwrap(), [5_100, 5_200, 5_300]);
}

#[tokio::test(start_paused = true)]
async fn one_task_keeps_up_with_a_rate_finer_than_the_timer_given_a_tick_of_burst() {
    // 10,000/s with a burst of one timer tick (10 cells): ten at once, then ten each
    // millisecond, the last at 99 ms: exactly the bound, 10 + 99 ms / 0.1 ms.
    assert_eq!(
        one_task_takes(Quota::per_second(10_000).allow_burst(10), 1_000).await,
        ms(99)
    );
}

#[tokio::test(start_paused = true)]
async fn one_task_without_burst_never_runs_ahead_of_a_rate_finer_than_the_timer() {
    // Burst 1: each cell is charged from when it is taken, and tokio's timer wakes the
    // task once a millisecond, so it takes one cell a tick: never more than the quota
    // allows, and as much as a timer of that resolution can deliver without a burst.
    let took = one_task_takes(Quota::per_second(10_000), 1_000).await;
    assert_eq!(took, ms(999));
}

#[tokio::test(start_paused = true)]
async fn throttle_keeps_up_with_a_rate_finer_than_the_timer() {
    // 3,000/s with a burst of three (one timer tick): the last of 3,000 items is due at
    // 999 ms.
    let start = Instant::now();
    let count = futures::stream::iter(0..3_000)
        .throttle(Quota::per_second(3_000).allow_burst(3))
        .count()
        .await;
    assert_eq!(count, 3_000);
    assert_eq!(start.elapsed(), ms(999));
}

/// Starts `n` tasks that each wait for a cell of `limiter`: when each got it, in order of
/// starting.
async fn waiters_finish(limiter: &RateLimiter, start: Instant, n: usize) -> Vec<Duration> {
    let waiters: Vec<_> = (0..n)
        .map(|_| {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                limiter.until_ready().await;
                start.elapsed()
            })
        })
        .collect();
    let mut finished = Vec::new();
    for waiter in waiters {
        finished.push(waiter.await.unwrap());
    }
    finished
}

#[tokio::test(start_paused = true)]
async fn waiters_keep_up_with_a_rate_finer_than_the_timer_given_a_tick_of_burst() {
    // 10,000/s: cells every 0.1 ms, a timer that wakes once a millisecond, and a burst
    // of ten (one tick's worth).
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(10_000).allow_burst(10));
    limiter.check().unwrap();
    let finished = waiters_finish(&limiter, start, 100).await;
    // The burst (the `check` and nine waiters) at once, then ten cells each
    // millisecond: exactly the bound, and the last at 10 ms.
    let at = |k: u64| finished.iter().filter(|&&t| t == ms(k)).count();
    assert_eq!(at(0), 9);
    for k in 1..=9 {
        assert_eq!(at(k), 10, "cells released at {k} ms");
    }
    assert_eq!(at(10), 1);
    assert_eq!(finished.iter().max(), Some(&ms(10)));
}

#[tokio::test(start_paused = true)]
async fn check_behind_a_late_waiter_never_says_wait_zero() {
    let limiter = RateLimiter::new(Quota::per_second(10));
    limiter.check().unwrap();
    let mut held = Box::pin(futures::stream::iter([1]).throttle(&limiter));
    assert!(futures::poll!(held.next()).is_pending());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let refused = limiter.check().unwrap_err();
    assert_eq!(refused.wait_time(), Duration::from_millis(100));
}

#[tokio::test(start_paused = true)]
async fn sample_keeps_its_grid_after_a_very_long_pause() {
    let (tx, rx) = futures::channel::mpsc::unbounded::<u32>();
    let mut sampled = Box::pin(rx.sample(Duration::from_micros(1)));
    assert!(futures::poll!(sampled.next()).is_pending());
    tokio::time::advance(Duration::from_secs(4_300)).await;
    tx.unbounded_send(1).unwrap();
    let first = tokio::time::timeout(Duration::from_secs(1), sampled.next()).await;
    assert_eq!(first, Ok(Some(1)));
    tx.unbounded_send(2).unwrap();
    let second = tokio::time::timeout(Duration::from_secs(1), sampled.next()).await;
    assert_eq!(second, Ok(Some(2)));
}

#[tokio::test(start_paused = true)]
async fn space_out_with_a_gap_beyond_the_clock_lets_only_the_first_item_through() {
    let mut spaced = Box::pin(futures::stream::iter([1, 2]).space_out(Duration::MAX));
    assert_eq!(spaced.next().await, Some(1));
    let second = tokio::time::timeout(Duration::from_secs(3_600), spaced.next()).await;
    assert!(
        second.is_err(),
        "the second item waits (practically) forever"
    );
}

#[cfg(feature = "quanta")]
mod quanta_clock {
    use super::*;

    #[test]
    fn a_burst_then_the_steady_rate_on_a_mock_clock() {
        let (clock, time) = quanta::Clock::mock();
        let limiter = RateLimiter::with_quanta_clock(Quota::per_second(10).allow_burst(5), clock);
        for _ in 0..5 {
            limiter.check().unwrap();
        }
        assert_eq!(limiter.check().unwrap_err().wait_time(), ms(100));
        time.increment(ms(60));
        assert_eq!(limiter.check().unwrap_err().wait_time(), ms(40));
        time.increment(ms(40));
        limiter.check().unwrap();
        assert_eq!(limiter.check().unwrap_err().wait_time(), ms(100));
        // A long pause refills the burst, and no more.
        time.increment(Duration::from_secs(60));
        for _ in 0..5 {
            limiter.check().unwrap();
        }
        assert!(limiter.check().is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_sleeps_on_tokio_for_the_time_quanta_says_is_left() {
        let start = Instant::now();
        let (clock, time) = quanta::Clock::mock();
        let limiter = RateLimiter::with_quanta_clock(Quota::per_second(10), clock);
        limiter.check().unwrap();
        let waiter = tokio::spawn({
            let limiter = limiter.clone();
            async move {
                limiter.until_ready().await;
                start.elapsed()
            }
        });
        // quanta's clock at 30 ms when the waiter first looks: it sleeps 70 ms on tokio's.
        // At 70 ms on tokio's clock, quanta's still says 30, so it sleeps 70 ms more.
        time.increment(ms(30));
        tokio::time::sleep(ms(100)).await;
        assert!(!waiter.is_finished());
        time.increment(ms(70));
        assert_eq!(waiter.await.unwrap(), ms(140));
    }

    #[test]
    fn on_the_real_counter_a_refusal_waits_one_interval_at_most() {
        let limiter = RateLimiter::with_quanta_clock(Quota::per_second(10), quanta::Clock::new());
        limiter.check().unwrap();
        let wait = limiter.check().unwrap_err().wait_time();
        // The second check comes a moment after the first (a descheduled thread can make
        // that moment long, hence the wide lower bound), and never waits more than the
        // interval.
        assert!(wait <= ms(100), "{wait:?}");
        assert!(wait > ms(50), "{wait:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn waiters_without_burst_at_a_rate_finer_than_the_timer_get_one_cell_per_tick() {
    // 10,000/s, burst 1: no two cells may come within 0.1 ms, and a timer that wakes once
    // a millisecond cannot place them closer than that, so queued waiters get one cell
    // per millisecond. (The quota's burst is what lets them keep up; see above.)
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(10_000));
    limiter.check().unwrap();
    let finished = waiters_finish(&limiter, start, 20).await;
    assert_eq!(finished, (1..=20).map(ms).collect::<Vec<_>>());
}
