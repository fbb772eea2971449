// libFuzzer target: Matrix Market text (and the barcodes/features parsers, and gunzip).
#include <string_view>

#include "fuzz_util.h"
#include "st/space_ranger.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stamp::core::st;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Inputs may be gzip (as matrix.mtx.gz is); bound the output like a 64 MB file would be.
  auto text = gunzipIfNeeded(bytes, "fuzz.mtx.gz", std::size_t(1) << 26);
  if (!text.ok()) return 0;
  constexpr std::int64_t kMaxDim = 1 << 16;  // keeps indptr allocations small
  auto m = parseMatrixMarket(*text, "fuzz.mtx", kMaxDim);
  if (m.ok()) {
    FUZZ_ASSERT(!m->validate().has_value());
    FUZZ_ASSERT(m->rows <= kMaxDim && m->cols <= kMaxDim);
  }
  auto b = parseBarcodes(*text, "barcodes.tsv");
  if (b.ok())
    for (const auto& s : *b) FUZZ_ASSERT(!s.empty());
  auto f = parseFeatures(*text, "features.tsv");
  if (f.ok())
    for (const auto& g : *f) FUZZ_ASSERT(!g.id.empty() && !g.symbol.empty());
  return 0;
}
