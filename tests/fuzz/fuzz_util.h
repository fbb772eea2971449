#pragma once
// Shared by the fuzz targets: a crash (rather than a silent pass) when a reader accepts input
// but returns something that breaks its own promises.
#include <cstdio>
#include <cstdlib>

#define FUZZ_ASSERT(cond)                                                        \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, \
                   __LINE__);                                                    \
      std::abort();                                                              \
    }                                                                            \
  } while (0)
