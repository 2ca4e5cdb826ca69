//! Peak memory of `as_completed(..).limit(64)` over a lazy input: it should not depend on
//! the input's length. Run it with two lengths and compare the `VmHWM` lines:
//!
//! ```text
//! cargo run --release --example as_completed_memory -- 1000000
//! cargo run --release --example as_completed_memory -- 10000000
//! ```
//!
//! For contrast, `-- 1000000 unbounded` drops the limit: the whole input is then taken
//! at once and the peak grows with the input.
//!
//! Each future yields to the scheduler once before it completes, so every one of them
//! really is in flight for a while. Linux only (reads `/proc/self/status`).

use asyncgen::as_completed;
use asyncgen::prelude::*;

/// The process's peak resident set size, in KiB.
fn peak_rss_kib() -> u64 {
    let status =
        std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux only)");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let items: u64 = std::env::args()
        .nth(1)
        .map_or(10_000_000, |arg| arg.parse().expect("a number of items"));
    let bounded = std::env::args().nth(2).as_deref() != Some("unbounded");
    let before = peak_rss_kib();
    let input = (0..items).map(|n| async move {
        tokio::task::yield_now().await;
        n
    });
    let finished = as_completed(input);
    let mut finished = if bounded {
        finished.limit(64)
    } else {
        finished
    };
    let (mut count, mut sum) = (0u64, 0u64);
    while let Some(n) = finished.next().await {
        count += 1;
        sum = sum.wrapping_add(n);
    }
    assert_eq!(count, items);
    assert_eq!(sum, (0..items).fold(0u64, u64::wrapping_add));
    let after = peak_rss_kib();
    println!(
        "items: {items}  VmHWM before: {before} KiB  after: {after} KiB  growth: {} KiB",
        after - before
    );
}
