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
//! At the end the ratios `as_completed / peer` are printed: from the means of criterion's
//! samples, then from paired rounds that time both back to back.
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

/// Mean seconds per iteration over all samples.
fn mean_per_iteration(samples: &[(Duration, u64)]) -> Option<f64> {
    let iters: u64 = samples.iter().map(|(_, iters)| iters).sum();
    let total: f64 = samples.iter().map(|(time, _)| time.as_secs_f64()).sum();
    (iters > 0).then(|| total / iters as f64)
}

fn summary() {
    let samples = SAMPLES.lock().unwrap();
    let mean = |name: &str| samples.get(name).and_then(|s| mean_per_iteration(s));
    println!("\nas_completed / peer, {FUTURES} futures per iteration (target: ratio <= 1.10)");
    for (ours, peer) in [
        ("unbounded/as_completed", "unbounded/FuturesUnordered"),
        ("limit_64/as_completed.limit", "limit_64/buffer_unordered"),
    ] {
        if let (Some(ours_mean), Some(peer_mean)) = (mean(ours), mean(peer)) {
            println!(
                "  {ours:<28} {:>8.2} ms   {peer:<28} {:>8.2} ms   ratio {:.3}",
                ours_mean * 1e3,
                peer_mean * 1e3,
                ours_mean / peer_mean,
            );
        }
    }
}

/// The ratios again from paired rounds: each round times ours and the peer back to back
/// (alternating which goes first), and the median of the per-round ratios is printed.
/// On a machine shared with other work this is steadier than comparing two means taken
/// seconds apart.
fn paired() {
    const ROUNDS: usize = 15;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let expected: u64 = (0..FUTURES).sum();
    let time = |bounded: bool, ours: bool| {
        runtime.block_on(async {
            let start = Instant::now();
            let sum = match (bounded, ours) {
                (false, true) => drain(as_completed(jobs())).await,
                (false, false) => drain(jobs().collect::<FuturesUnordered<Job>>()).await,
                (true, true) => drain(as_completed(jobs()).limit(LIMIT)).await,
                (true, false) => drain(stream::iter(jobs()).buffer_unordered(LIMIT)).await,
            };
            assert_eq!(black_box(sum), expected);
            start.elapsed().as_secs_f64()
        })
    };
    println!("\npaired rounds ({ROUNDS}), median of per-round ratios as_completed / peer:");
    for (bounded, label) in [
        (false, "as_completed / FuturesUnordered"),
        (true, "as_completed.limit(64) / buffer_unordered(64)"),
    ] {
        let mut ratios: Vec<f64> = (0..ROUNDS)
            .map(|round| {
                if round % 2 == 0 {
                    let ours = time(bounded, true);
                    ours / time(bounded, false)
                } else {
                    let peer = time(bounded, false);
                    time(bounded, true) / peer
                }
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        println!(
            "  {label:<46} median {:.3}  (min {:.3}, max {:.3})",
            ratios[ROUNDS / 2],
            ratios[0],
            ratios[ROUNDS - 1]
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    summary();
    if !std::env::args().any(|arg| arg == "--test" || arg == "--list") {
        paired();
    }
    Criterion::default().configure_from_args().final_summary();
}
