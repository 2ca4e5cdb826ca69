//! `link::next_url` against `parse_link_header` (its most used peer) on the header a
//! GitHub listing sends: four links, the next one second. Both end with a `url::Url` for
//! the next page, resolved against the request URL, as a paginator needs it.
//!
//! `cargo bench --bench link -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use url::Url;

const REQUEST: &str = "https://api.github.com/repos/rust-lang/rust/issues?page=3";
const GITHUB: &str = "<https://api.github.com/repositories/724712/issues?page=2>; rel=\"prev\", \
<https://api.github.com/repositories/724712/issues?page=4>; rel=\"next\", \
<https://api.github.com/repositories/724712/issues?page=515>; rel=\"last\", \
<https://api.github.com/repositories/724712/issues?page=1>; rel=\"first\"";

fn asyncgen_next(header: &str) -> Option<Url> {
    asyncgen::link::next_url(header, REQUEST)
}

fn peer_next(header: &str) -> Option<Url> {
    let links = parse_link_header::parse_with_rel(header).ok()?;
    let base = Url::parse(REQUEST).ok()?;
    base.join(&links.get("next")?.raw_uri).ok()
}

fn next_url(c: &mut Criterion) {
    assert_eq!(asyncgen_next(GITHUB), peer_next(GITHUB));
    let mut group = c.benchmark_group("next_url/github_4_links");
    group.bench_function("asyncgen", |b| b.iter(|| asyncgen_next(black_box(GITHUB))));
    group.bench_function("parse_link_header", |b| {
        b.iter(|| peer_next(black_box(GITHUB)))
    });
    group.finish();
}

criterion_group!(benches, next_url);

/// The mean time of one call, over interleaved rounds so both see the same machine load.
fn per_call(
    rounds: u32,
    calls: u32,
    f: impl Fn() -> Option<Url>,
    g: impl Fn() -> Option<Url>,
) -> (Duration, Duration) {
    let (mut a, mut b) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..calls {
            black_box(f());
        }
        a += start.elapsed();
        let start = Instant::now();
        for _ in 0..calls {
            black_box(g());
        }
        b += start.elapsed();
    }
    (a / (rounds * calls), b / (rounds * calls))
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let (ours, peer) = per_call(
        20,
        2_000,
        || asyncgen_next(black_box(GITHUB)),
        || peer_next(black_box(GITHUB)),
    );
    println!(
        "summary next_url/github_4_links: asyncgen {ours:?}, parse_link_header {peer:?}: \
         asyncgen takes {:.2}x the peer's time",
        ours.as_secs_f64() / peer.as_secs_f64()
    );
}
