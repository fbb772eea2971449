#include "common/threads.h"

#include <ATen/Parallel.h>

#include <cstdlib>
#include <thread>

namespace stamp::core {

int setupComputeThreads(int n) {
  if (n <= 0) {
    if (const char* env = std::getenv("STAMP_THREADS")) n = std::atoi(env);
  }
  if (n <= 0) n = hardwareThreads();
  at::set_num_threads(n);
  return n;
}

}  // namespace stamp::core
