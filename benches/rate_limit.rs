//! The cost of taking a cell that need not wait, against governor on the same quota, and
//! of `.throttle` per item against tokio-stream's `throttle`, at rates that never wait.
//!
//! `cargo bench --bench rate_limit -- --warm-up-time 1 --measurement-time 3`
//!
//! After criterion's report, the run ends with a table of ratios (asyncgen / peer; below
//! 1.0 is faster), measured in alternating rounds so that a busy machine skews neither.

use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::Barrier;
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
type GovernorStdClock = governor::RateLimiter<
    governor::state::NotKeyed,
    governor::state::InMemoryState,
    governor::clock::MonotonicClock,
    governor::middleware::NoOpMiddleware<std::time::Instant>,
>;

fn huge_governor_std_clock() -> GovernorStdClock {
    let quota = governor::Quota::per_second(NonZeroU32::new(1_000_000_000).unwrap())
        .allow_burst(NonZeroU32::MAX);
    governor::RateLimiter::direct_with_clock(quota, governor::clock::MonotonicClock)
}

const THREADS: usize = 4;
const ITEMS: u64 = 1_000;

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
            start.elapsed()
        })
    });
    let theirs = huge_governor();
    group.bench_function("governor", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(theirs.check()).unwrap();
            }
            start.elapsed()
        })
    });
    let theirs = huge_governor_std_clock();
    group.bench_function("governor (std clock)", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(theirs.check()).unwrap();
            }
            start.elapsed()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("check (4 threads contending)");
    let ours = RateLimiter::new(huge_quota());
    group.bench_function("asyncgen", |b| {
        b.iter_custom(|iters| contended(iters, || black_box(ours.check()).unwrap()))
    });
    let theirs = huge_governor();
    group.bench_function("governor", |b| {
        b.iter_custom(|iters| contended(iters, || black_box(theirs.check()).unwrap()))
    });
    let theirs = huge_governor_std_clock();
    group.bench_function("governor (std clock)", |b| {
        b.iter_custom(|iters| contended(iters, || black_box(theirs.check()).unwrap()))
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
                start.elapsed()
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
                start.elapsed()
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
                start.elapsed()
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
                start.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, check, until_ready, throttle);

/// Times `ours` and `peer` in alternating rounds (ours, peer, peer, ours, ...), so that
/// load from elsewhere on the machine hits both alike, and returns the medians: time per
/// operation of each, and of the per-round ratio.
fn paired(
    ops: u64,
    mut ours: impl FnMut(u64) -> Duration,
    mut peer: impl FnMut(u64) -> Duration,
) -> (f64, f64, f64) {
    const ROUNDS: usize = 41;
    let (mut a, mut b, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (x, y) = if round % 2 == 0 {
            let x = ours(ops);
            (x, peer(ops))
        } else {
            let y = peer(ops);
            (ours(ops), y)
        };
        let (x, y) = (
            x.as_secs_f64() * 1e9 / ops as f64,
            y.as_secs_f64() * 1e9 / ops as f64,
        );
        a.push(x);
        b.push(y);
        ratio.push(x / y);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut a), median(&mut b), median(&mut ratio))
}

fn summary() {
    let rt = runtime();
    let ours = RateLimiter::new(huge_quota());
    let theirs = huge_governor();
    let theirs_std = huge_governor_std_clock();
    let single_ours = |n| {
        let start = Instant::now();
        for _ in 0..n {
            black_box(ours.check()).unwrap();
        }
        start.elapsed()
    };
    let rows = [
        (
            "check vs governor",
            paired(100_000, single_ours, |n| {
                let start = Instant::now();
                for _ in 0..n {
                    black_box(theirs.check()).unwrap();
                }
                start.elapsed()
            }),
        ),
        (
            "check vs governor (std clock)",
            paired(100_000, single_ours, |n| {
                let start = Instant::now();
                for _ in 0..n {
                    black_box(theirs_std.check()).unwrap();
                }
                start.elapsed()
            }),
        ),
        (
            "check, 4 threads vs governor",
            paired(
                20_000,
                |n| contended(n, || black_box(ours.check()).unwrap()),
                |n| contended(n, || black_box(theirs.check()).unwrap()),
            ),
        ),
        (
            "check, 4 threads vs governor (std clock)",
            paired(
                20_000,
                |n| contended(n, || black_box(ours.check()).unwrap()),
                |n| contended(n, || black_box(theirs_std.check()).unwrap()),
            ),
        ),
        (
            "until_ready vs governor",
            paired(
                100_000,
                |n| {
                    rt.block_on(async {
                        let start = Instant::now();
                        for _ in 0..n {
                            ours.until_ready().await;
                        }
                        start.elapsed()
                    })
                },
                |n| {
                    rt.block_on(async {
                        let start = Instant::now();
                        for _ in 0..n {
                            theirs.until_ready().await;
                        }
                        start.elapsed()
                    })
                },
            ),
        ),
        (
            "throttle, per item vs tokio-stream",
            paired(
                100 * ITEMS,
                |n| {
                    rt.block_on(async {
                        let start = Instant::now();
                        let sum = futures::stream::iter(0..n)
                            .throttle(huge_quota())
                            .fold(0u64, |a, x| async move { a + x })
                            .await;
                        black_box(sum);
                        start.elapsed()
                    })
                },
                |n| {
                    rt.block_on(async {
                        let start = Instant::now();
                        let throttled = tokio_stream::StreamExt::throttle(
                            futures::stream::iter(0..n),
                            Duration::ZERO,
                        );
                        let sum = throttled.fold(0u64, |a, x| async move { a + x }).await;
                        black_box(sum);
                        start.elapsed()
                    })
                },
            ),
        ),
    ];
    println!("\nmedians of 41 alternating rounds (ratio = asyncgen / peer, below 1.0 is faster)");
    println!(
        "{:<42} {:>12} {:>12} {:>8}",
        "per call / item", "asyncgen", "peer", "ratio"
    );
    for (label, (a, b, ratio)) in rows {
        println!("{label:<42} {a:>9.2} ns {b:>9.2} ns {ratio:>7.2}x");
    }
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
