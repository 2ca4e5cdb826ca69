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

/// A call that must panic: the method it names, the line it is on, the call.
type Call = (&'static str, u32, Box<dyn FnOnce()>);

/// Runs `f`, which must panic, and returns the panic's message and the file and line
/// it reports.
fn panic_site(f: impl FnOnce()) -> (String, String, u32) {
    thread_local! {
        static SITE: std::cell::RefCell<Option<(String, u32)>> = const { std::cell::RefCell::new(None) };
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Some(location) = info.location() {
                SITE.with(|site| {
                    *site.borrow_mut() = Some((location.file().to_owned(), location.line()))
                });
            }
            previous(info);
        }));
    });
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .expect_err("the call should have panicked");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    let (file, line) = SITE
        .with(|site| site.borrow_mut().take())
        .expect("a panic location");
    (message, file, line)
}

#[test]
fn a_zero_limit_panics_at_the_callers_line_naming_the_method() {
    let cases: [Call; 5] = [
        (
            "as_completed(..).limit",
            line!() + 1,
            Box::new(|| drop(as_completed([async { 1 }]).limit(0))),
        ),
        (
            "gather(..).limit",
            line!() + 1,
            Box::new(|| drop(gather([async { 1 }]).limit(0))),
        ),
        (
            "try_gather(..).limit",
            line!() + 2,
            Box::new(|| {
                drop(try_gather([async { Ok::<u8, ()>(1) }]).limit(0));
            }),
        ),
        (
            "map_concurrent",
            line!() + 2,
            Box::new(|| {
                drop(futures::stream::iter([1]).map_concurrent(0, |x| async move { x }));
            }),
        ),
        (
            "map_unordered",
            line!() + 2,
            Box::new(|| {
                drop(futures::stream::iter([1]).map_unordered(0, |x| async move { x }));
            }),
        ),
    ];
    for (method, line, call) in cases {
        let (message, file, at) = panic_site(call);
        assert_eq!(
            message,
            format!("{method}: the limit must be at least 1, got 0 (nothing could ever run)")
        );
        assert_eq!((file.as_str(), at), (file!(), line), "{method}");
    }
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

    #[tokio::test(flavor = "current_thread")]
    async fn map_unordered_and_map_concurrent_spend_the_same_budget() {
        for in_order in [false, true] {
            let (ticks, counter) = spawn_counter();
            let input = futures::stream::iter(0..FLOOD);
            let mut drained = 0;
            if in_order {
                let mut mapped = input.map_concurrent(64, std::future::ready);
                while mapped.next().await.is_some() {
                    drained += 1;
                }
            } else {
                let mut mapped = input.map_unordered(64, std::future::ready);
                while mapped.next().await.is_some() {
                    drained += 1;
                }
            }
            assert_eq!(drained, FLOOD);
            assert!(
                ticks.load(Ordering::SeqCst) >= FLOOD / 128 / 2,
                "in order: {in_order}, counter ran {} times",
                ticks.load(Ordering::SeqCst)
            );
            counter.abort();
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn outputs_parked_behind_a_slow_one_spend_the_budget_too() {
        let (ticks, counter) = spawn_counter();
        let (release, held) = tokio::sync::oneshot::channel::<()>();
        let mut held = Some(held);
        // Item 0 waits for a signal; the other items are ready at once and park behind it.
        let mut mapped = Box::pin(futures::stream::iter(0..FLOOD).map_concurrent(4, move |n| {
            let held = if n == 0 { held.take() } else { None };
            async move {
                if let Some(held) = held {
                    let _ = held.await;
                }
                n
            }
        }));
        let first = tokio::select! {
            biased;
            first = mapped.next() => first,
            () = async {
                while ticks.load(Ordering::SeqCst) < 10 {
                    tokio::task::yield_now().await;
                }
            } => None,
        };
        assert_eq!(first, None, "nothing is out before item 0");
        release.send(()).unwrap();
        assert_eq!(mapped.next().await, Some(0));
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
    fn spawned_outside_a_runtime_panics_at_the_callers_line() {
        let cases: [super::Call; 3] = [
            (
                "as_completed(..).spawned",
                line!() + 1,
                Box::new(|| drop(as_completed([async { 1 }]).spawned())),
            ),
            (
                "gather(..).spawned",
                line!() + 1,
                Box::new(|| drop(gather([async { 1 }]).spawned())),
            ),
            (
                "try_gather(..).spawned",
                line!() + 2,
                Box::new(|| {
                    drop(try_gather([async { Ok::<u8, ()>(1) }]).spawned());
                }),
            ),
        ];
        for (method, line, call) in cases {
            let (message, file, at) = super::panic_site(call);
            assert_eq!(
                message,
                format!("{method}: must be called inside a tokio runtime")
            );
            assert_eq!((file.as_str(), at), (file!(), line), "{method}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn spawned_after_polling_panics_at_the_callers_line() {
        let mut done = as_completed([after(10, 1), after(20, 2)]);
        assert_eq!(done.next().await, Some(1));
        let line = line!() + 1;
        let (message, file, at) = super::panic_site(|| drop(done.spawned()));
        assert_eq!(
            message,
            "as_completed(..).spawned: must be called before the first poll (futures already running cannot be moved into tasks)"
        );
        assert_eq!((file.as_str(), at), (file!(), line));
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

// ---------------------------------------------------------------- gather! and try_gather!

async fn named(delay: u64, name: &'static str) -> &'static str {
    sleep(ms(delay)).await;
    name
}

async fn checked(delay: u64, value: u64, fail: bool) -> Result<u64, String> {
    sleep(ms(delay)).await;
    if fail {
        Err(format!("{value} failed"))
    } else {
        Ok(value)
    }
}

#[tokio::test(start_paused = true)]
async fn gather_macro_runs_different_futures_together_in_argument_order() {
    let start = Instant::now();
    let (number, name, nothing) =
        asyncgen::gather!(after(30, 7), named(10, "ten"), sleep(ms(20))).await;
    assert_eq!((number, name, nothing), (7, "ten", ()));
    assert_eq!(start.elapsed(), ms(30));
}

#[tokio::test(start_paused = true)]
async fn gather_macro_takes_any_number_of_arguments_and_trailing_commas() {
    assert_eq!(gather!().await, ());
    assert_eq!(gather!(after(1, 1)).await, (1,));
    assert_eq!(gather!(after(1, 1),).await, (1,));
    assert_eq!(gather!(after(2, 1), named(1, "b"),).await, (1, "b"));
    let start = Instant::now();
    let many = gather!(
        after(13, 1),
        after(12, 2),
        after(11, 3),
        after(10, 4),
        after(9, 5),
        after(8, 6),
        after(7, 7),
        after(6, 8),
        after(5, 9),
        after(4, 10),
        after(3, 11),
        after(2, 12),
        after(1, 13),
        named(14, "fourteen"),
    )
    .await;
    // Tuples above 12 have no `PartialEq`: compare the parts.
    let (a, b, c, d, e, f, g, h, i, j, k, l, m, n) = many;
    assert_eq!(
        [a, b, c, d, e, f, g, h, i, j, k, l, m],
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    );
    assert_eq!(n, "fourteen");
    assert_eq!(start.elapsed(), ms(14));
}

#[test]
fn gather_macros_need_no_runtime() {
    let both = futures::executor::block_on(gather!(async { 1 }, async { "two" }));
    assert_eq!(both, (1, "two"));
    let failed = futures::executor::block_on(try_gather!(async { Ok::<_, String>(1) }, async {
        Err::<(), _>("bad".to_string())
    },));
    assert_eq!(failed, Err("bad".to_string()));
}

#[tokio::test(start_paused = true)]
async fn gather_macro_evaluates_its_arguments_at_the_call_in_order_and_borrows() {
    let mut order = Vec::new();
    let label = String::from("borrowed");
    let deferred = gather!(
        {
            order.push(1);
            after(10, 1)
        },
        {
            order.push(2);
            async { label.len() }
        },
    );
    assert_eq!(order, [1, 2], "evaluated before the first poll");
    assert_eq!(deferred.await, (1, 8));
    assert_eq!(label, "borrowed", "still usable: only borrowed");
}

#[tokio::test(start_paused = true)]
async fn gather_macro_accepts_into_future_builders() {
    let (squares, one) = gather!(
        gather((1..=3u64).map(|n| after(n, n * n))).limit(2),
        after(1, 1)
    )
    .await;
    assert_eq!((squares, one), (vec![1, 4, 9], 1));
}

#[tokio::test(start_paused = true)]
async fn dropping_a_gather_macro_drops_its_futures() {
    let census = Census::default();
    let watched = |delay| {
        let member = census.join();
        async move {
            let _member = member;
            sleep(ms(delay)).await;
        }
    };
    let both = gather!(watched(10), watched(1000));
    let start = Instant::now();
    assert!(tokio::time::timeout(ms(20), both).await.is_err());
    assert_eq!(start.elapsed(), ms(20));
    assert_eq!(census.alive(), 0);
}

#[tokio::test(start_paused = true)]
async fn try_gather_macro_gives_the_tuple_or_the_first_error_at_once() {
    let ok = try_gather!(checked(20, 1, false), async { Ok::<_, String>("two") }).await;
    assert_eq!(ok, Ok((1, "two")));

    let census = Census::default();
    let member = census.join();
    let slow = async move {
        let _member = member;
        sleep(ms(1000)).await;
        Ok::<&str, String>("never")
    };
    let start = Instant::now();
    // The error comes from the later argument, first in time.
    let failed = try_gather!(slow, checked(30, 2, true), checked(10, 3, false),).await;
    assert_eq!(failed, Err("2 failed".to_string()));
    assert_eq!(start.elapsed(), ms(30), "the slow one was not waited for");
    assert_eq!(census.alive(), 0, "the slow one was dropped");
}

// ---------------------------------------------------------------- a set that grows

#[tokio::test(start_paused = true)]
async fn futures_pushed_from_the_loop_run_and_the_stream_ends_after_them() {
    let start = Instant::now();
    let mut done = as_completed([after(10, 1), after(30, 3)]);
    let mut seen = Vec::new();
    while let Some(value) = done.next().await {
        seen.push((value, start.elapsed()));
        if value == 1 {
            done.push(after(5, 10)); // from t = 10: ends at 15
            done.push(after(50, 11)); // ends at 60, after the input
        }
    }
    assert_eq!(seen, [(1, ms(10)), (10, ms(15)), (3, ms(30)), (11, ms(60))]);
    assert!(done.is_terminated());
}

#[tokio::test(start_paused = true)]
async fn under_a_limit_added_futures_wait_after_the_input_and_are_numbered_after_it() {
    let start = Instant::now();
    let mut done = as_completed([after(10, 0), after(10, 1), after(10, 2)])
        .limit(2)
        .indexed();
    done.push(after(10, 100)); // before the first poll: still after the input
    let mut seen = Vec::new();
    while let Some((index, value)) = done.next().await {
        seen.push((index, value, start.elapsed()));
        if value == 0 {
            done.push(after(10, 200));
            assert_eq!(done.waiting(), 2);
        }
    }
    assert_eq!(
        seen,
        [
            (0, 0, ms(10)),
            (1, 1, ms(10)),
            (2, 2, ms(20)),
            (3, 100, ms(20)),
            (4, 200, ms(30)),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn indexed_after_everything_finished_numbers_on_from_the_futures_already_started() {
    let mut done = as_completed([after(10, 0), after(5, 1)]);
    assert_eq!(done.next().await, Some(1));
    assert_eq!(done.next().await, Some(0));
    let mut done = done.indexed();
    done.push(after(5, 2));
    done.push(after(1, 3));
    let rest: Vec<(usize, u64)> = (&mut done).collect().await;
    assert_eq!(rest, [(3, 3), (2, 2)]);
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "as_completed(..).indexed: must be called before the first poll")]
async fn indexed_while_plain_futures_run_panics() {
    let mut done = as_completed([after(10, 0), after(5, 1)]);
    assert_eq!(done.next().await, Some(1));
    let _ = done.indexed();
}

#[tokio::test(start_paused = true)]
async fn a_limit_set_after_polling_counts_the_futures_already_running() {
    let start = Instant::now();
    let mut done = as_completed([after(10, 0), after(20, 1), after(30, 2)]);
    assert_eq!(done.next().await, Some(0));
    assert_eq!(done.running(), 2);
    let mut done = done.limit(1);
    assert_eq!(done.running(), 2);
    done.push(after(1, 3)); // waits until nothing else runs
    let mut seen = Vec::new();
    while let Some(value) = done.next().await {
        seen.push((value, start.elapsed()));
    }
    assert_eq!(seen, [(1, ms(20)), (2, ms(30)), (3, ms(31))]);
    assert_eq!(done.running(), 0);
}

#[tokio::test(start_paused = true)]
async fn under_a_limit_futures_pushed_after_the_input_ended_count_against_it() {
    let start = Instant::now();
    let mut done = as_completed([after(10, 0), after(30, 1)]).limit(2);
    assert_eq!(done.next().await, Some(0)); // the input has ended; job 1 runs
    assert_eq!((done.running(), done.waiting()), (1, 0));
    done.push(after(10, 2)); // takes the free place on the next poll
    done.push(after(5, 3)); // waits for job 2
    assert_eq!((done.running(), done.waiting()), (1, 2));
    let mut seen = Vec::new();
    while let Some(value) = done.next().await {
        seen.push((value, start.elapsed(), done.running()));
    }
    // Job 3 takes job 2's place as soon as job 2's output is handed out.
    assert_eq!(seen, [(2, ms(20), 2), (3, ms(25), 1), (1, ms(30), 0)]);
}

#[tokio::test(start_paused = true)]
async fn running_counts_out_a_future_that_panicked_after_the_input_ended() {
    let jobs = (0..3u64).map(|n| async move {
        sleep(ms(10 * (n + 1))).await;
        assert_ne!(n, 0, "job 0 fails");
        n
    });
    for limit in [None, Some(3)] {
        let mut done = as_completed(jobs.clone());
        if let Some(limit) = limit {
            done = done.limit(limit);
        }
        let caught = std::panic::AssertUnwindSafe(done.next())
            .catch_unwind()
            .await;
        assert!(caught.is_err(), "job 0 panics");
        assert_eq!(done.running(), 2, "limit {limit:?}");
        assert_eq!(done.size_hint(), (2, Some(2)), "limit {limit:?}");
        let rest: Vec<u64> = (&mut done).collect().await;
        assert_eq!(rest, [1, 2]);
        assert_eq!(done.running(), 0);
    }
}

#[tokio::test(start_paused = true)]
async fn a_finished_stream_goes_on_after_a_push() {
    let mut done = as_completed([after(10, 1)]);
    assert_eq!(done.next().await, Some(1));
    assert_eq!(done.next().await, None);
    assert!(done.is_terminated());
    done.extend([after(5, 2), after(1, 3)]);
    assert!(!done.is_terminated());
    assert_eq!(done.size_hint(), (2, Some(2)));
    let rest: Vec<u64> = (&mut done).collect().await;
    assert_eq!(rest, [3, 2]);
}

#[tokio::test(start_paused = true)]
async fn a_crawl_visits_each_page_once_with_at_most_n_in_flight() {
    // Page n links to 2n, 2n + 1 and back to 1, up to page 31.
    let census = Census::default();
    let fetch = |page: u64| {
        let census = census.clone();
        async move {
            let _running = census.join();
            sleep(ms(10)).await;
            let links: Vec<u64> = [page * 2, page * 2 + 1, 1]
                .into_iter()
                .filter(|&p| p <= 31)
                .collect();
            (page, links)
        }
    };
    let start = Instant::now();
    let mut seen = std::collections::HashSet::from([1]);
    let mut crawl = as_completed([Box::pin(fetch(1))]).limit(4);
    let mut visited = 0;
    while let Some((_, links)) = crawl.next().await {
        visited += 1;
        for link in links {
            if seen.insert(link) {
                crawl.push(Box::pin(fetch(link)));
            }
        }
    }
    assert_eq!(visited, 31);
    assert_eq!(census.peak(), 4, "at most 4 fetches at a time");
    // Rounds of 10 ms: 1 | 2 3 | 4..7 | then 8..31, 4 at a time: 6 rounds.
    assert_eq!(start.elapsed(), ms(90));
}

#[cfg(feature = "tokio")]
#[tokio::test(start_paused = true)]
async fn a_spawned_set_runs_pushed_futures_at_once_within_the_limit() {
    let start = Instant::now();
    let mut done = as_completed([after(10, 1)]).limit(2).spawned();
    done.push(after(30, 2)); // spawned now: a place is free
    done.push(after(10, 3)); // waits for a place
    assert_eq!((done.running(), done.waiting()), (2, 1));
    sleep(ms(40)).await; // the consumer is busy; tasks 1 and 2 finish meanwhile
    let mut seen = Vec::new();
    while let Some(value) = done.next().await {
        seen.push((value, start.elapsed()));
    }
    // 3 was spawned when 1's output was taken, at 40 ms.
    assert_eq!(seen, [(1, ms(40)), (2, ms(40)), (3, ms(50))]);
}
