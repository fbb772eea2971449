#pragma once
// Small timing helpers for the benchmarks: they print figures, never assert on time.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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

/// Runs `script` (written to the temp folder as `name`) with /usr/bin/python3 and `args`, and
/// reads the first `count` numbers it prints: a reference's timings. Empty when it failed.
inline std::vector<double> runPython(const std::string& name, const std::string& script,
                                     const std::vector<std::string>& args, int count) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << script;
  // Single-quoted: paths with spaces stay one argument.
  std::string cmd = "/usr/bin/python3 '" + path.string() + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  std::vector<double> out(std::size_t(count), 0.0);
  FILE* p = popen(cmd.c_str(), "r");
  int got = 0;
  while (p && got < count && std::fscanf(p, "%lf", &out[std::size_t(got)]) == 1) ++got;
  const bool ok = p && pclose(p) == 0 && got == count;
  return ok ? out : std::vector<double>{};
}

inline void row(const std::string& what, double value, const std::string& unit) {
  std::printf("%-58s %12.3f %s\n", what.c_str(), value, unit.c_str());
}

}  // namespace stamp::bench
