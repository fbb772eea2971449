#pragma once
// Small timing helpers for the benchmarks: they print figures, never assert on time.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace stamp::bench {

inline double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Peak resident set size of this process so far, in MiB.
inline double peakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

/// Best (minimum) time over `reps` runs of f, in seconds: the least noisy estimate here.
template <class F>
double bestOf(int reps, F&& f) {
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    double t0 = now();
    f();
    best = std::min(best, now() - t0);
  }
  return best;
}

inline void row(const std::string& what, double value, const std::string& unit) {
  std::printf("%-58s %12.3f %s\n", what.c_str(), value, unit.c_str());
}

}  // namespace stamp::bench
