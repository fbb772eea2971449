#!/bin/bash
# Runs every libFuzzer target for SECONDS each, starting from a copy of corpus/<target>/ (the
# repository's seeds are never modified). Fails when a target finds a crash, an invariant
# violation, a leak, a timeout or an out-of-memory; the log and reproducer are kept and named.
#   usage: tests/fuzz/run_fuzzers.sh BUILD_DIR [SECONDS]   (BUILD_DIR configured with
#   CC=clang CXX=clang++ -DBUILD_FUZZERS=ON; build the `stamp_fuzzers` target first)
set -u
BUILD=${1:?usage: run_fuzzers.sh BUILD_DIR [SECONDS]}
SECS=${2:-30}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/stamp-fuzz.XXXXXX)
TARGETS="fuzz_positions fuzz_scalefactors fuzz_mtx fuzz_10x_h5 fuzz_h5ad"
status=0
for t in $TARGETS; do
  bin="$BUILD/tests/fuzz/$t"
  if [ ! -x "$bin" ]; then
    echo "FAIL  $t: $bin not built (cmake --build $BUILD --target stamp_fuzzers)"
    status=1
    continue
  fi
  mkdir -p "$WORK/$t/corpus" "$WORK/$t/artifacts"
  cp "$HERE/corpus/$t/"* "$WORK/$t/corpus/"
  maxlen=8192
  case $t in fuzz_10x_h5 | fuzz_h5ad) maxlen=262144 ;; esac  # HDF5 images from the mutator
  if "$bin" -max_total_time="$SECS" -max_len=$maxlen -timeout=30 -rss_limit_mb=2560 \
      -print_final_stats=1 -artifact_prefix="$WORK/$t/artifacts/" "$WORK/$t/corpus" \
      >"$WORK/$t/log" 2>&1; then
    runs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$WORK/$t/log")
    cov=$(grep -oE 'cov: [0-9]+' "$WORK/$t/log" | tail -1)
    echo "ok    $t: ${runs:-?} runs, ${cov:-cov: ?}"
  else
    echo "FAIL  $t (log: $WORK/$t/log, reproducer in $WORK/$t/artifacts/)"
    tail -40 "$WORK/$t/log"
    status=1
  fi
done
if [ $status -eq 0 ]; then rm -rf "$WORK"; fi
exit $status
