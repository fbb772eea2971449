#include "common/large_alloc.h"

#include <cstdlib>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace stamp::core {

namespace {
constexpr std::size_t kHugePage = std::size_t(2) << 20;
constexpr std::size_t kLarge = 2 * kHugePage;  // below this the waste of aligning outweighs it
}  // namespace

void* allocateLarge(std::size_t bytes) {
  if (bytes < kLarge) return ::operator new(bytes);
  const std::size_t rounded = (bytes + kHugePage - 1) & ~(kHugePage - 1);
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  (void)madvise(p, rounded, MADV_HUGEPAGE);  // only advice: without THP we get 4 KiB pages
#endif
  return p;
}

void freeLarge(void* p, std::size_t bytes) noexcept {
  if (bytes < kLarge) ::operator delete(p);
  else std::free(p);
}

}  // namespace stamp::core
