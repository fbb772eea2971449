#!/usr/bin/env bash
# Builds and runs the benchmarks (tests/bench); each prints figures against a baseline measured
# in the same run. Pass --uni to include the published-size model (minutes, several GB).
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
bash packaging/build.sh
for b in build/tests/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "=== $(basename "$b")"
  if [ "$(basename "$b")" = bench_inference ]; then "$b" "$@"; else "$b"; fi
done
