#!/usr/bin/env bash
# User-space instructions per operation, counted by callgrind (deterministic: the same
# binary counts the same whatever else the machine does). Each workload runs at two sizes
# and the difference is divided by the difference in operations, so runtime creation and
# teardown cancel out.
#
#   benches/compare/instructions.sh            # builds the compare bench, prints the table
#
# Needs valgrind (Debian: valgrind).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "valgrind not found; apt-get install -y valgrind"; exit 1; }
bin=$(cargo bench --bench compare --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*compare-[^"]*"' | head -1 | cut -d'"' -f4)
[ -x "$bin" ] || { echo "could not build the compare bench"; exit 1; }
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | awk '/Collected/ {print $4}'; }
per_op() { # name small large -- command prefix
    local name=$1 small=$2 large=$3; shift 3
    local a b
    a=$(count "$@" "$small"); b=$(count "$@" "$large")
    printf '| %s | %s |\n' "$name" "$(( (b - a) / (large - small) ))"
}
echo "| per operation (evloop) | instructions |"
echo "|---|---:|"
per_op "spawn + join a trivial task" 20000 40000 "$bin" --workload spawn_join
per_op "yield_now" 200000 400000 "$bin" --workload yield
per_op "ping-pong message (2 wakes, 2 polls)" 100000 200000 "$bin" --workload ping_pong
per_op "wait_for on a ready future" 100000 200000 "$bin" --workload timeout_ready
per_op "wait_for, timer armed and cancelled" 50000 100000 "$bin" --workload timeout_cancelled
a=$(count "$bin" --echo evloop 64 500); b=$(count "$bin" --echo evloop 64 1500)
printf '| TCP echo round trip (64 connections) | %s |\n' "$(( (b - a) / 64000 ))"
