#include "engine/alloc_policy.h"

#include <climits>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace stamp::core::engine {

namespace {
// Overlapping runs (data-parallel tests run ranks as threads) share one policy: the first scope
// sets it, the last to end restores it.
std::mutex scopeMutex;
int activeScopes = 0;
constexpr int kMmapThreshold = 32 << 20;  // glibc's ceiling for the dynamic threshold (64-bit)
}  // namespace

TrainingAllocatorScope::TrainingAllocatorScope() {
  std::lock_guard lock(scopeMutex);
  if (activeScopes++ > 0) return;
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);  // never trim during the run: the next step reuses it
#endif
}

TrainingAllocatorScope::~TrainingAllocatorScope() {
  std::lock_guard lock(scopeMutex);
  if (--activeScopes > 0) return;
#if defined(__GLIBC__)
  mallopt(M_TRIM_THRESHOLD, 2 * kMmapThreshold);  // where glibc's dynamic setting converges
  malloc_trim(0);
#endif
}

}  // namespace stamp::core::engine
