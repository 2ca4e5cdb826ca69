//! `as_completed`, `gather`, `try_gather` and their spawned modes.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use asyncgen::prelude::*;
use asyncgen::{as_completed, gather, try_gather};
use futures::FutureExt as _;
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Counts how many futures are alive (created and not yet dropped) and the most ever
/// alive at once.
#[derive(Clone, Default)]
struct Census {
    alive: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

struct Member(Census);

impl Census {
    fn join(&self) -> Member {
        let now = self.alive.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Member(self.clone())
    }
    fn alive(&self) -> usize {
        self.alive.load(Ordering::SeqCst)
    }
    fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
    fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.0.alive.fetch_sub(1, Ordering::SeqCst);
        self.0.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// A future that counts its polls and lives (for the census) until it is dropped.
struct Tracked<F> {
    future: Pin<Box<F>>,
    polls: Arc<AtomicUsize>,
    _member: Member,
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        self.future.as_mut().poll(cx)
    }
}

fn tracked<F: Future>(census: &Census, polls: &Arc<AtomicUsize>, future: F) -> Tracked<F> {
    Tracked {
        future: Box::pin(future),
        polls: polls.clone(),
        _member: census.join(),
    }
}

async fn after(delay: u64, value: u64) -> u64 {
    sleep(ms(delay)).await;
    value
}

/// The message a panic carried, whether it was formatted (`String`) or a literal.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
}

/// Awaits `future` through a reference, so that it can be polled again afterwards, and
/// catches a panic as a user with `catch_unwind` would.
async fn await_catching<F: Future + Unpin>(
    future: &mut F,
) -> Result<F::Output, Box<dyn std::any::Any + Send>> {
    std::panic::AssertUnwindSafe(future).catch_unwind().await
}

const GATHER_POISONED: &str =
    "Gather polled after one of its futures (or its input iterator) panicked";
const TRY_GATHER_POISONED: &str =
    "TryGather polled after one of its futures (or its input iterator) panicked";

/// Awaits `gathered` again after a panic was caught from it: it must panic with `message`
/// rather than hand out its outputs with one missing.
async fn assert_poisoned<F>(gathered: &mut F, message: &str)
where
    F: Future + Unpin,
    F::Output: std::fmt::Debug,
{
    match await_catching(gathered).await {
        Ok(outputs) => panic!("returned {outputs:?} with an output missing"),
        Err(payload) => assert_eq!(panic_message(&*payload), Some(message)),
    }
}

/// Three jobs; the middle one panics on its first poll.
fn middle_job_panics() -> impl Iterator<Item = impl Future<Output = u64>> {
    (0..3u64).map(|n| async move {
        if n == 1 {
            panic!("job 1 fails");
        }
        n
    })
}

// ---------------------------------------------------------------- as_completed

#[tokio::test(start_paused = true)]
async fn as_completed_yields_in_completion_order_at_completion_instants() {
    let start = Instant::now();
    let mut done = as_completed([30, 10, 20].map(|d| after(d, d)));
    let mut seen = Vec::new();
    while let Some(value) = done.next().await {
        seen.push((value, start.elapsed()));
    }
    assert_eq!(seen, [(10, ms(10)), (20, ms(20)), (30, ms(30))]);
    assert!(done.is_terminated());
    assert_eq!(done.next().await, None);
}

#[tokio::test(start_paused = true)]
async fn indexed_reports_input_positions() {
    let done: Vec<(usize, u64)> = as_completed([30, 10, 20].map(|d| after(d, d * 2)))
        .indexed()
        .collect()
        .await;
    assert_eq!(done, [(1, 20), (2, 40), (0, 60)]);
}

#[tokio::test]
async fn empty_input_ends_at_once() {
    let futures: Vec<std::future::Ready<u8>> = Vec::new();
    let mut done = as_completed(futures);
    assert!(!done.is_terminated());
    assert_eq!(done.next().await, None);
    assert!(done.is_terminated());
}

#[tokio::test(start_paused = true)]
async fn limit_bounds_in_flight_and_refills_as_each_finishes() {
    let start = Instant::now();
    let started = Arc::new(std::sync::Mutex::new(Vec::new()));
    let jobs = [30, 10, 25, 14, 6]
        .into_iter()
        .enumerate()
        .map(|(index, delay)| {
            let started = started.clone();
            async move {
                started.lock().unwrap().push((index, start.elapsed()));
                sleep(ms(delay)).await;
            }
        });
    let mut done = as_completed(jobs).limit(2).indexed();
    let mut finished = Vec::new();
    while let Some((index, ())) = done.next().await {
        finished.push((index, start.elapsed()));
    }
    // Two slots: each job starts the instant another one finishes.
    let started = started.lock().unwrap().clone();
    assert_eq!(
        started,
        [
            (0, ms(0)),
            (1, ms(0)),
            (2, ms(10)),
            (3, ms(30)),
            (4, ms(35))
        ]
    );
    assert_eq!(
        finished,
        [
            (1, ms(10)),
            (0, ms(30)),
            (2, ms(35)),
            (4, ms(41)),
            (3, ms(44))
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn limit_pulls_an_endless_input_lazily() {
    let census = Census::default();
    let polls = Arc::new(AtomicUsize::new(0));
    let pulled = Arc::new(AtomicUsize::new(0));
    let input = (0u64..).map(|n| {
        pulled.fetch_add(1, Ordering::SeqCst);
        tracked(&census, &polls, after(10 + n % 3, n))
    });
    let mut done = as_completed(input).limit(4);
    let mut taken = Vec::new();
    for _ in 0..100 {
        taken.push(done.next().await.unwrap());
        assert!(census.alive() <= 4, "more than 4 futures alive");
    }
    assert_eq!(census.peak(), 4);
    // Each item frees one slot, refilled at once: 100 taken, 4 still running.
    assert_eq!(pulled.load(Ordering::SeqCst), 104);
    taken.sort();
    assert_eq!(taken[..3], [0, 1, 2]);
    drop(done);
    assert_eq!(census.alive(), 0);
}

#[test]
#[should_panic(expected = "limit must be at least 1, got 0")]
fn limit_zero_panics() {
    let _ = as_completed([async { 1 }]).limit(0);
}

#[test]
#[should_panic(expected = "limit must be at least 1, got 0")]
fn gather_limit_zero_panics() {
    drop(gather([async { 1 }]).limit(0));
}

#[test]
#[should_panic(expected = "limit must be at least 1, got 0")]
fn try_gather_limit_zero_panics() {
    drop(try_gather([async { Ok::<u8, ()>(1) }]).limit(0));
}

#[tokio::test(start_paused = true)]
async fn dropping_the_stream_drops_every_running_future() {
    let census = Census::default();
    let polls = Arc::new(AtomicUsize::new(0));
    let jobs: Vec<_> = (1..=5)
        .map(|n| tracked(&census, &polls, after(n * 10, n)))
        .collect();
    let mut done = as_completed(jobs);
    assert_eq!(done.next().await, Some(1));
    assert_eq!((census.alive(), census.dropped()), (4, 1));
    drop(done);
    assert_eq!((census.alive(), census.dropped()), (0, 5));
}

#[tokio::test(start_paused = true)]
async fn the_stream_goes_on_after_a_caught_panic_in_a_future() {
    let jobs = (0..6u64).map(|n| async move {
        sleep(ms(10 * (n + 1))).await;
        assert_ne!(n, 1, "job 1 fails");
        n
    });
    let mut done = as_completed(jobs).limit(2);
    let mut seen = Vec::new();
    loop {
        match std::panic::AssertUnwindSafe(done.next())
            .catch_unwind()
            .await
        {
            Ok(Some(n)) => seen.push(n),
            Ok(None) => break,
            Err(_) => seen.push(u64::MAX),
        }
    }
    assert_eq!(seen, [0, u64::MAX, 2, 3, 4, 5]);
    assert!(done.is_terminated());
}

#[tokio::test(start_paused = true)]
async fn as_completed_keeps_its_limit_after_a_caught_panic() {
    // Job 0 panics on its first poll; the others take 100 ms each.
    let jobs = (0..5u64).map(|n| async move {
        if n == 0 {
            panic!("job 0 fails");
        }
        sleep(ms(100)).await;
        n
    });
    let start = Instant::now();
    let mut done = as_completed(jobs).limit(2).indexed();
    let mut seen = Vec::new();
    loop {
        match std::panic::AssertUnwindSafe(done.next())
            .catch_unwind()
            .await
        {
            Ok(Some((index, n))) => seen.push((index, n, start.elapsed())),
            Ok(None) => break,
            Err(payload) => assert_eq!(panic_message(&*payload), Some("job 0 fails")),
        }
    }
    // The panicked job's place is free again at once: 1 and 2 run together, then 3 and 4.
    assert_eq!(
        seen,
        [
            (1, 1, ms(100)),
            (2, 2, ms(100)),
            (3, 3, ms(200)),
            (4, 4, ms(200))
        ]
    );
    assert!(done.is_terminated());
}

#[test]
fn streams_and_futures_are_send_when_their_futures_are() {
    fn assert_send<T: Send>(_: &T) {}
    let futures = || (0..3u64).map(|n| after(n, n));
    assert_send(&as_completed(futures()).limit(2));
    assert_send(&as_completed(futures()).indexed());
    assert_send(&gather(futures()));
    assert_send(&try_gather(futures().map(|f| f.map(Ok::<u64, ()>))));
}

#[test]
fn works_without_a_runtime() {
    let values: Vec<u32> = futures::executor::block_on(
        as_completed((0..5u32).map(|n| async move { n * n })).collect(),
    );
    assert_eq!(values.len(), 5);
    let ordered = futures::executor::block_on(gather((0..5u32).map(|n| async move { n * n })));
    assert_eq!(ordered, [0, 1, 4, 9, 16]);
}

// ---------------------------------------------------------------- gather

#[tokio::test(start_paused = true)]
async fn gather_keeps_input_order_and_runs_concurrently() {
    let start = Instant::now();
    let values = gather([30, 10, 20].map(|d| after(d, d))).await;
    assert_eq!(values, [30, 10, 20]);
    assert_eq!(start.elapsed(), ms(30));
}

#[tokio::test(start_paused = true)]
async fn gather_with_limit_runs_in_waves() {
    let census = Census::default();
    let polls = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let pulled = Arc::new(AtomicUsize::new(0));
    let input = (0..10u64).map(|n| {
        pulled.fetch_add(1, Ordering::SeqCst);
        tracked(&census, &polls, after(100, n))
    });
    let values = gather(input).limit(3).await;
    assert_eq!(values, (0..10).collect::<Vec<_>>());
    assert_eq!(start.elapsed(), ms(400));
    assert_eq!(census.peak(), 3);
}

#[tokio::test]
async fn gather_of_nothing_is_empty() {
    let none: Vec<u8> = gather(Vec::<std::future::Ready<u8>>::new()).await;
    assert!(none.is_empty());
}

#[tokio::test(start_paused = true)]
async fn dropping_gather_drops_running_futures() {
    let census = Census::default();
    let polls = Arc::new(AtomicUsize::new(0));
    let jobs: Vec<_> = (1..=4)
        .map(|n| tracked(&census, &polls, after(n * 100, n)))
        .collect();
    let outcome = tokio::time::timeout(ms(150), gather(jobs)).await;
    assert!(outcome.is_err());
    assert_eq!((census.alive(), census.dropped()), (0, 4));
}

#[tokio::test]
async fn gather_polled_again_after_a_caught_panic_panics_instead_of_returning_shifted_outputs() {
    let mut gathered = gather(middle_job_panics());
    let first = await_catching(&mut gathered).await;
    let payload = first.expect_err("job 1's panic must reach the caller");
    assert_eq!(panic_message(&*payload), Some("job 1 fails"));

    // Job 1's output can never exist: `[0, 2]` would put job 2's output at index 1.
    assert_poisoned(&mut gathered, GATHER_POISONED).await;
    // It stays that way.
    assert!(await_catching(&mut gathered).await.is_err());
}

#[tokio::test]
async fn gather_with_limit_polled_again_after_a_caught_panic_panics_too() {
    let mut gathered = gather(middle_job_panics()).limit(1);
    assert!(await_catching(&mut gathered).await.is_err());
    assert_poisoned(&mut gathered, GATHER_POISONED).await;
}

#[tokio::test]
async fn gather_polled_again_after_its_input_iterator_panicked_panics() {
    let jobs = (0..3u64).map(|n| {
        assert_ne!(n, 1, "no future for 1");
        async move { n }
    });
    let mut gathered = gather(jobs);
    assert!(await_catching(&mut gathered).await.is_err());
    assert_poisoned(&mut gathered, GATHER_POISONED).await;
}

// ---------------------------------------------------------------- try_gather

#[tokio::test(start_paused = true)]
async fn try_gather_collects_in_input_order() {
    let all =
        try_gather([20, 10].map(|d| async move { Ok::<u64, String>(after(d, d).await) })).await;
    assert_eq!(all, Ok(vec![20, 10]));
}

#[tokio::test(start_paused = true)]
async fn try_gather_returns_the_first_error_at_once_and_cancels_the_rest() {
    let census = Census::default();
    let polls = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let job = |delay: u64, fail: bool| {
        tracked(&census, &polls, async move {
            sleep(ms(delay)).await;
            if fail {
                Err(format!("failed after {delay}"))
            } else {
                Ok(delay)
            }
        })
    };
    let jobs = vec![
        job(100, false),
        job(10, false),
        job(20, true),
        job(30, true),
        job(1000, false),
    ];
    let outcome = try_gather(jobs).await;
    assert_eq!(outcome, Err("failed after 20".to_string()));
    assert_eq!(start.elapsed(), ms(20));
    // Every future is gone by the time the error is seen: none can be polled again.
    assert_eq!((census.alive(), census.dropped()), (0, 5));
    let polls_at_error = polls.load(Ordering::SeqCst);
    sleep(ms(2000)).await;
    assert_eq!(polls.load(Ordering::SeqCst), polls_at_error);
}

#[tokio::test(start_paused = true)]
async fn try_gather_with_limit_takes_nothing_more_after_an_error() {
    let pulled = Arc::new(AtomicUsize::new(0));
    let input = (0..100u64).map(|n| {
        pulled.fetch_add(1, Ordering::SeqCst);
        async move {
            sleep(ms(10 * (n + 1))).await;
            if n == 3 { Err(n) } else { Ok(n) }
        }
    });
    let start = Instant::now();
    assert_eq!(try_gather(input).limit(2).await, Err(3));
    // 0 and 1 start at 0; 2 starts at 10 (ends 40); 3 at 20 (fails at 60); 4 at 40.
    assert_eq!(start.elapsed(), ms(60));
    assert_eq!(pulled.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn try_gather_polled_again_after_a_caught_panic_panics_instead_of_returning_shifted_outputs()
{
    let jobs = middle_job_panics().map(|job| job.map(Ok::<u64, String>));
    let mut gathered = try_gather(jobs);
    let first = await_catching(&mut gathered).await;
    let payload = first.expect_err("job 1's panic must reach the caller");
    assert_eq!(panic_message(&*payload), Some("job 1 fails"));

    assert_poisoned(&mut gathered, TRY_GATHER_POISONED).await;
}

#[tokio::test]
async fn try_gather_with_limit_polled_again_after_a_caught_panic_panics_too() {
    let jobs = middle_job_panics().map(|job| job.map(Ok::<u64, String>));
    let mut gathered = try_gather(jobs).limit(1);
    assert!(await_catching(&mut gathered).await.is_err());
    assert_poisoned(&mut gathered, TRY_GATHER_POISONED).await;
}

/// Fairness and the spawned mode need the crate's `tokio` feature.
#[cfg(feature = "tokio")]
mod with_tokio_feature {
    use super::*;
    use futures::stream::FuturesUnordered;

    // ------------------------------------------------------------ fairness

    /// Spawns a task that counts how often it runs; it runs only when the current-thread
    /// runtime gets control back.
    fn spawn_counter() -> (Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
        let ticks = Arc::new(AtomicUsize::new(0));
        let counter = ticks.clone();
        let handle = tokio::spawn(async move {
            loop {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
            }
        });
        (ticks, handle)
    }

    const FLOOD: usize = 100_000;

    #[tokio::test(flavor = "current_thread")]
    async fn draining_a_flood_of_ready_futures_lets_other_tasks_run() {
        let (ticks, counter) = spawn_counter();
        let mut done = as_completed((0..FLOOD).map(std::future::ready));
        let mut drained = 0;
        let mut ticks_before_last = 0;
        while done.next().await.is_some() {
            drained += 1;
            if drained == FLOOD - 1 {
                ticks_before_last = ticks.load(Ordering::SeqCst);
            }
        }
        assert_eq!(drained, FLOOD);
        // tokio's budget is 128 units per poll: the consumer hands control back about every
        // 128 items, so the counter ran hundreds of times while the drain was going on.
        assert!(
            ticks_before_last >= FLOOD / 128 / 2,
            "counter ran only {ticks_before_last} times"
        );
        counter.abort();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_bare_futures_unordered_starves_other_tasks_by_contrast() {
        let (ticks, counter) = spawn_counter();
        let mut done: FuturesUnordered<_> = (0..FLOOD).map(std::future::ready).collect();
        let mut drained = 0;
        while done.next().await.is_some() {
            drained += 1;
        }
        assert_eq!(drained, FLOOD);
        assert_eq!(
            ticks.load(Ordering::SeqCst),
            0,
            "the consumer never yielded"
        );
        counter.abort();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn gather_of_a_flood_lets_other_tasks_run() {
        let (ticks, counter) = spawn_counter();
        let values = gather((0..FLOOD).map(std::future::ready)).await;
        assert_eq!(values.len(), FLOOD);
        assert!(ticks.load(Ordering::SeqCst) >= FLOOD / 128 / 2);
        counter.abort();
    }

    // ---------------------------------------------------------------- spawned mode

    /// Three steps of 10 ms each: a future like this advances only when polled.
    async fn three_steps(start: Instant) -> Duration {
        for _ in 0..3 {
            sleep(ms(10)).await;
        }
        start.elapsed()
    }

    async fn quick(start: Instant) -> Duration {
        sleep(ms(5)).await;
        start.elapsed()
    }

    #[tokio::test(start_paused = true)]
    async fn inline_futures_stand_still_while_the_consumer_is_busy() {
        let start = Instant::now();
        let jobs: Vec<Pin<Box<dyn Future<Output = Duration> + Send>>> =
            vec![Box::pin(three_steps(start)), Box::pin(quick(start))];
        let mut done = as_completed(jobs);
        assert_eq!(done.next().await, Some(ms(5)));
        sleep(ms(100)).await; // the consumer is busy until 105
        // `three_steps` did its first step (0..10) only; steps two and three run once the
        // consumer polls again, at 105: it finishes at 125.
        assert_eq!(done.next().await, Some(ms(125)));
        assert_eq!(start.elapsed(), ms(125));
    }

    #[tokio::test(start_paused = true)]
    async fn spawned_futures_finish_while_the_consumer_is_busy() {
        let start = Instant::now();
        let jobs: Vec<Pin<Box<dyn Future<Output = Duration> + Send>>> =
            vec![Box::pin(three_steps(start)), Box::pin(quick(start))];
        let mut done = as_completed(jobs).spawned();
        assert_eq!(done.next().await, Some(ms(5)));
        sleep(ms(100)).await;
        // The task finished at 30, during the consumer's sleep; its output waits for it.
        assert_eq!(done.next().await, Some(ms(30)));
        assert_eq!(start.elapsed(), ms(105));
        assert_eq!(done.next().await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn spawned_tasks_start_when_spawned_is_called() {
        let start = Instant::now();
        let done = as_completed((1..=3u64).map(move |n| async move {
            sleep(ms(10 * n)).await;
            start.elapsed()
        }))
        .spawned()
        .indexed();
        sleep(ms(50)).await;
        let seen: Vec<(usize, Duration)> = done.collect().await;
        assert_eq!(seen, [(0, ms(10)), (1, ms(20)), (2, ms(30))]);
        assert_eq!(start.elapsed(), ms(50));
    }

    #[tokio::test(start_paused = true)]
    async fn spawned_with_limit_keeps_finished_outputs_in_their_slots() {
        let started = Arc::new(AtomicUsize::new(0));
        let counter = started.clone();
        let start = Instant::now();
        let mut done = as_completed((0..6u64).map(move |n| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                sleep(ms(10)).await;
                (n, start.elapsed())
            }
        }))
        .limit(2)
        .spawned();
        sleep(ms(100)).await;
        // Two tasks ran and finished at 10; no slot was freed, so no third task started.
        assert_eq!(started.load(Ordering::SeqCst), 2);
        let mut seen = Vec::new();
        while let Some((n, finished)) = done.next().await {
            seen.push((n, finished));
        }
        seen.sort();
        let expected: Vec<(u64, Duration)> = vec![
            (0, ms(10)),
            (1, ms(10)),
            (2, ms(110)),
            (3, ms(110)),
            (4, ms(120)),
            (5, ms(120)),
        ];
        assert_eq!(seen, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_a_spawned_stream_aborts_its_tasks() {
        let census = Census::default();
        let polls = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (1..=4u64)
            .map(|n| {
                let finished = finished.clone();
                tracked(&census, &polls, async move {
                    sleep(ms(n * 1000)).await;
                    finished.fetch_add(1, Ordering::SeqCst);
                    n
                })
            })
            .collect();
        let mut done = as_completed(jobs).spawned();
        assert_eq!(done.next().await, Some(1));
        assert_eq!(census.alive(), 3);
        drop(done);
        // Aborted tasks are dropped by the runtime the next time it gets control.
        tokio::task::yield_now().await;
        assert_eq!(census.alive(), 0);
        sleep(ms(10_000)).await;
        assert_eq!(
            finished.load(Ordering::SeqCst),
            1,
            "an aborted task ran to completion"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_task_panics_the_consumer_with_its_payload() {
        let jobs: Vec<Pin<Box<dyn Future<Output = u64> + Send>>> = vec![
            Box::pin(after(10, 1)),
            Box::pin(async {
                sleep(ms(20)).await;
                panic!("task exploded")
            }),
        ];
        let mut done = as_completed(jobs).spawned();
        assert_eq!(done.next().await, Some(1));
        let caught = std::panic::AssertUnwindSafe(done.next())
            .catch_unwind()
            .await;
        let payload = caught.expect_err("the task's panic must reach the consumer");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"task exploded"));
    }

    #[test]
    fn a_runtime_shutdown_panics_the_consumer_with_a_clear_message() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let mut done = {
            let _entered = runtime.enter();
            as_completed((0..2u64).map(|n| async move {
                sleep(ms(1000)).await;
                n
            }))
            .spawned()
        };
        drop(runtime); // cancels the tasks
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            futures::executor::block_on(done.next())
        }));
        let payload = caught.expect_err("a cancelled task has no output");
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or(payload.downcast_ref::<&str>().copied());
        assert_eq!(
            message,
            Some("a spawned future was cancelled: its tokio runtime shut down")
        );
    }

    #[test]
    #[should_panic(expected = "must be called from the context of a Tokio 1.x runtime")]
    fn spawned_outside_a_runtime_panics() {
        let _ = as_completed([async { 1 }]).spawned();
    }

    #[tokio::test(start_paused = true)]
    #[should_panic(expected = "spawned() must be called before the first poll")]
    async fn spawned_after_polling_panics() {
        let mut done = as_completed([after(10, 1), after(20, 2)]);
        assert_eq!(done.next().await, Some(1));
        let _ = done.spawned();
    }

    #[tokio::test(start_paused = true)]
    async fn spawned_gather_keeps_input_order_and_runs_in_parallel_time() {
        let start = Instant::now();
        let values = gather([30, 10, 20].map(|d| after(d, d)))
            .limit(2)
            .spawned()
            .await;
        assert_eq!(values, [30, 10, 20]);
        // Slots: 30 and 10 start at 0, 20 starts at 10 and ends at 30.
        assert_eq!(start.elapsed(), ms(30));
    }

    #[tokio::test(start_paused = true)]
    async fn spawned_try_gather_aborts_the_other_tasks_on_error() {
        let census = Census::default();
        let polls = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let jobs: Vec<_> = [(10, true), (500, false), (800, false)]
            .into_iter()
            .map(|(delay, fail)| {
                tracked(&census, &polls, async move {
                    sleep(ms(delay)).await;
                    if fail { Err("boom") } else { Ok(delay) }
                })
            })
            .collect();
        assert_eq!(try_gather(jobs).spawned().await, Err("boom"));
        assert_eq!(start.elapsed(), ms(10));
        tokio::task::yield_now().await;
        assert_eq!(census.alive(), 0);
        let polls_at_error = polls.load(Ordering::SeqCst);
        sleep(ms(1000)).await;
        assert_eq!(polls.load(Ordering::SeqCst), polls_at_error);
    }

    #[tokio::test(start_paused = true)]
    async fn spawned_gather_resumes_a_task_panic() {
        let jobs: Vec<Pin<Box<dyn Future<Output = u8> + Send>>> = vec![
            Box::pin(async { 1 }),
            Box::pin(async { panic!("gathered panic") }),
        ];
        let caught = std::panic::AssertUnwindSafe(gather(jobs).spawned())
            .catch_unwind()
            .await;
        let payload = caught.expect_err("the panic must propagate");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"gathered panic"));
    }

    #[tokio::test(start_paused = true)]
    async fn spawned_as_completed_goes_on_after_a_caught_task_panic() {
        let jobs = (0..4u64).map(|n| async move {
            sleep(ms(10 * (n + 1))).await;
            if n == 1 {
                panic!("task 1 fails");
            }
            n
        });
        let mut done = as_completed(jobs).limit(2).spawned().indexed();
        let mut seen = Vec::new();
        loop {
            match std::panic::AssertUnwindSafe(done.next())
                .catch_unwind()
                .await
            {
                Ok(Some(item)) => seen.push(item),
                Ok(None) => break,
                Err(payload) => {
                    assert_eq!(panic_message(&*payload), Some("task 1 fails"));
                    seen.push((usize::MAX, u64::MAX));
                }
            }
        }
        assert_eq!(seen, [(0, 0), (usize::MAX, u64::MAX), (2, 2), (3, 3)]);
        assert!(done.is_terminated());
    }

    #[tokio::test]
    async fn spawned_gather_polled_again_after_a_task_panic_panics_with_a_clear_message() {
        let mut gathered = gather(middle_job_panics()).spawned();
        let first = await_catching(&mut gathered).await;
        let payload = first.expect_err("the task's panic must reach the caller");
        assert_eq!(panic_message(&*payload), Some("job 1 fails"));
        assert_poisoned(&mut gathered, GATHER_POISONED).await;
    }

    #[tokio::test]
    async fn spawned_try_gather_polled_again_after_a_task_panic_panics_with_a_clear_message() {
        let jobs = middle_job_panics().map(|job| job.map(Ok::<u64, String>));
        let mut gathered = try_gather(jobs).spawned();
        let first = await_catching(&mut gathered).await;
        let payload = first.expect_err("the task's panic must reach the caller");
        assert_eq!(panic_message(&*payload), Some("job 1 fails"));
        assert_poisoned(&mut gathered, TRY_GATHER_POISONED).await;
    }
}
