#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (unit, parity, gui under
# Xvfb), then the fuzzers briefly. Exit status is non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
bash packaging/build.sh
status=0
(cd build && ctest --output-on-failure --timeout 1500 -j 1) || status=1
if [ "${STAMP_SKIP_FUZZ:-0}" != "1" ] && [ -f tests/fuzz/run_fuzzers.sh ]; then
  BUILD_DIR=build-fuzz CC=clang CXX=clang++ bash packaging/build.sh \
    -DBUILD_GUI=OFF -DBUILD_FUZZERS=ON -DBUILD_TESTING=ON -DCMAKE_BUILD_TYPE=Debug \
    >/dev/null || { echo "fuzz build failed" >&2; status=1; }
  bash tests/fuzz/run_fuzzers.sh build-fuzz "${STAMP_FUZZ_SECONDS:-20}" || status=1
fi
exit $status
