//! `as_completed` against its peers, in one run:
//!
//! - `unbounded`: `as_completed(futures)` vs a bare `FuturesUnordered`.
//! - `limit_64`: `as_completed(futures).limit(64)` vs `stream::iter(futures).buffer_unordered(64)`.
//!
//! 300,000 futures per iteration; a quarter of them return `Pending` once (after waking
//! themselves) before completing, the rest are ready at once. Both sides run on the same
//! current-thread tokio runtime, so `as_completed` pays for its cooperative-budget
//! bookkeeping (and the yields to the scheduler every 128 items) here.
//!
//! At the end the ratios `as_completed / peer` of the mean times are printed.
//!
//! `cargo bench --bench as_completed -- --warm-up-time 1 --measurement-time 3`

use std::collections::BTreeMap;
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use asyncgen::as_completed;
use criterion::{Criterion, criterion_group};
use futures::stream::{self, FuturesUnordered, StreamExt};

const FUTURES: u64 = 300_000;
const LIMIT: usize = 64;

/// Ready at once, or (every fourth one) `Pending` once after waking itself.
struct Job {
    value: u64,
    yield_first: bool,
}

impl Future for Job {
    type Output = u64;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        if self.yield_first {
            self.yield_first = false;
            cx.waker().wake_by_ref();
            Poll::Pending
        } else {
            Poll::Ready(self.value)
        }
    }
}

fn jobs() -> impl Iterator<Item = Job> {
    (0..FUTURES).map(|value| Job {
        value,
        yield_first: value % 4 == 0,
    })
}

/// Every sample of every benchmark, as (time, iterations): the very samples criterion
/// takes, kept for the ratios printed at the end.
static SAMPLES: Mutex<BTreeMap<&'static str, Vec<(Duration, u64)>>> = Mutex::new(BTreeMap::new());

fn record(name: &'static str, elapsed: Duration, iters: u64) -> Duration {
    SAMPLES
        .lock()
        .unwrap()
        .entry(name)
        .or_default()
        .push((elapsed, iters));
    elapsed
}

async fn drain<S: futures::Stream<Item = u64> + Unpin>(mut stream: S) -> u64 {
    let mut sum = 0;
    while let Some(value) = stream.next().await {
        sum += value;
    }
    sum
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let expected: u64 = (0..FUTURES).sum();

    let mut group = c.benchmark_group("unbounded");
    group.sample_size(10);
    group.bench_function("as_completed", |b| {
        b.to_async(&runtime).iter_custom(|iters| async move {
            let start = Instant::now();
            for _ in 0..iters {
                assert_eq!(black_box(drain(as_completed(jobs())).await), expected);
            }
            record("unbounded/as_completed", start.elapsed(), iters)
        });
    });
    group.bench_function("FuturesUnordered", |b| {
        b.to_async(&runtime).iter_custom(|iters| async move {
            let start = Instant::now();
            for _ in 0..iters {
                let all: FuturesUnordered<Job> = jobs().collect();
                assert_eq!(black_box(drain(all).await), expected);
            }
            record("unbounded/FuturesUnordered", start.elapsed(), iters)
        });
    });
    group.finish();

    let mut group = c.benchmark_group("limit_64");
    group.sample_size(10);
    group.bench_function("as_completed.limit", |b| {
        b.to_async(&runtime).iter_custom(|iters| async move {
            let start = Instant::now();
            for _ in 0..iters {
                let bounded = as_completed(jobs()).limit(LIMIT);
                assert_eq!(black_box(drain(bounded).await), expected);
            }
            record("limit_64/as_completed.limit", start.elapsed(), iters)
        });
    });
    group.bench_function("buffer_unordered", |b| {
        b.to_async(&runtime).iter_custom(|iters| async move {
            let start = Instant::now();
            for _ in 0..iters {
                let bounded = stream::iter(jobs()).buffer_unordered(LIMIT);
                assert_eq!(black_box(drain(bounded).await), expected);
            }
            record("limit_64/buffer_unordered", start.elapsed(), iters)
        });
    });
    group.finish();
}

/// Seconds per iteration: the mean over all samples, and the best sample (the one least
/// disturbed by other processes on a shared machine).
fn per_iteration(samples: &[(Duration, u64)]) -> Option<(f64, f64)> {
    let iters: u64 = samples.iter().map(|(_, iters)| iters).sum();
    if iters == 0 {
        return None;
    }
    let total: f64 = samples.iter().map(|(time, _)| time.as_secs_f64()).sum();
    let best = samples
        .iter()
        .filter(|(_, iters)| *iters > 0)
        .map(|(time, iters)| time.as_secs_f64() / *iters as f64)
        .fold(f64::INFINITY, f64::min);
    Some((total / iters as f64, best))
}

fn summary() {
    let samples = SAMPLES.lock().unwrap();
    let timing = |name: &str| samples.get(name).and_then(|s| per_iteration(s));
    println!("\nas_completed / peer, {FUTURES} futures per iteration (target: ratio <= 1.10)");
    println!(
        "  {:<28} {:>10} {:>10}   {:<28} {:>10} {:>10}   {:>10} {:>10}",
        "ours", "mean ms", "best ms", "peer", "mean ms", "best ms", "mean ratio", "best ratio"
    );
    for (ours, peer) in [
        ("unbounded/as_completed", "unbounded/FuturesUnordered"),
        ("limit_64/as_completed.limit", "limit_64/buffer_unordered"),
    ] {
        if let (Some((our_mean, our_best)), Some((peer_mean, peer_best))) =
            (timing(ours), timing(peer))
        {
            println!(
                "  {ours:<28} {:>10.2} {:>10.2}   {peer:<28} {:>10.2} {:>10.2}   {:>10.3} {:>10.3}",
                our_mean * 1e3,
                our_best * 1e3,
                peer_mean * 1e3,
                peer_best * 1e3,
                our_mean / peer_mean,
                our_best / peer_best,
            );
        }
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    summary();
    Criterion::default().configure_from_args().final_summary();
}
