//! Pagination costs, each against its peer in the same run:
//!
//! - per-item overhead of `paginate` against a hand-rolled `futures::stream::try_unfold`
//!   paginator over the same in-memory pages (target: at most 1.1x);
//! - latency hiding: 15 pages at 30 ms each, consumed by a loop that spends 30 ms
//!   awaiting its own work per page, with `prefetch(1)` against `prefetch(0)` (target:
//!   at most 0.6x the wall time; real time, so few samples).
//!
//! Run: `cargo bench --bench paginate -- --warm-up-time 1 --measurement-time 3`.
//! A summary with the ratios is printed at the end.

use std::future::{Ready, ready};
use std::hint::black_box;
use std::time::{Duration, Instant};

use asyncgen::paginate::{Page, paginate};
use criterion::{BenchmarkId, Criterion, Throughput};
use futures::StreamExt;
use futures::executor::block_on;
use futures::stream::{self, Stream, TryStreamExt};

const PAGES: usize = 100;

/// An in-memory API: page `cursor` holds `per_page` numbers, the cursor is the page index.
fn fetch(cursor: usize, per_page: usize) -> Ready<Result<Page<u64, usize>, ()>> {
    let first = (cursor * per_page) as u64;
    let items = (first..first + per_page as u64).collect();
    ready(Ok(Page::new(
        items,
        (cursor + 1 < PAGES).then_some(cursor + 1),
    )))
}

fn with_paginate(per_page: usize) -> impl Stream<Item = Result<u64, ()>> {
    paginate(0usize, move |cursor| fetch(cursor, per_page)).map_err(|_| ())
}

/// What one would write by hand: a buffer of the current page and the next cursor.
fn with_try_unfold(per_page: usize) -> impl Stream<Item = Result<u64, ()>> {
    let start = (Vec::new().into_iter(), Some(0usize));
    stream::try_unfold(start, move |(mut buffer, mut next)| async move {
        loop {
            if let Some(item) = buffer.next() {
                return Ok(Some((item, (buffer, next))));
            }
            let Some(cursor) = next else { return Ok(None) };
            let page = fetch(cursor, per_page).await?;
            buffer = page.items.into_iter();
            next = page.next;
        }
    })
}

fn drain<S: Stream<Item = Result<u64, ()>>>(items: S) -> u64 {
    block_on(items.try_fold(0u64, |sum, item| ready(Ok(sum.wrapping_add(item))))).unwrap()
}

fn per_item(c: &mut Criterion) {
    let mut group = c.benchmark_group("paginate_per_item");
    for per_page in [10, 100] {
        group.throughput(Throughput::Elements((PAGES * per_page) as u64));
        group.bench_with_input(
            BenchmarkId::new("asyncgen_paginate", per_page),
            &per_page,
            |b, &n| b.iter(|| drain(with_paginate(black_box(n)))),
        );
        group.bench_with_input(
            BenchmarkId::new("try_unfold", per_page),
            &per_page,
            |b, &n| b.iter(|| drain(with_try_unfold(black_box(n)))),
        );
    }
    group.finish();
}

const SLOW_PAGES: u32 = 15;
const LATENCY: Duration = Duration::from_millis(30);

/// 15 pages at 30 ms each; the consumer awaits 30 ms of its own work per page.
async fn slow_listing(prefetch: usize) -> u32 {
    let mut items = paginate(0u32, |n| async move {
        tokio::time::sleep(LATENCY).await;
        Ok::<_, ()>(Page::new(vec![n], (n + 1 < SLOW_PAGES).then_some(n + 1)))
    })
    .prefetch(prefetch);
    let mut count = 0;
    while let Some(item) = items.next().await {
        black_box(item.unwrap());
        tokio::time::sleep(LATENCY).await;
        count += 1;
    }
    count
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn latency_hiding(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("paginate_latency_hiding");
    group.sample_size(10);
    for prefetch in [0, 1] {
        group.bench_with_input(
            BenchmarkId::new("prefetch", prefetch),
            &prefetch,
            |b, &n| b.to_async(&rt).iter(|| slow_listing(n)),
        );
    }
    group.finish();
}

/// The median wall time of `runs` calls of `f`, interleaving nothing else.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn summary() {
    println!("\nsummary (medians measured again here, ratio = asyncgen / peer):");
    for per_page in [10, 100] {
        let ours = median(41, || {
            for _ in 0..20 {
                black_box(drain(with_paginate(black_box(per_page))));
            }
        });
        let peer = median(41, || {
            for _ in 0..20 {
                black_box(drain(with_try_unfold(black_box(per_page))));
            }
        });
        let items = (20 * PAGES * per_page) as f64;
        println!(
            "  per item, {per_page:>3} items/page: paginate {:.2} ns, try_unfold {:.2} ns, ratio {:.3} (target <= 1.1)",
            ours.as_nanos() as f64 / items,
            peer.as_nanos() as f64 / items,
            ours.as_secs_f64() / peer.as_secs_f64()
        );
    }
    let rt = runtime();
    let without = median(3, || assert_eq!(rt.block_on(slow_listing(0)), SLOW_PAGES));
    let with = median(3, || assert_eq!(rt.block_on(slow_listing(1)), SLOW_PAGES));
    println!(
        "  latency hiding, 15 x 30 ms pages + 30 ms work each: prefetch(0) {:.0} ms, prefetch(1) {:.0} ms, ratio {:.3} (target <= 0.6)",
        without.as_secs_f64() * 1e3,
        with.as_secs_f64() * 1e3,
        with.as_secs_f64() / without.as_secs_f64()
    );
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    per_item(&mut criterion);
    latency_hiding(&mut criterion);
    criterion.final_summary();
    // `cargo test --benches` runs each benchmark once, without `--bench`: no summary then.
    if std::env::args().any(|arg| arg == "--bench") {
        summary();
    }
}
