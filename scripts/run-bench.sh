#!/usr/bin/env bash
# Runs the cross-thread and socket benchmark suite (built by `make bench-quick`).
# Latency runs at real-time priority (SCHED_FIFO 1) when permitted: on a shared 2-vCPU
# machine a spinning thread without it loses a large share of its time.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=Benchmarks/.build/release/PeregrineBench
[ -x "$bin" ] || { echo "build the suite first: make bench-quick" >&2; exit 1; }
mode=full
for a in "$@"; do [ "$a" = "--quick" ] && mode=quick; done
mkdir -p bench-results
json="bench-results/${mode}.json"
chart="bench-results/${mode}.html"
if chrt -f 1 true 2>/dev/null; then
  exec chrt -f 1 "$bin" "$@" --json "$json" --chart "$chart"
else
  echo "# SCHED_FIFO not permitted (run as root for real-time priority); figures will be noisier"
  exec "$bin" "$@" --json "$json" --chart "$chart"
fi
