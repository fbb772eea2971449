#pragma once
/// The one way the torch-free code splits work over threads: `threads` workers at once, the
/// calling thread being one of them (no thread pool: callers run seconds-long jobs or one
/// frame's bands, where starting a thread costs ~50 us).
#include <functional>

namespace stamp::core {

/// Runs work(0) .. work(threads - 1) concurrently, work(0) on the calling thread, and returns
/// when all have finished. threads <= 1 runs work(0) alone.
void runOnThreads(int threads, const std::function<void(int worker)>& work);

/// Number of hardware threads (at least 1).
int hardwareThreads();

}  // namespace stamp::core
