//! Bounded concurrent mapping: `map_concurrent` (input order) and `map_unordered`
//! (completion order), on tokio's paused clock with exact instants.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use asyncgen::prelude::*;
use futures::FutureExt as _;
use futures::stream;
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Records when each job starts and ends and how many run at once.
#[derive(Clone)]
struct Probe {
    start: Instant,
    running: Rc<RefCell<usize>>,
    max_running: Rc<RefCell<usize>>,
    starts: Rc<RefCell<Vec<(usize, Duration)>>>,
}

impl Probe {
    fn new() -> Self {
        Probe {
            start: Instant::now(),
            running: Rc::default(),
            max_running: Rc::default(),
            starts: Rc::default(),
        }
    }

    /// A job that sleeps `delay` and returns `id`, recording its start.
    fn job(&self, id: usize, delay: Duration) -> impl Future<Output = usize> + use<> {
        let probe = self.clone();
        async move {
            probe.starts.borrow_mut().push((id, probe.start.elapsed()));
            let now_running = {
                let mut running = probe.running.borrow_mut();
                *running += 1;
                *running
            };
            {
                let mut max = probe.max_running.borrow_mut();
                *max = (*max).max(now_running);
            }
            sleep(delay).await;
            *probe.running.borrow_mut() -= 1;
            id
        }
    }

    fn starts(&self) -> Vec<(usize, Duration)> {
        self.starts.borrow().clone()
    }

    fn max_running(&self) -> usize {
        *self.max_running.borrow()
    }
}

/// Collects a stream's items with the instant each arrived.
async fn timed<S: Stream>(s: S, start: Instant) -> Vec<(S::Item, Duration)> {
    let mut s = std::pin::pin!(s);
    let mut out = Vec::new();
    while let Some(item) = s.next().await {
        out.push((item, start.elapsed()));
    }
    out
}

// ---- map_concurrent ----------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn map_concurrent_keeps_input_order() {
    let probe = Probe::new();
    let delays = [30, 10, 20, 5];
    let p = probe.clone();
    let got = timed(
        stream::iter(delays.into_iter().enumerate())
            .map_concurrent(4, move |(id, d)| p.job(id, ms(d))),
        probe.start,
    )
    .await;
    // All four run at once; 0 ends at 30 ms and releases the three finished behind it.
    assert_eq!(got, [(0, ms(30)), (1, ms(30)), (2, ms(30)), (3, ms(30))]);
    assert_eq!(probe.max_running(), 4);
}

#[tokio::test(start_paused = true)]
async fn map_concurrent_a_slow_item_does_not_stop_new_work() {
    // limit 2: item 0 takes 1 s, the others 10 ms each. Item 0's place stays taken,
    // the other place serves items 1, 2, 3, 4 back to back.
    let probe = Probe::new();
    let delays = [1000, 10, 10, 10, 10];
    let p = probe.clone();
    let got = timed(
        stream::iter(delays.into_iter().enumerate())
            .map_concurrent(2, move |(id, d)| p.job(id, ms(d))),
        probe.start,
    )
    .await;
    assert_eq!(
        probe.starts(),
        [
            (0, ms(0)),
            (1, ms(0)),
            (2, ms(10)),
            (3, ms(20)),
            (4, ms(30))
        ]
    );
    // Order is kept: everything waits for item 0, then comes out at once.
    assert_eq!(
        got,
        [
            (0, ms(1000)),
            (1, ms(1000)),
            (2, ms(1000)),
            (3, ms(1000)),
            (4, ms(1000))
        ]
    );
    assert_eq!(probe.max_running(), 2);
}

#[tokio::test(start_paused = true)]
async fn map_concurrent_never_runs_more_than_the_limit() {
    let probe = Probe::new();
    // Delays that make jobs overlap in changing patterns.
    let delays: Vec<u64> = (0..40).map(|i| (i * 37 % 11 + 1) * 5).collect();
    let p = probe.clone();
    let got: Vec<usize> = stream::iter(delays.clone().into_iter().enumerate())
        .map_concurrent(3, move |(id, d)| p.job(id, ms(d)))
        .collect()
        .await;
    assert_eq!(got, (0..40).collect::<Vec<_>>());
    assert_eq!(probe.max_running(), 3);
}

#[tokio::test(start_paused = true)]
async fn map_concurrent_pulls_input_only_as_places_free_up() {
    let pulled = Rc::new(RefCell::new(0usize));
    let counter = Rc::clone(&pulled);
    // An endless input: only what is needed is ever pulled.
    let endless = stream::iter(0u64..).inspect(move |_| *counter.borrow_mut() += 1);
    let mut s = std::pin::pin!(endless.map_concurrent(3, |x| async move {
        sleep(ms(10)).await;
        x * 2
    }));
    assert_eq!(
        *pulled.borrow(),
        0,
        "nothing is pulled before the first poll"
    );
    assert_eq!(s.next().await, Some(0));
    // Items 0, 1 and 2 started together and finished at 10 ms; 0 came out.
    assert_eq!(*pulled.borrow(), 3);
    // Each later poll first gives the place freed by the last output to a new item.
    assert_eq!(s.next().await, Some(2));
    assert_eq!(*pulled.borrow(), 4);
    assert_eq!(s.next().await, Some(4));
    assert_eq!(*pulled.borrow(), 5);
}

#[tokio::test(start_paused = true)]
async fn map_concurrent_with_input_that_arrives_over_time() {
    let start = Instant::now();
    let (tx, rx) = tokio::sync::mpsc::channel::<u64>(8);
    tokio::spawn(async move {
        for delay in [50, 10, 10] {
            tx.send(delay).await.unwrap();
            sleep(ms(5)).await;
        }
    });
    let input = tokio_stream::wrappers::ReceiverStream::new(rx);
    let got = timed(
        input.map_concurrent(8, |d| async move {
            sleep(ms(d)).await;
            d
        }),
        start,
    )
    .await;
    // Sent at 0, 5 and 10 ms; they finish at 50, 15 and 20 ms; order is kept.
    assert_eq!(got, [(50, ms(50)), (10, ms(50)), (10, ms(50))]);
}

#[tokio::test(start_paused = true)]
async fn map_concurrent_of_nothing_ends_at_once() {
    let mut s = Box::pin(stream::empty::<u8>().map_concurrent(2, |x| async move { x }));
    assert!(!s.is_terminated());
    assert_eq!(s.next().await, None);
    assert!(s.is_terminated());
    assert_eq!(s.next().await, None);
}

#[test]
#[should_panic(expected = "map_concurrent: the limit must be at least 1, got 0")]
fn map_concurrent_with_limit_zero_panics() {
    let _ = stream::iter([1]).map_concurrent(0, |x| async move { x });
}

#[tokio::test(start_paused = true)]
async fn map_concurrent_size_hint_counts_started_items() {
    let mut s = Box::pin(stream::iter(0..5).map_concurrent(2, |x| async move {
        sleep(ms(10)).await;
        x
    }));
    assert_eq!(s.size_hint(), (5, Some(5)));
    assert_eq!(s.next().await, Some(0));
    assert_eq!(s.size_hint(), (4, Some(4)));
}

/// Counts wake-ups.
struct WakeCounter(AtomicUsize);

impl Wake for WakeCounter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn map_concurrent_yields_to_the_executor_behind_a_stuck_item() {
    // Item 0 never finishes; items after it finish at once. One poll must not drain
    // the whole (here: endless) input into the reorder queue; it parks a bounded
    // number of outputs, asks to be polled again, and returns.
    let pulled = Rc::new(RefCell::new(0usize));
    let counter = Rc::clone(&pulled);
    let input = stream::iter(0u64..).inspect(move |_| *counter.borrow_mut() += 1);
    let mut s = Box::pin(input.map_concurrent(4, |x| async move {
        if x == 0 {
            futures::future::pending::<()>().await;
        }
        x
    }));
    let wakes = Arc::new(WakeCounter(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&wakes));
    let mut cx = Context::from_waker(&waker);
    assert_eq!(s.as_mut().poll_next(&mut cx), Poll::Pending);
    let pulled_in_one_poll = *pulled.borrow();
    // At most tokio's budget of 128 outputs parked, plus the 4 running.
    assert!(
        (4..=132).contains(&pulled_in_one_poll),
        "pulled {pulled_in_one_poll} items in one poll"
    );
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        1,
        "asked to be polled again"
    );
    // The next poll goes on parking outputs: work keeps starting.
    assert_eq!(s.as_mut().poll_next(&mut cx), Poll::Pending);
    assert!(*pulled.borrow() > pulled_in_one_poll);
}

#[tokio::test(start_paused = true)]
async fn dropping_map_concurrent_drops_the_running_futures() {
    struct CountDrop(Arc<AtomicUsize>);
    impl Drop for CountDrop {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicUsize::new(0));
    let d = Arc::clone(&dropped);
    let mut s = Box::pin(stream::iter(0..10u64).map_concurrent(3, move |x| {
        let guard = CountDrop(Arc::clone(&d));
        async move {
            sleep(ms(10 * (x + 1))).await;
            drop(guard);
            x
        }
    }));
    assert_eq!(s.next().await, Some(0));
    // Item 0 is done (its guard dropped); 1 and 2 are running; 3 is not made yet.
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    drop(s);
    assert_eq!(dropped.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn map_concurrent_ends_after_a_caught_panic_instead_of_shifting_outputs() {
    struct CountDrop(Arc<AtomicUsize>);
    impl Drop for CountDrop {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicUsize::new(0));
    let pulled = Arc::new(AtomicUsize::new(0));
    let (d, p) = (Arc::clone(&dropped), Arc::clone(&pulled));
    // An endless input; job 1 panics on its first poll.
    let mut s = Box::pin(stream::iter(0u64..).map_concurrent(3, move |n| {
        p.fetch_add(1, Ordering::SeqCst);
        let guard = CountDrop(Arc::clone(&d));
        async move {
            let _guard = guard;
            if n == 1 {
                panic!("job 1 fails");
            }
            sleep(ms(10 * (n + 1))).await;
            n
        }
    }));
    let caught = std::panic::AssertUnwindSafe(s.next()).catch_unwind().await;
    let payload = caught.expect_err("job 1's panic must reach the consumer");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"job 1 fails"));
    // Job 1's output never comes, so no later output can be handed out at its place.
    assert_eq!(s.next().await, None);
    assert!(s.is_terminated());
    assert_eq!(s.size_hint(), (0, Some(0)));
    // Nothing more was taken from the input, and jobs 0 and 2 were dropped.
    assert_eq!(pulled.load(Ordering::SeqCst), 3);
    assert_eq!(dropped.load(Ordering::SeqCst), 3);
    assert_eq!(s.next().await, None);
}

// ---- map_unordered -----------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn map_unordered_yields_in_completion_order() {
    let probe = Probe::new();
    let delays = [30, 10, 20, 5];
    let p = probe.clone();
    let got = timed(
        stream::iter(delays.into_iter().enumerate())
            .map_unordered(4, move |(id, d)| p.job(id, ms(d))),
        probe.start,
    )
    .await;
    assert_eq!(got, [(3, ms(5)), (1, ms(10)), (2, ms(20)), (0, ms(30))]);
}

#[tokio::test(start_paused = true)]
async fn map_unordered_a_slow_item_does_not_stop_new_work() {
    let probe = Probe::new();
    let delays = [1000, 10, 10, 10, 10];
    let p = probe.clone();
    let got = timed(
        stream::iter(delays.into_iter().enumerate())
            .map_unordered(2, move |(id, d)| p.job(id, ms(d))),
        probe.start,
    )
    .await;
    assert_eq!(
        probe.starts(),
        [
            (0, ms(0)),
            (1, ms(0)),
            (2, ms(10)),
            (3, ms(20)),
            (4, ms(30))
        ]
    );
    assert_eq!(
        got,
        [
            (1, ms(10)),
            (2, ms(20)),
            (3, ms(30)),
            (4, ms(40)),
            (0, ms(1000))
        ]
    );
    assert_eq!(probe.max_running(), 2);
}

#[tokio::test(start_paused = true)]
async fn map_unordered_never_runs_more_than_the_limit() {
    let probe = Probe::new();
    let delays: Vec<u64> = (0..40).map(|i| (i * 37 % 11 + 1) * 5).collect();
    let p = probe.clone();
    let mut got: Vec<usize> = stream::iter(delays.into_iter().enumerate())
        .map_unordered(3, move |(id, d)| p.job(id, ms(d)))
        .collect()
        .await;
    assert_ne!(got, (0..40).collect::<Vec<_>>(), "completion order differs");
    got.sort_unstable();
    assert_eq!(got, (0..40).collect::<Vec<_>>());
    assert_eq!(probe.max_running(), 3);
}

#[tokio::test(start_paused = true)]
async fn map_unordered_pulls_input_only_as_places_free_up() {
    let pulled = Rc::new(RefCell::new(0usize));
    let counter = Rc::clone(&pulled);
    let endless = stream::iter(0u64..).inspect(move |_| *counter.borrow_mut() += 1);
    let first: Vec<u64> = endless
        .map_unordered(3, |x| async move {
            sleep(ms(10)).await;
            x
        })
        .take(4)
        .collect()
        .await;
    assert_eq!(first, [0, 1, 2, 3]);
    // 3 at first, then one more per output handed out before `take` stopped.
    assert_eq!(*pulled.borrow(), 6);
}

#[tokio::test(start_paused = true)]
async fn map_unordered_of_nothing_ends_at_once() {
    let mut s = Box::pin(stream::empty::<u8>().map_unordered(2, |x| async move { x }));
    assert_eq!(s.next().await, None);
    assert!(s.is_terminated());
    assert_eq!(s.next().await, None);
}

#[test]
#[should_panic(expected = "map_unordered: the limit must be at least 1, got 0")]
fn map_unordered_with_limit_zero_panics() {
    let _ = stream::iter([1]).map_unordered(0, |x| async move { x });
}

// ---- the seeds' semaphore pattern ---------------------------------------------------

#[tokio::test(start_paused = true)]
async fn map_unordered_goes_on_after_a_caught_panic() {
    let start = Instant::now();
    let mut s = Box::pin(stream::iter(0..4u64).map_unordered(2, |n| async move {
        if n == 1 {
            panic!("job 1 fails");
        }
        sleep(ms(10 * (n + 1))).await;
        n
    }));
    let mut seen = Vec::new();
    loop {
        match std::panic::AssertUnwindSafe(s.next()).catch_unwind().await {
            Ok(Some(n)) => seen.push(Some((n, start.elapsed()))),
            Ok(None) => break,
            Err(_) => seen.push(None),
        }
    }
    // Job 1's place goes to job 2 at once; job 3 starts when job 0 ends.
    assert_eq!(
        seen,
        [
            None,
            Some((0, ms(10))),
            Some((2, ms(30))),
            Some((3, ms(50)))
        ]
    );
    assert!(s.is_terminated());
}

#[tokio::test(start_paused = true)]
async fn replaces_a_semaphore_around_gather() {
    // sem = asyncio.Semaphore(3)
    // async def worker(item):
    //     async with sem:
    //         await asyncio.sleep(0.1)
    //         return item * item
    // await asyncio.gather(*[worker(i) for i in range(10)])
    let start = Instant::now();
    let got: Vec<u64> = stream::iter(0..10u64)
        .map_concurrent(3, |item| async move {
            sleep(ms(100)).await;
            item * item
        })
        .collect()
        .await;
    let want: Vec<u64> = (0..10).map(|i| i * i).collect();
    assert_eq!(got, want);
    // ceil(10 / 3) rounds of 100 ms, as with the semaphore.
    assert_eq!(start.elapsed(), ms(400));
}

#[test]
fn input_streams_and_futures_need_not_be_unpin() {
    // Both the input stream and the futures are `!Unpin` (async blocks).
    let input = async_stream::stream! {
        for i in 0..5u32 {
            yield i;
        }
    };
    let s = input.map_concurrent(2, |x| async move { x + 1 });
    let got: Vec<u32> = futures::executor::block_on(s.collect());
    assert_eq!(got, [1, 2, 3, 4, 5]);
    let input = async_stream::stream! {
        for i in 0..5u32 {
            yield i;
        }
    };
    let mut got: Vec<u32> =
        futures::executor::block_on(input.map_unordered(2, |x| async move { x + 1 }).collect());
    got.sort_unstable();
    assert_eq!(got, [1, 2, 3, 4, 5]);
}

// ---- exact schedules for arbitrary delays ---------------------------------------------

/// When each job starts if every free place is taken at once: job `i` starts when the
/// earliest of the `limit` places frees up (list scheduling). Returns start and finish.
fn greedy_schedule(delays: &[u64], limit: usize) -> Vec<(u64, u64)> {
    let mut free_at = std::collections::BinaryHeap::new();
    for _ in 0..limit {
        free_at.push(std::cmp::Reverse(0u64));
    }
    delays
        .iter()
        .map(|&d| {
            let std::cmp::Reverse(start) = free_at.pop().unwrap();
            free_at.push(std::cmp::Reverse(start + d));
            (start, start + d)
        })
        .collect()
}

fn run_paused<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(f)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    #[test]
    fn map_concurrent_starts_every_job_as_soon_as_a_place_frees(
        delays in proptest::collection::vec(1u64..50, 0..30),
        limit in 1usize..6,
    ) {
        let schedule = greedy_schedule(&delays, limit);
        let (starts, got, max_running) = run_paused(async {
            let probe = Probe::new();
            let p = probe.clone();
            let got = timed(
                stream::iter(delays.clone().into_iter().enumerate())
                    .map_concurrent(limit, move |(id, d)| p.job(id, ms(d))),
                probe.start,
            )
            .await;
            (probe.starts(), got, probe.max_running())
        });
        let mut starts = starts;
        starts.sort_by_key(|&(id, _)| id);
        let want_starts: Vec<_> = schedule.iter().enumerate().map(|(id, &(s, _))| (id, ms(s))).collect();
        proptest::prop_assert_eq!(starts, want_starts);
        // Input order; each output leaves when it and every earlier one have finished.
        let mut done_by = 0;
        let want: Vec<_> = schedule
            .iter()
            .enumerate()
            .map(|(id, &(_, finish))| {
                done_by = done_by.max(finish);
                (id, ms(done_by))
            })
            .collect();
        proptest::prop_assert_eq!(got, want);
        proptest::prop_assert!(max_running <= limit);
    }

    #[test]
    fn map_unordered_starts_every_job_as_soon_as_a_place_frees(
        delays in proptest::collection::vec(1u64..50, 0..30),
        limit in 1usize..6,
    ) {
        let schedule = greedy_schedule(&delays, limit);
        let (starts, got, max_running) = run_paused(async {
            let probe = Probe::new();
            let p = probe.clone();
            let got = timed(
                stream::iter(delays.clone().into_iter().enumerate())
                    .map_unordered(limit, move |(id, d)| p.job(id, ms(d))),
                probe.start,
            )
            .await;
            (probe.starts(), got, probe.max_running())
        });
        let mut starts = starts;
        starts.sort_by_key(|&(id, _)| id);
        let want_starts: Vec<_> = schedule.iter().enumerate().map(|(id, &(s, _))| (id, ms(s))).collect();
        proptest::prop_assert_eq!(starts, want_starts);
        // Each output leaves the moment its job finishes, so in finishing order.
        proptest::prop_assert!(got.windows(2).all(|w| w[0].1 <= w[1].1));
        let mut by_id = got.clone();
        by_id.sort_by_key(|&(id, _)| id);
        let want: Vec<_> = schedule.iter().enumerate().map(|(id, &(_, f))| (id, ms(f))).collect();
        proptest::prop_assert_eq!(by_id, want);
        proptest::prop_assert!(max_running <= limit);
    }
}
