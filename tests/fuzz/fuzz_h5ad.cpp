// libFuzzer target: AnnData .h5ad, read from an in-memory HDF5 image.
// Mutations and the read limit come from hdf5_mutator.cpp (linked in; see hdf5_mutator.h).
#include <cmath>

#include "fuzz_util.h"
#include "st/h5ad.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stamp::core::st;
  auto s = readH5adImage(data, size, "fuzz.h5ad");
  if (!s.ok()) {
    FUZZ_ASSERT(s.error().describe().find("fuzz.h5ad") != std::string::npos);
    return 0;
  }
  const std::size_t n = s->spots.size();
  FUZZ_ASSERT(!s->counts.validate().has_value());
  FUZZ_ASSERT(std::size_t(s->counts.rows) == n);
  FUZZ_ASSERT(std::size_t(s->counts.cols) == s->genes.size());
  for (const auto& [name, c] : s->obs) {
    std::size_t len = c.kind == ObsColumn::Kind::Categorical ? c.codes.size()
                      : c.kind == ObsColumn::Kind::String    ? c.strings.size()
                                                             : c.numbers.size();
    FUZZ_ASSERT(len == n);
    for (auto code : c.codes) FUZZ_ASSERT(code >= -1 && code < std::int32_t(c.categories.size()));
  }
  for (const auto& [name, m] : s->obsm) {
    FUZZ_ASSERT(std::size_t(m.rows) == n);
    FUZZ_ASSERT(m.data.size() == std::size_t(m.rows * m.cols));
  }
  for (const auto& sp : s->spots) FUZZ_ASSERT(!std::isinf(sp.x) && !std::isinf(sp.y));
  return 0;
}
