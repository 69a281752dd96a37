#!/usr/bin/env bash
# User-space instructions per operation, counted by callgrind (deterministic: the same
# binary counts the same whatever else the machine does). Each workload runs at two sizes
# and the difference is divided by the difference in operations, so runtime creation and
# teardown cancel out.
#
#   benches/compare/instructions.sh            # builds the compare bench, prints the table
#
# Columns: evloop, tokio's current-thread runtime (+ LocalSet), smol's LocalExecutor, and
# (echo only) the hand-written mio loop of benches/net/raw_mio.rs.
#
# Needs valgrind (Debian: valgrind).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "valgrind not found; apt-get install -y valgrind"; exit 1; }
bin=$(cargo bench --bench compare --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*compare-[^"]*"' | head -1 | cut -d'"' -f4)
[ -x "$bin" ] || { echo "could not build the compare bench"; exit 1; }
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | awk '/Collected/ {print $4}'; }
# One row: the workload at two sizes on each runtime; instructions per operation.
per_op() { # label workload small large
    local label=$1 workload=$2 small=$3 large=$4 row a b
    row="| $label |"
    for rt in evloop tokio smol; do
        a=$(count "$bin" --workload "$workload" "$small" "$rt")
        b=$(count "$bin" --workload "$workload" "$large" "$rt")
        row="$row $(( (b - a) / (large - small) )) |"
    done
    echo "$row —  |"
}
echo "| per operation (user-space instructions, callgrind) | evloop | tokio | smol | raw mio |"
echo "|---|---:|---:|---:|---:|"
per_op "spawn + join a trivial task" spawn_join 20000 40000
per_op "yield_now" yield 200000 400000
per_op "ping-pong message (2 wakes, 2 polls)" ping_pong 100000 200000
per_op "wait_for on a ready future" timeout_ready 100000 200000
per_op "wait_for, timer armed and cancelled" timeout_cancelled 50000 100000
row="| TCP echo round trip (64 connections) |"
for rt in evloop tokio smol raw-mio; do
    a=$(count "$bin" --echo "$rt" 64 500); b=$(count "$bin" --echo "$rt" 64 1500)
    row="$row $(( (b - a) / 64000 )) |"
done
echo "$row"
