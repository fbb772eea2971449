// TrainingAllocatorScope: memory freed at the end of a step is reused by the next one instead of
// being faulted in again from the OS (counted with getrusage, no timing).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/alloc_policy.h"

using stamp::core::engine::TrainingAllocatorScope;

namespace {

long minorFaults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

/// Allocates 128 MiB as 64 blocks of 2 MiB (the size of a tiny-preset activation), writes every
/// page, frees it all, and returns the page faults this took.
long stepFaults() {
  constexpr std::size_t kBlock = 2u << 20, kBlocks = 64;
  const long before = minorFaults();
  std::vector<char*> blocks;
  for (std::size_t i = 0; i < kBlocks; ++i) {
    char* p = static_cast<char*>(std::malloc(kBlock));
    if (!p) return -1;
    std::memset(p, int(i), kBlock);
    blocks.push_back(p);
  }
  long sum = 0;
  for (char* p : blocks) sum += p[kBlock - 1];  // keep the writes observable
  for (char* p : blocks) std::free(p);
  const long faults = minorFaults() - before;
  return sum >= 0 ? faults : -1;
}

constexpr long kPages = (128l << 20) / 4096;

}  // namespace

TEST(AllocPolicy, FreedStepMemoryIsReusedWithoutFaults) {
  TrainingAllocatorScope scope;
  ASSERT_GE(stepFaults(), 0);  // first step: the heap grows (faults expected)
  const long second = stepFaults();
  ASSERT_GE(second, 0);
  EXPECT_LT(second, kPages / 10) << "the second step faulted its memory in again";
}

TEST(AllocPolicy, InnerScopeEndingKeepsTheOuterPolicy) {
  TrainingAllocatorScope outer;
  { TrainingAllocatorScope inner; }
  ASSERT_GE(stepFaults(), 0);
  const long again = stepFaults();
  EXPECT_LT(again, kPages / 10) << "an inner scope's end restored the default while the outer run was active";
}
