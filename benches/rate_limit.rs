//! The cost of taking a cell that need not wait, against governor on the same quota, and
//! of `.throttle` per item against tokio-stream's `throttle`, at rates that never wait.
//!
//! `cargo bench --bench rate_limit --features quanta -- --warm-up-time 1 --measurement-time 3`
//!
//! The limiter runs on each of its clocks: tokio's (the default, what `RateLimiter::new`
//! reads) and, with the `quanta` feature, quanta's (`RateLimiter::with_quanta_clock`, the
//! clock governor ships with).
//!
//! After criterion's report, the run ends with a table of ratios (asyncgen / peer; below
//! 1.0 is faster), measured in alternating rounds so that a busy machine skews neither.
//!
//! With the `redis` feature (`--features quanta,redis`) and Debian's `redis-server`
//! installed, it also takes cells through `RedisRateLimiter` on a server it starts on
//! loopback, beside the in-process limiter, and counts the cells per second that one and
//! four connections (as four processes would hold) get through one shared key.

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

/// The limiter on each clock it can read, with the clock's name: tokio's, and quanta's
/// when the `quanta` feature is on.
fn huge_limiters() -> Vec<(&'static str, RateLimiter)> {
    vec![
        ("tokio clock", RateLimiter::new(huge_quota())),
        #[cfg(feature = "quanta")]
        (
            "quanta clock",
            RateLimiter::with_quanta_clock(huge_quota(), quanta::Clock::new()),
        ),
    ]
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
    for (clock, ours) in huge_limiters() {
        group.bench_function(format!("asyncgen ({clock})"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(ours.check()).unwrap();
                }
                start.elapsed()
            })
        });
    }
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
    for (clock, ours) in huge_limiters() {
        group.bench_function(format!("asyncgen ({clock})"), |b| {
            b.iter_custom(|iters| contended(iters, || black_box(ours.check()).unwrap()))
        });
    }
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
    for (clock, ours) in huge_limiters() {
        group.bench_function(format!("asyncgen ({clock})"), |b| {
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
    }
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
/// operation of each, and of the per-round ratio. `ops` is chosen so that a round takes
/// tens of milliseconds, long beside a scheduler's time slice, so that one preemption
/// does not decide a round.
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
    let theirs = huge_governor();
    let theirs_std = huge_governor_std_clock();
    let governor_check = |n| {
        let start = Instant::now();
        for _ in 0..n {
            black_box(theirs.check()).unwrap();
        }
        start.elapsed()
    };
    let governor_std_check = |n| {
        let start = Instant::now();
        for _ in 0..n {
            black_box(theirs_std.check()).unwrap();
        }
        start.elapsed()
    };
    let governor_until_ready = |n| {
        rt.block_on(async {
            let start = Instant::now();
            for _ in 0..n {
                theirs.until_ready().await;
            }
            start.elapsed()
        })
    };
    let tokio_stream_throttle = |n| {
        rt.block_on(async {
            let start = Instant::now();
            // tokio-stream's `throttle` never sleeps for a zero duration.
            let throttled =
                tokio_stream::StreamExt::throttle(futures::stream::iter(0..n), Duration::ZERO);
            let sum = throttled.fold(0u64, |a, x| async move { a + x }).await;
            black_box(sum);
            start.elapsed()
        })
    };

    let mut rows = Vec::new();
    for (clock, ours) in huge_limiters() {
        let check = |n| {
            let start = Instant::now();
            for _ in 0..n {
                black_box(ours.check()).unwrap();
            }
            start.elapsed()
        };
        let check_contended = |n| contended(n, || black_box(ours.check()).unwrap());
        let until_ready = |n| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..n {
                    ours.until_ready().await;
                }
                start.elapsed()
            })
        };
        let throttle = |n| {
            rt.block_on(async {
                let start = Instant::now();
                let sum = futures::stream::iter(0..n)
                    .throttle(&ours)
                    .fold(0u64, |a, x| async move { a + x })
                    .await;
                black_box(sum);
                start.elapsed()
            })
        };
        rows.push((
            format!("check ({clock}) vs governor"),
            paired(1_000_000, check, governor_check),
        ));
        rows.push((
            format!("check ({clock}) vs governor (std clock)"),
            paired(1_000_000, check, governor_std_check),
        ));
        rows.push((
            format!("check, 4 threads ({clock}) vs governor"),
            paired(200_000, check_contended, |n| {
                contended(n, || black_box(theirs.check()).unwrap())
            }),
        ));
        rows.push((
            format!("until_ready ({clock}) vs governor"),
            paired(1_000_000, until_ready, governor_until_ready),
        ));
        rows.push((
            format!("throttle per item ({clock}) vs tokio-stream"),
            paired(1_000 * ITEMS, throttle, tokio_stream_throttle),
        ));
    }
    println!("\nmedians of 41 alternating rounds (ratio = asyncgen / peer, below 1.0 is faster)");
    println!(
        "{:<50} {:>12} {:>12} {:>8}",
        "per call / item", "asyncgen", "peer", "ratio"
    );
    for (label, (a, b, ratio)) in rows {
        println!("{label:<50} {a:>9.2} ns {b:>9.2} ns {ratio:>7.2}x");
    }
}

#[cfg(feature = "redis")]
#[path = "../tests/redis_server/mod.rs"]
mod redis_server;

/// A cell through Redis on loopback beside one from the in-process limiter, and the
/// throughput of one shared key from one and from four connections.
#[cfg(feature = "redis")]
fn redis_summary() {
    use asyncgen::time::RedisRateLimiter;

    let Some(server) = redis_server::RedisServer::start() else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = server.url();
    let connect = |key: &'static str| {
        let url = url.clone();
        rt.block_on(async move { RedisRateLimiter::connect(&url, key, huge_quota()).await })
            .unwrap()
    };
    let remote = connect("bench:single");
    let local = RateLimiter::new(huge_quota());
    let through_redis = |n| {
        rt.block_on(async {
            let start = Instant::now();
            for _ in 0..n {
                remote.until_ready().await.unwrap();
            }
            start.elapsed()
        })
    };
    let in_process = |n| {
        rt.block_on(async {
            let start = Instant::now();
            for _ in 0..n {
                local.until_ready().await;
            }
            start.elapsed()
        })
    };
    let (redis_ns, local_ns, ratio) = paired(2_000, through_redis, in_process);
    println!("\nRedis on loopback: medians of 41 alternating rounds");
    println!(
        "until_ready per cell: RedisRateLimiter {:.1} µs, RateLimiter {local_ns:.1} ns ({ratio:.0}x)",
        redis_ns / 1e3
    );
    // One key, asked by one connection and by four at once (each its own limiter and
    // connection, as separate processes hold them).
    for connections in [1usize, 4] {
        let limiters: Vec<_> = (0..connections).map(|_| connect("bench:shared")).collect();
        let cells = 4_000 / connections;
        let mut rates = Vec::new();
        for _ in 0..5 {
            let took = rt.block_on(async {
                let start = Instant::now();
                let tasks: Vec<_> = limiters
                    .iter()
                    .cloned()
                    .map(|limiter| {
                        tokio::spawn(async move {
                            for _ in 0..cells {
                                limiter.until_ready().await.unwrap();
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
                start.elapsed()
            });
            rates.push((cells * connections) as f64 / took.as_secs_f64());
        }
        rates.sort_by(f64::total_cmp);
        println!(
            "one shared key, {connections} connection(s): {:.0} cells/s (median of 5 runs)",
            rates[2]
        );
    }
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary();
    #[cfg(feature = "redis")]
    redis_summary();
}
