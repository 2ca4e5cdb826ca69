//! `comp!` against the same pipeline written with futures-util adapters and against a
//! hand-written loop; `map_concurrent` / `map_unordered` against futures-util's
//! `buffered` / `buffer_unordered`. Prints the ratios at the end.
//!
//! ```text
//! cargo bench --bench comprehension -- --warm-up-time 1 --measurement-time 3
//! ```

use std::future::ready;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use asyncgen::prelude::*;
use criterion::{Criterion, Throughput};
use futures::executor::block_on;
use futures::stream;

const ITEMS: u64 = 10_000;
const LIMIT: usize = 16;

/// Drains a stream, summing its items, the same way for every contender.
async fn drain<S: Stream<Item = u64>>(s: S) -> u64 {
    let mut s = std::pin::pin!(s);
    let mut sum = 0u64;
    while let Some(x) = s.next().await {
        sum = sum.wrapping_add(x);
    }
    sum
}

fn source() -> impl Stream<Item = u64> {
    stream::iter(black_box(0..ITEMS))
}

fn comprehension(c: &mut Criterion) {
    let mut group = c.benchmark_group("filter_map");
    group.throughput(Throughput::Elements(ITEMS));
    group.bench_function("comp", |b| {
        b.iter(|| {
            let s = source();
            block_on(drain(comp![x * 2 for await x in s if x % 3 == 0]))
        })
    });
    group.bench_function("futures_util", |b| {
        b.iter(|| {
            let s = source().filter(|x| ready(x % 3 == 0)).map(|x| x * 2);
            block_on(drain(s))
        })
    });
    group.bench_function("generate_loop", |b| {
        b.iter(|| {
            let s = source();
            block_on(drain(generate(move |mut y| async move {
                let mut s = std::pin::pin!(s);
                while let Some(x) = s.next().await {
                    if x % 3 == 0 {
                        y.yield_(x * 2).await;
                    }
                }
            })))
        })
    });
    group.bench_function("while_let_loop", |b| {
        b.iter(|| {
            block_on(async {
                let mut s = std::pin::pin!(source());
                let mut sum = 0u64;
                while let Some(x) = s.next().await {
                    if x % 3 == 0 {
                        sum = sum.wrapping_add(black_box(x * 2));
                    }
                }
                sum
            })
        })
    });
    group.finish();
}

fn concurrent(c: &mut Criterion) {
    let mut group = c.benchmark_group("ordered");
    group.throughput(Throughput::Elements(ITEMS));
    group.bench_function("map_concurrent", |b| {
        b.iter(|| {
            block_on(drain(
                source().map_concurrent(LIMIT, |x| async move { x * 2 }),
            ))
        })
    });
    group.bench_function("buffered", |b| {
        b.iter(|| {
            block_on(drain(
                source().map(|x| async move { x * 2 }).buffered(LIMIT),
            ))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("unordered");
    group.throughput(Throughput::Elements(ITEMS));
    group.bench_function("map_unordered", |b| {
        b.iter(|| {
            block_on(drain(
                source().map_unordered(LIMIT, |x| async move { x * 2 }),
            ))
        })
    });
    group.bench_function("buffer_unordered", |b| {
        b.iter(|| {
            block_on(drain(
                source()
                    .map(|x| async move { x * 2 })
                    .buffer_unordered(LIMIT),
            ))
        })
    });
    group.finish();
}

/// Criterion's reports, under the target directory as criterion's default puts them.
fn report_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("criterion")
}

/// Criterion's saved measurements for `group/bench` from this run.
fn report(group: &str, bench: &str, file: &str) -> Option<serde_json::Value> {
    let path = report_dir().join(group).join(bench).join("new").join(file);
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// The time per iteration criterion printed as `time:` (its slope estimate, or the mean
/// where it had none).
fn typical_ns(group: &str, bench: &str) -> Option<f64> {
    let json = report(group, bench, "estimates.json")?;
    json["slope"]["point_estimate"]
        .as_f64()
        .or_else(|| json["mean"]["point_estimate"].as_f64())
}

/// The time per iteration of the fastest sample: on a machine shared with other work
/// it is the figure least disturbed by what else runs.
fn fastest_ns(group: &str, bench: &str) -> Option<f64> {
    let json = report(group, bench, "sample.json")?;
    let iters = json["iters"].as_array()?;
    let times = json["times"].as_array()?;
    iters
        .iter()
        .zip(times)
        .filter_map(|(n, t)| Some(t.as_f64()? / n.as_f64()?))
        .reduce(f64::min)
}

fn print_ratios() {
    println!("\nratios, ours / peer (lower is better; target <= 1.10):");
    println!("  {:<34} {:>9} {:>9}", "", "typical", "fastest");
    let pairs = [
        ("filter_map", "comp", "futures_util"),
        ("filter_map", "comp", "generate_loop"),
        ("filter_map", "comp", "while_let_loop"),
        ("ordered", "map_concurrent", "buffered"),
        ("unordered", "map_unordered", "buffer_unordered"),
    ];
    for (group, ours, peer) in pairs {
        let ratio =
            |time: fn(&str, &str) -> Option<f64>| Some(time(group, ours)? / time(group, peer)?);
        if let (Some(typical), Some(fastest)) = (ratio(typical_ns), ratio(fastest_ns)) {
            println!(
                "  {:<34} {typical:>8.2}x {fastest:>8.2}x",
                format!("{group}: {ours} / {peer}")
            );
        }
    }
}

fn main() {
    let mut c = Criterion::default()
        .output_directory(&report_dir())
        .configure_from_args();
    comprehension(&mut c);
    concurrent(&mut c);
    c.final_summary();
    print_ratios();
}
