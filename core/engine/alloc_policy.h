#pragma once
/// Allocator policy while training. A training step frees ~100 MB (tiny) to GBs (uni) of
/// activations at its end and allocates them again in the next; glibc's default trims the freed
/// top of the heap back to the OS each time (trim threshold 2x the dynamic mmap threshold, at
/// most 64 MB), so every step page-faults its activations in again: ~40,000 faults a step on
/// the tiny preset, ~30% of the step (bench_training). Torch-free.

namespace stamp::core::engine {

/// For its lifetime: blocks up to 32 MB come from the heap and freed heap memory is kept for
/// reuse instead of being returned to the OS. On destruction glibc's converged defaults are
/// restored and the retained memory is released (malloc_trim), so a GUI process that trained
/// does not keep its training peak. Process-wide (mallopt); a no-op without glibc.
class TrainingAllocatorScope {
 public:
  TrainingAllocatorScope();
  ~TrainingAllocatorScope();
  TrainingAllocatorScope(const TrainingAllocatorScope&) = delete;
  TrainingAllocatorScope& operator=(const TrainingAllocatorScope&) = delete;
};

}  // namespace stamp::core::engine
