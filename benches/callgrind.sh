#!/usr/bin/env bash
# Instructions per item for every case of a benchmark, counted by callgrind, which gives
# the same figure run after run however loaded the machine is. Each case runs at two
# item counts; the difference in instructions over the difference in items is the cost
# per item, with setup costs (runtime, allocation, process start) cancelled out.
#
#   benches/callgrind.sh yield [FILTER]
#   benches/callgrind.sh forward [FILTER]
#   benches/callgrind.sh comprehension [FILTER]
#
# Prints, per case, instructions per item and the ratios to the group's `hand_written`
# (or `while_let_loop`) and `async_stream` (or `futures_util`) rows.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${1:?usage: benches/callgrind.sh BENCH [FILTER]}
filter=${2:-}
small=${SMALL:-20000}
large=${LARGE:-120000}

exe=$(cargo bench --bench "$bench" --no-run 2>&1 |
    sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -n 1)
[ -x "$exe" ] || { echo "could not build the $bench benchmark" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

instructions() { # case items
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$exe" count "$1" "$2" 2>&1 |
        sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}

"$exe" list | grep -e "$filter" | while read -r case; do
    a=$(instructions "$case" "$small")
    b=$(instructions "$case" "$large")
    echo "$case $(( (b - a) * 100 / (large - small) ))"
done | awk '
    { k = split($1, parts, "/"); name = parts[k]; group = substr($1, 1, length($1) - length(name) - 1)
      per[group, name] = $2 / 100; order[++n] = $1; g[n] = group; c[n] = name }
    END {
        printf "%-44s %12s %10s %10s\n", "case", "instr/item", "/ hand", "/ peer"
        for (i = 1; i <= n; i++) {
            hand = per[g[i], "hand_written"]; if (hand == "") hand = per[g[i], "while_let_loop"]
            peer = per[g[i], "async_stream"]; if (peer == "") peer = per[g[i], "futures_util"]
            rh = "-"; if (hand > 0) rh = sprintf("%.2fx", per[g[i], c[i]] / hand)
            rp = "-"; if (peer > 0) rp = sprintf("%.2fx", per[g[i], c[i]] / peer)
            printf "%-44s %12.1f %10s %10s\n", order[i], per[g[i], c[i]], rh, rp
        }
    }'
