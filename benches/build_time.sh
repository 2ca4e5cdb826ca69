#!/usr/bin/env bash
# Clean-build time of a generators-only hello world: asyncgen (`default-features = false,
# features = ["macros"]`, this checkout) against the same program on async-stream.
#
#     bash benches/build_time.sh [ROUNDS] [-- extra cargo build flags, e.g. --release]
#
# With PER_CRATE=1 in the environment, rustc runs under a wrapper that records each
# crate's CPU time, and the script also prints each crate's median for both programs:
# where the difference comes from. The wrapper costs both builds the same few
# milliseconds per crate.
#
# Both programs build a stream with their macro, pull it with `StreamExt::next` and
# drive it with the same few-line `block_on` on std alone, so the builds differ only in
# the generator crate: asyncgen (which brings futures-util, without default features,
# for `next`) against async-stream plus futures-util without default features (the
# lightest way to get `next`). Each program has its own target directory, removed before
# every build; both use cargo's default `dev` profile. The rounds alternate the order
# (A B, B A, ...), so that both see the same machine load; the script prints each
# build's wall-clock and CPU time, the medians, their ratios, the median of the rounds'
# wall-clock ratios, the load average, and last a one-line summary of the ratios.
set -euo pipefail

rounds=${1:-5}
shift || true
[[ "${1:-}" == "--" ]] && shift
extra=("$@")

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A user's build of a registry crate is not incremental; path dependencies would be.
export CARGO_INCREMENTAL=0 CARGO_TERM_COLOR=never

block_on='
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        match fut.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(out) => return out,
            std::task::Poll::Pending => std::thread::park(),
        }
    }
}'

new_crate() { # name, dependency lines, main.rs body
    mkdir -p "$work/$1/src"
    printf '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n[dependencies]\n%s\n\n[workspace]\n' \
        "$1" "$2" >"$work/$1/Cargo.toml"
    printf '%s\n%s\n' "$3" "$block_on" >"$work/$1/src/main.rs"
}

program() { # the imports, the generator macro's name
    printf '%s

fn main() {
    let s = %s! {
        for i in 0..3 {
            yield format!("hello {i}");
        }
    };
    block_on(async {
        let mut s = std::pin::pin!(s);
        while let Some(line) = s.next().await {
            println!("{line}");
        }
    });
}' "$1" "$2"
}

new_crate hello-asyncgen \
    "asyncgen = { path = \"$repo\", default-features = false, features = [\"macros\"] }" \
    "$(program 'use asyncgen::prelude::*;' async_gen)"

new_crate hello-async-stream \
    'async-stream = "0.3.6"
futures-util = { version = "0.3", default-features = false }' \
    "$(program 'use async_stream::stream;
use futures_util::StreamExt;' stream)"

if [[ "${PER_CRATE:-}" == 1 ]]; then
    # Appends "CRATE USER SYS" (seconds) to $RUSTC_TIMES for each crate rustc compiles
    # (`___` is cargo asking rustc what it supports, not a crate).
    cat >"$work/rustc-timer" <<'EOF'
#!/usr/bin/env bash
rustc=$1
shift
name= prev=
for arg in "$@"; do
    [[ "$prev" == --crate-name ]] && name=$arg
    prev=$arg
done
[[ -z "$name" || "$name" == ___ || -z "${RUSTC_TIMES:-}" ]] && exec "$rustc" "$@"
[[ "$name" == build_script_* ]] && name="$CARGO_PKG_NAME(build-script)"
TIMEFORMAT='%U %S'
status=0
{ time "$rustc" "$@" 2>&3 || status=$?; } 3>&2 2>"$RUSTC_TIMES.$$"
read -r user sys <"$RUSTC_TIMES.$$"
rm -f "$RUSTC_TIMES.$$"
echo "$name $user $sys" >>"$RUSTC_TIMES"
exit "$status"
EOF
    chmod +x "$work/rustc-timer"
    export RUSTC_WRAPPER="$work/rustc-timer"
fi

names=(hello-asyncgen hello-async-stream)
for name in "${names[@]}"; do
    # Resolve and download outside the timed builds, then check that the program runs.
    (cd "$work/$name" && cargo fetch -q && cargo run -q "${extra[@]}" >/dev/null)
done

build() { # name, round -> "wall cpu" seconds (cpu: user + system time of cargo and rustc)
    rm -rf "$work/$1/target"
    local TIMEFORMAT='%R %U %S' t
    export RUSTC_TIMES="$work/times.$1.$2"
    t=$( { time (cd "$work/$1" && cargo build -q --offline "${extra[@]}"); } 2>&1 >/dev/null)
    read -r wall user sys <<<"$(tail -n 1 <<<"$t")"
    echo "$wall $(echo "$user + $sys" | bc)"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }

declare -A wall cpu
ratios=""
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= rounds; r++)); do
    order=("${names[@]}")
    ((r % 2 == 0)) && order=("${names[1]}" "${names[0]}")
    for name in "${order[@]}"; do
        read -r w c <<<"$(build "$name" "$r")"
        wall[$name]+="$w "
        cpu[$name]+="$c "
        printf 'round %d  %-20s %6.2f s wall  %6.2f s cpu\n' "$r" "$name" "$w" "$c"
    done
    ours=$(awk '{print $NF}' <<<"${wall[hello-asyncgen]}")
    peer=$(awk '{print $NF}' <<<"${wall[hello-async-stream]}")
    ratios+="$(echo "$ours / $peer" | bc -l) "
done

printf '\n%d rounds, %d cores, load average (1, 5, 15 min) at the start %s, at the end %s\n' \
    "$rounds" "$(nproc)" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-26s %10s %10s\n' "median" "wall" "cpu"
for name in "${names[@]}"; do
    printf '%-26s %8.2f s %8.2f s\n' "$name" "$(median <<<"${wall[$name]}")" "$(median <<<"${cpu[$name]}")"
done
printf '%-26s %8.2fx %8.2fx\n' "ratio of the medians" \
    "$(echo "$(median <<<"${wall[hello-asyncgen]}") / $(median <<<"${wall[hello-async-stream]}")" | bc -l)" \
    "$(echo "$(median <<<"${cpu[hello-asyncgen]}") / $(median <<<"${cpu[hello-async-stream]}")" | bc -l)"
printf '%-26s %8.2fx\n' "median of per-round ratios" "$(median <<<"$ratios")"
if [[ "${PER_CRATE:-}" == 1 ]]; then
    for name in "${names[@]}"; do
        printf '\n%s: median CPU seconds of each crate (rustc alone)\n' "$name"
        # One value per round and crate (a build script and its library are two crates).
        for file in "$work/times.$name".*; do
            awk '{cpu[$1] += $2 + $3} END {for (c in cpu) print c, cpu[c]}' "$file"
        done | sort -k1,1 -k2,2g | awk '
            {v[$1] = v[$1] " " $2; n[$1]++}
            END {
                for (c in v) {
                    split(substr(v[c], 2), a, " ")
                    m = n[c] % 2 ? a[(n[c] + 1) / 2] : (a[n[c] / 2] + a[n[c] / 2 + 1]) / 2
                    printf "  %-34s %6.2f s\n", c, m
                }
            }' | sort -k2,2gr
    done
fi
printf '\nbuild-time ratio, asyncgen / async-stream: %.2fx wall, %.2fx cpu (medians of %d rounds)\n' \
    "$(echo "$(median <<<"${wall[hello-asyncgen]}") / $(median <<<"${wall[hello-async-stream]}")" | bc -l)" \
    "$(echo "$(median <<<"${cpu[hello-asyncgen]}") / $(median <<<"${cpu[hello-async-stream]}")" | bc -l)" \
    "$rounds"
