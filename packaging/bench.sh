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
  case "$(basename "$b")" in
    bench_inference|bench_training) "$b" "$@" ;;
    bench_render)  # a GL window: a real X server, Mesa's software renderer when none is there
      if [ -n "${DISPLAY:-}" ]; then "$b"
      else LIBGL_ALWAYS_SOFTWARE=1 QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" "$b"; fi ;;
    *) "$b" ;;
  esac
done
