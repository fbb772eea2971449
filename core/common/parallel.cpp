#include "common/parallel.h"

#include <thread>
#include <vector>

namespace stamp::core {

void runOnThreads(int threads, const std::function<void(int worker)>& work) {
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(work, i);
  work(0);
  for (auto& t : pool) t.join();
}

int hardwareThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : int(n);
}

}  // namespace stamp::core
