//! `comp!` against the same pipeline written with futures-util adapters and against a
//! hand-written loop; `map_concurrent` / `map_unordered` against futures-util's
//! `buffered` / `buffer_unordered`. Prints the ratios at the end, three ways: from
//! criterion's estimates (`typical`), from each side's fastest sample (`fastest`), and
//! from a short run that alternates between the two sides (`interleaved`), which is the
//! one to trust on a machine that other work shares.
//!
//! ```text
//! cargo bench --bench comprehension -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! The `comp/range/*` groups put `comp![i for i in 0..n]` beside a hand-written stream
//! and async-stream under each consumer of the yield benchmark (`inlined`, `opaque`,
//! `tokio`, `boxed`; see `benches/yield.rs`). `benches/callgrind.sh comprehension`
//! counts their instructions per item.

use std::future::ready;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use asyncgen::prelude::*;
use criterion::{Criterion, Throughput};
use futures::executor::block_on;
use futures::stream;

#[path = "support/consumers.rs"]
#[macro_use]
mod consumers;
use consumers::{BOXED, Counter, INLINED, OPAQUE, TOKIO, consume, runtime};

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

// The contenders, each one complete run over `ITEMS` items.

fn comp_filter_map() -> u64 {
    let s = source();
    block_on(drain(comp![x * 2 for await x in s if x % 3 == 0]))
}

fn futures_util_filter_map() -> u64 {
    block_on(drain(source().filter(|x| ready(x % 3 == 0)).map(|x| x * 2)))
}

fn generate_loop_filter_map() -> u64 {
    let s = source();
    block_on(drain(generate(move |mut y| async move {
        let mut s = std::pin::pin!(s);
        while let Some(x) = s.next().await {
            if x % 3 == 0 {
                y.yield_(x * 2).await;
            }
        }
    })))
}

fn while_let_filter_map() -> u64 {
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
}

fn map_concurrent() -> u64 {
    block_on(drain(
        source().map_concurrent(LIMIT, |x| async move { x * 2 }),
    ))
}

fn buffered() -> u64 {
    block_on(drain(
        source().map(|x| async move { x * 2 }).buffered(LIMIT),
    ))
}

fn map_unordered() -> u64 {
    block_on(drain(
        source().map_unordered(LIMIT, |x| async move { x * 2 }),
    ))
}

fn buffer_unordered() -> u64 {
    block_on(drain(
        source()
            .map(|x| async move { x * 2 })
            .buffer_unordered(LIMIT),
    ))
}

candidates! {
    range_comp = |n| comp![i for i in 0..n];
    range_hand_written = |n| Counter { next: 0, end: n };
    range_async_stream = |n| async_stream::stream! {
        for i in 0..n {
            yield i;
        }
    };
}

type Contender = (&'static str, fn() -> u64);
type RangeContender = (&'static str, fn(u64) -> u64);

const fn range_group<const HOW: u8>() -> [RangeContender; 3] {
    [
        ("comp", range_comp::<HOW>),
        ("hand_written", range_hand_written::<HOW>),
        ("async_stream", range_async_stream::<HOW>),
    ]
}

/// `comp![i for i in 0..n]` and its peers, under each consumer.
const RANGE_GROUPS: [(&str, [RangeContender; 3]); 4] = [
    ("comp/range/inlined", range_group::<INLINED>()),
    ("comp/range/opaque", range_group::<OPAQUE>()),
    ("comp/range/tokio", range_group::<TOKIO>()),
    ("comp/range/boxed", range_group::<BOXED>()),
];

/// Benchmark groups, each with our contender first and its peers after it.
const GROUPS: [(&str, &[Contender]); 3] = [
    (
        "filter_map",
        &[
            ("comp", comp_filter_map),
            ("futures_util", futures_util_filter_map),
            ("generate_loop", generate_loop_filter_map),
            ("while_let_loop", while_let_filter_map),
        ],
    ),
    (
        "ordered",
        &[("map_concurrent", map_concurrent), ("buffered", buffered)],
    ),
    (
        "unordered",
        &[
            ("map_unordered", map_unordered),
            ("buffer_unordered", buffer_unordered),
        ],
    ),
];

fn benches(c: &mut Criterion) {
    for (name, contenders) in RANGE_GROUPS {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(ITEMS));
        for (id, run) in contenders {
            group.bench_function(id, |b| b.iter(|| run(black_box(ITEMS))));
        }
        group.finish();
    }
    for (name, contenders) in GROUPS {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(ITEMS));
        for &(id, run) in contenders {
            group.bench_function(id, |b| b.iter(run));
        }
        group.finish();
    }
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
    // Criterion keeps `a/b/c` groups in a directory named `a_b_c`.
    let path = report_dir()
        .join(group.replace('/', "_"))
        .join(bench)
        .join("new")
        .join(file);
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

/// Our time over the peer's, from runs that alternate between the two, so that load
/// from other processes, which comes and goes, weighs on both alike: the median of the
/// per-round ratios.
fn interleaved_ratio(ours: impl Fn() -> u64, peer: impl Fn() -> u64) -> f64 {
    const ROUNDS: usize = 101;
    const RUNS_PER_ROUND: usize = 5;
    let time = |run: &dyn Fn() -> u64| {
        let start = Instant::now();
        for _ in 0..RUNS_PER_ROUND {
            black_box(run());
        }
        start.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..ROUNDS).map(|_| time(&ours) / time(&peer)).collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ROUNDS / 2]
}

fn print_ratios(filter: Option<&str>) {
    println!("\nratios, ours / peer (lower is better; target <= 1.10):");
    println!(
        "  {:<44} {:>9} {:>9} {:>12}",
        "", "typical", "fastest", "interleaved"
    );
    // The same code on both sides: how far from 1.00 noise alone moves a ratio.
    let (_, run_comp) = GROUPS[0].1[0];
    println!(
        "  {:<44} {:>9} {:>9} {:>11.2}x",
        "noise check: comp / comp",
        "",
        "",
        interleaved_ratio(run_comp, run_comp)
    );
    for (group, contenders) in RANGE_GROUPS {
        let (ours, run_ours) = contenders[0];
        for &(peer, run_peer) in &contenders[1..] {
            print_pair(filter, group, ours, peer, || {
                interleaved_ratio(|| run_ours(ITEMS), || run_peer(ITEMS))
            });
        }
    }
    for (group, contenders) in GROUPS {
        let (ours, run_ours) = contenders[0];
        for &(peer, run_peer) in &contenders[1..] {
            print_pair(filter, group, ours, peer, || {
                interleaved_ratio(run_ours, run_peer)
            });
        }
    }
}

/// One line of the ratio table, unless `filter` leaves it out.
fn print_pair(
    filter: Option<&str>,
    group: &str,
    ours: &str,
    peer: &str,
    interleaved: impl FnOnce() -> f64,
) {
    let label = format!("{group}: {ours} / {peer}");
    if filter.is_some_and(|f| !label.contains(f) && !group.contains(f)) {
        return;
    }
    let ratio = |time: fn(&str, &str) -> Option<f64>| Some(time(group, ours)? / time(group, peer)?);
    let show = |r: Option<f64>| r.map_or("-".into(), |r| format!("{r:.2}x"));
    println!(
        "  {label:<44} {:>9} {:>9} {:>12}",
        show(ratio(typical_ns)),
        show(ratio(fastest_ns)),
        show(Some(interleaved())),
    );
}

/// `list` prints the `comp/range` cases; `count CASE N` drains one over `N` items once,
/// for `benches/callgrind.sh`.
fn count_mode(args: &[String]) -> bool {
    match args {
        [_, mode] if mode == "list" => {
            for (group, contenders) in RANGE_GROUPS {
                for (name, _) in contenders {
                    println!("{group}/{name}");
                }
            }
            true
        }
        [_, mode, case, n] if mode == "count" => {
            let n: u64 = n.parse().expect("N, the number of items");
            let (group, name) = case.rsplit_once('/').expect("GROUP/CONTENDER");
            let (_, run) = RANGE_GROUPS
                .iter()
                .filter(|(g, _)| *g == group)
                .flat_map(|(_, contenders)| contenders)
                .find(|(id, _)| *id == name)
                .unwrap_or_else(|| panic!("no case {case}"));
            black_box(run(black_box(n)));
            true
        }
        _ => false,
    }
}

fn main() {
    if count_mode(&std::env::args().collect::<Vec<_>>()) {
        return;
    }
    runtime();
    let mut c = Criterion::default()
        .output_directory(&report_dir())
        .configure_from_args();
    benches(&mut c);
    c.final_summary();
    // `cargo bench` passes `--bench`; the first other free argument is criterion's filter.
    let filter = std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with('-') && arg.parse::<f64>().is_err());
    print_ratios(filter.as_deref());
}
