// libFuzzer target: scalefactors_json.json.
#include <cmath>
#include <string_view>

#include "fuzz_util.h"
#include "st/space_ranger.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stamp::core::st;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sf = parseScaleFactors(text, "fuzz.json");
  if (!sf.ok()) return 0;
  for (double v : {sf->hiresScalef, sf->lowresScalef, sf->spotDiameterFullres,
                   sf->fiducialDiameterFullres})
    FUZZ_ASSERT(std::isfinite(v) && v >= 0);
  auto again = parseScaleFactors(formatScaleFactors(*sf), "again.json");
  FUZZ_ASSERT(again.ok());
  FUZZ_ASSERT(again->hiresScalef == sf->hiresScalef);
  FUZZ_ASSERT(again->spotDiameterFullres == sf->spotDiameterFullres);
  FUZZ_ASSERT(again->extra.size() == sf->extra.size());
  return 0;
}
