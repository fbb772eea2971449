// libFuzzer target: tissue_positions CSV (with or without header).
#include <cmath>
#include <set>
#include <string_view>

#include "fuzz_util.h"
#include "st/space_ranger.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stamp::core::st;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto spots = parseTissuePositions(text, "fuzz.csv");
  if (!spots.ok()) {
    FUZZ_ASSERT(spots.error().context == "fuzz.csv");
    return 0;
  }
  std::set<std::string> seen;
  for (const Spot& s : *spots) {
    FUZZ_ASSERT(!s.barcode.empty());
    FUZZ_ASSERT(std::isfinite(s.x) && std::isfinite(s.y));
    FUZZ_ASSERT(seen.insert(s.barcode).second);
  }
  // What we write we must read back identically (barcodes with commas/quotes excepted: CSV
  // without quoting cannot carry them, and Space Ranger never writes them).
  bool plain = true;
  for (const Spot& s : *spots)
    plain = plain && s.barcode.find_first_of(",\"\r\n") == std::string::npos;
  if (!plain) return 0;
  auto again = parseTissuePositions(formatTissuePositions(*spots), "again.csv");
  FUZZ_ASSERT(again.ok());
  FUZZ_ASSERT(again->size() == spots->size());
  for (size_t i = 0; i < spots->size(); ++i) {
    FUZZ_ASSERT((*again)[i].barcode == (*spots)[i].barcode);
    FUZZ_ASSERT((*again)[i].x == (*spots)[i].x && (*again)[i].y == (*spots)[i].y);
    FUZZ_ASSERT((*again)[i].arrayRow == (*spots)[i].arrayRow);
  }
  return 0;
}
