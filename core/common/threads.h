#pragma once
/// Thread-count setup: LibTorch starts with one intra-op thread; we use all cores by default.

#include "common/parallel.h"  // hardwareThreads()

namespace stamp::core {

/// Sets LibTorch's intra-op threads (and OpenMP/OpenBLAS through it). n <= 0 means all cores.
/// Also honours STAMP_THREADS from the environment when n <= 0. Returns the count applied.
int setupComputeThreads(int n = 0);

}  // namespace stamp::core
