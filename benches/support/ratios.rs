//! Prints how each benchmark compares with its peer measured in the same run, from the
//! estimates criterion has just written.

use std::path::PathBuf;

/// Where criterion keeps its results: `$CARGO_TARGET_DIR/criterion`, else
/// `target/criterion` under the workspace root.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("criterion")
}

/// Criterion's directory name for a group or function id.
fn file_safe(id: &str) -> String {
    id.chars()
        .map(|c| match c {
            '?' | '"' | '/' | '\\' | '*' | '<' | '>' | ':' | '|' | '^' => '_',
            c => c,
        })
        .collect()
}

/// Mean time in nanoseconds of `group/function`, as criterion measured it in this run.
pub fn mean_ns(group: &str, function: &str) -> Option<f64> {
    let path = criterion_dir()
        .join(file_safe(group))
        .join(file_safe(function))
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

/// Prints one line per `(group, candidate, peer)`: the candidate's time over the peer's.
pub fn print_ratios(title: &str, rows: &[(&str, &str, &str)]) {
    println!("\n{title}");
    println!(
        "{:<28} {:<22} {:<22} {:>12} {:>12} {:>7}",
        "group", "candidate", "peer", "candidate", "peer", "ratio"
    );
    for &(group, candidate, peer) in rows {
        match (mean_ns(group, candidate), mean_ns(group, peer)) {
            (Some(c), Some(p)) => println!(
                "{group:<28} {candidate:<22} {peer:<22} {:>12} {:>12} {:>6.2}x",
                format_ns(c),
                format_ns(p),
                c / p
            ),
            _ => println!("{group:<28} {candidate:<22} {peer:<22} (not measured in this run)"),
        }
    }
}

fn format_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}
