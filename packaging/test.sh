#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (unit, parity, gui under
# Xvfb), then the fuzzers briefly. Exit status is non-zero when anything fails; the last line
# is the total: "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh || exit 1
bash packaging/build.sh || { echo "build failed" >&2; exit 1; }
status=0
# The published-size (uni) parity run takes ~6 minutes and ~8 GB: it fits CI's budget.
export STAMP_SLOW_TESTS=${STAMP_SLOW_TESTS:-1}
(cd build && ctest --output-on-failure --timeout 1500 -j 1) 2>&1 | tee ctest.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
total=$(sed -nE 's/.*tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\2/p' ctest.log | tail -1)
failed=$(sed -nE 's/.*tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\1/p' ctest.log | tail -1)
total=${total:-0}
failed=${failed:-0}
if [ "${STAMP_SKIP_FUZZ:-0}" != "1" ] && [ -f tests/fuzz/run_fuzzers.sh ]; then
  # Only the fuzz targets (they link the torch-free stamp_base), instrumented with clang.
  if BUILD_DIR=build-fuzz BUILD_TARGET=stamp_fuzzers CC=clang CXX=clang++ bash packaging/build.sh \
      -DBUILD_GUI=OFF -DBUILD_FUZZERS=ON -DBUILD_TESTING=ON >build-fuzz.log 2>&1 &&
     bash tests/fuzz/run_fuzzers.sh build-fuzz "${STAMP_FUZZ_SECONDS:-20}"; then
    total=$((total + 1))
  else
    echo "fuzzing failed (build log: build-fuzz.log)" >&2
    total=$((total + 1)); failed=$((failed + 1)); status=1
  fi
fi
echo "tests: $((total - failed)) passed, $failed failed"
exit $status
