//! The cost of taking a cell that need not wait, against governor on the same quota, and
//! of `.throttle` per item against tokio-stream's `throttle`, at rates that never wait.
//!
//! `cargo bench --bench rate_limit -- --warm-up-time 1 --measurement-time 3`
//!
//! Every benchmark records its own timings, so the run ends with a table of ratios
//! (asyncgen / peer; below 1.0 is faster).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use asyncgen::prelude::*;
use asyncgen::{Quota, RateLimiter};
use criterion::{Criterion, criterion_group};

/// A quota so large that nothing ever waits: 10^9 per second (one cell per ns), with a
/// burst of 2^32 - 1. The same for both limiters.
fn huge_quota() -> Quota {
    Quota::per_second(1_000_000_000).allow_burst(u32::MAX)
}

fn huge_governor() -> governor::DefaultDirectRateLimiter {
    let quota = governor::Quota::per_second(NonZeroU32::new(1_000_000_000).unwrap())
        .allow_burst(NonZeroU32::MAX);
    governor::RateLimiter::direct(quota)
}

/// governor on the standard library's clock (the one tokio's `Instant` reads), to
/// compare the algorithms without the difference in clocks.
fn huge_governor_std_clock() -> governor::RateLimiter<
    governor::state::NotKeyed,
    governor::state::InMemoryState,
    governor::clock::MonotonicClock,
> {
    let quota = governor::Quota::per_second(NonZeroU32::new(1_000_000_000).unwrap())
        .allow_burst(NonZeroU32::MAX);
    governor::RateLimiter::direct_with_clock(quota, governor::clock::MonotonicClock)
}

const THREADS: usize = 4;
const ITEMS: u64 = 1_000;

/// Total measured time and iterations per benchmark, for the ratio table.
static TIMINGS: Mutex<BTreeMap<String, (Duration, u64)>> = Mutex::new(BTreeMap::new());

fn record(name: &str, elapsed: Duration, iters: u64) -> Duration {
    let mut timings = TIMINGS.lock().unwrap();
    let entry = timings.entry(name.to_owned()).or_default();
    entry.0 += elapsed;
    entry.1 += iters;
    elapsed
}

fn per_iter(name: &str) -> Option<f64> {
    let timings = TIMINGS.lock().unwrap();
    let &(total, iters) = timings.get(name)?;
    Some(total.as_secs_f64() * 1e9 / iters as f64)
}

/// Runs `op` `iters` times on each of `THREADS` threads at once; the time per iteration
/// is that of one round of `THREADS` contending calls.
fn contended(iters: u64, op: impl Fn() + Sync) -> Duration {
    let barrier = Barrier::new(THREADS + 1);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                barrier.wait();
                for _ in 0..iters {
                    op();
                }
                barrier.wait();
            });
        }
        barrier.wait();
        let start = Instant::now();
        barrier.wait();
        start.elapsed()
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

fn check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check (single task)");
    let ours = RateLimiter::new(huge_quota());
    group.bench_function("asyncgen", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(ours.check()).unwrap();
            }
            record("check/asyncgen", start.elapsed(), iters)
        })
    });
    let theirs = huge_governor();
    group.bench_function("governor", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(theirs.check()).unwrap();
            }
            record("check/governor", start.elapsed(), iters)
        })
    });
    let theirs = huge_governor_std_clock();
    group.bench_function("governor (std clock)", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(theirs.check()).unwrap();
            }
            record("check/governor std clock", start.elapsed(), iters)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("check (4 threads contending)");
    let ours = RateLimiter::new(huge_quota());
    group.bench_function("asyncgen", |b| {
        b.iter_custom(|iters| {
            let elapsed = contended(iters, || black_box(ours.check()).unwrap());
            record("check x4/asyncgen", elapsed, iters)
        })
    });
    let theirs = huge_governor();
    group.bench_function("governor", |b| {
        b.iter_custom(|iters| {
            let elapsed = contended(iters, || black_box(theirs.check()).unwrap());
            record("check x4/governor", elapsed, iters)
        })
    });
    let theirs = huge_governor_std_clock();
    group.bench_function("governor (std clock)", |b| {
        b.iter_custom(|iters| {
            let elapsed = contended(iters, || black_box(theirs.check()).unwrap());
            record("check x4/governor std clock", elapsed, iters)
        })
    });
    group.finish();
}

fn until_ready(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("until_ready (no wait)");
    let ours = RateLimiter::new(huge_quota());
    group.bench_function("asyncgen", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    ours.until_ready().await;
                }
                record("until_ready/asyncgen", start.elapsed(), iters)
            })
        })
    });
    let theirs = huge_governor();
    group.bench_function("governor", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    theirs.until_ready().await;
                }
                record("until_ready/governor", start.elapsed(), iters)
            })
        })
    });
    group.finish();
}

fn throttle(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("throttle (1000 items, no wait)");
    group.bench_function("asyncgen", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let sum = futures::stream::iter(0..ITEMS)
                        .throttle(huge_quota())
                        .fold(0u64, |a, x| async move { a + x })
                        .await;
                    black_box(sum);
                }
                record("throttle/asyncgen", start.elapsed(), iters * ITEMS)
            })
        })
    });
    group.bench_function("tokio-stream", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    // tokio-stream's `throttle` never sleeps for a zero duration.
                    let throttled = tokio_stream::StreamExt::throttle(
                        futures::stream::iter(0..ITEMS),
                        Duration::ZERO,
                    );
                    let sum = throttled.fold(0u64, |a, x| async move { a + x }).await;
                    black_box(sum);
                }
                record("throttle/tokio-stream", start.elapsed(), iters * ITEMS)
            })
        })
    });
    group.finish();
}

criterion_group!(benches, check, until_ready, throttle);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();

    println!(
        "\n{:<34} {:>12} {:>12} {:>8}",
        "per call / item", "asyncgen", "peer", "ratio"
    );
    for (ours, peer) in [
        ("check/asyncgen", "check/governor"),
        ("check/asyncgen", "check/governor std clock"),
        ("check x4/asyncgen", "check x4/governor"),
        ("check x4/asyncgen", "check x4/governor std clock"),
        ("until_ready/asyncgen", "until_ready/governor"),
        ("throttle/asyncgen", "throttle/tokio-stream"),
    ] {
        if let (Some(a), Some(b)) = (per_iter(ours), per_iter(peer)) {
            let label = format!(
                "{} vs {}",
                ours.split('/').next().unwrap(),
                peer.split('/').nth(1).unwrap()
            );
            println!("{label:<44} {a:>9.2} ns {b:>9.2} ns {:>7.2}x", a / b);
        }
    }
}
