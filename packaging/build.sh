#!/usr/bin/env bash
# Configures and builds STAMP Studio into ${BUILD_DIR:-build} with Ninja (idempotent).
# Extra arguments go to the first configure; BUILD_TARGET builds one target instead of all.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
if [ -n "${BUILD_TARGET:-}" ]; then
  cmake --build "$BUILD_DIR" -j "$JOBS" --target "$BUILD_TARGET"
else
  cmake --build "$BUILD_DIR" -j "$JOBS"
fi
