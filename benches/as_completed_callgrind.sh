#!/usr/bin/env bash
# Instruction counts for every case of the `as_completed` benchmark, by callgrind, and
# the ratios the README quotes: ours to the bare peer, the fair peer to the bare peer
# (what the fairness costs), ours to the fair peer (the engines at equal fairness).
#
#   benches/as_completed_callgrind.sh [RUNS]      # default 3 runs of each case
#
# Two counts for each case, the least and the median of RUNS runs, with the widest spread
# of one case's runs ((most - least) / least):
#
# - `process`: the whole process, minus the same runtime's `RUNTIME/baseline` (runtimes,
#   a spawned task and the input, no drain). Everything the drain costs, the scheduler's
#   work for each time the task yields included. valgrind runs one thread at a time,
#   but on the multi-thread runtime the idle worker still wakes and parks a varying
#   number of times, so these counts vary from run to run there.
# - `task`: only the instructions run inside the drain task's polls
#   (`--toggle-collect` on its future): the engine, the futures, the budget, the wakes,
#   but not the scheduler's loop around the polls. The same count run after run on
#   either runtime.
#
# VALGRIND_FLAGS adds options to valgrind (e.g. `--fair-sched=yes`); RUNTIMES picks the
# runtimes (default `current multi`).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
futures=100000 # FUTURES in benches/as_completed.rs
exe=$(cargo bench --bench as_completed --no-run 2>&1 |
    sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -n 1)
[ -x "$exe" ] || { echo "could not build the as_completed benchmark" >&2; exit 1; }

count() { # case [valgrind options...]
    local case=$1
    shift
    # shellcheck disable=SC2086
    valgrind --tool=callgrind ${VALGRIND_FLAGS:-} "$@" --callgrind-out-file=/dev/null \
        "$exe" --only "$case" 2>&1 | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}

counts() { # case [valgrind options...] -> "least median most"
    for _ in $(seq "$runs"); do count "$@"; done | sort -n |
        awk '{ v[NR] = $1 } END { print v[1], v[int((NR + 1) / 2)], v[NR] }'
}

contenders="as_completed FuturesUnordered fair_FuturesUnordered as_completed.limit buffer_unordered fair_buffer_unordered"
for runtime in ${RUNTIMES:-current multi}; do
    read -r base base_median _ <<<"$(counts "$runtime/baseline")"
    for kind in yield self-wake ready; do
        for contender in $contenders; do
            case=$runtime/$kind/$contender
            read -r least median most <<<"$(counts "$case")"
            echo "process $case $((least - base)) $((median - base_median)) $least $most"
            read -r least median most <<<"$(counts "$case" "--toggle-collect=as_completed::Contender::run::*")"
            echo "task $case $least $median $least $most"
        done
    done
done | awk -v futures="$futures" '
    { split($2, p, "/"); key = $1 SUBSEP p[1] SUBSEP p[2]
      least[key, p[3]] = $3; median[key, p[3]] = $4; spread = ($6 - $5) / $5 * 100
      if (spread > worst[$1, p[1]]) worst[$1, p[1]] = spread
      if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
    function ratios(title, n,    i, f, key) {
        printf "%s\n%-8s %-8s %-10s %12s %12s %12s %12s %12s %12s\n", title, "count", "runtime",
            "futures", "ours/FU", "fairFU/FU", "ours/fairFU", "limit/bu", "fairbu/bu", "limit/fairbu"
        for (i = 1; i <= k; i++) {
            split(order[i], f, SUBSEP)
            key = order[i]
            printf "%-8s %-8s %-10s %12.4f %12.4f %12.4f %12.4f %12.4f %12.4f\n", f[1], f[2], f[3],
                n[key, "as_completed"] / n[key, "FuturesUnordered"],
                n[key, "fair_FuturesUnordered"] / n[key, "FuturesUnordered"],
                n[key, "as_completed"] / n[key, "fair_FuturesUnordered"],
                n[key, "as_completed.limit"] / n[key, "buffer_unordered"],
                n[key, "fair_buffer_unordered"] / n[key, "buffer_unordered"],
                n[key, "as_completed.limit"] / n[key, "fair_buffer_unordered"]
        }
        print ""
    }
    END {
        ratios("ratios of the least counts", least)
        ratios("ratios of the median counts", median)
        printf "instructions per future (least counts)\n%-8s %-8s %-10s %12s %12s %12s %12s %12s %12s\n",
            "count", "runtime", "futures", "as_completed", "FU", "fairFU", ".limit", "bu", "fairbu"
        for (i = 1; i <= k; i++) {
            split(order[i], f, SUBSEP)
            key = order[i]
            printf "%-8s %-8s %-10s %12.1f %12.1f %12.1f %12.1f %12.1f %12.1f\n", f[1], f[2], f[3],
                least[key, "as_completed"] / futures, least[key, "FuturesUnordered"] / futures,
                least[key, "fair_FuturesUnordered"] / futures,
                least[key, "as_completed.limit"] / futures,
                least[key, "buffer_unordered"] / futures,
                least[key, "fair_buffer_unordered"] / futures
        }
        print ""
        for (w in worst) {
            split(w, f, SUBSEP)
            printf "widest spread of one case'"'"'s %s counts on %s: %.2f%%\n", f[1], f[2], worst[w]
        }
    }'
