// libFuzzer target: 10x feature-barcode matrix .h5, read from an in-memory HDF5 image.
// Mutations and the read limit come from hdf5_mutator.cpp (linked in; see hdf5_mutator.h).
#include "fuzz_util.h"
#include "st/space_ranger.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stamp::core::st;
  auto fm = read10xH5Image(data, size, "fuzz.h5");
  if (!fm.ok()) {
    FUZZ_ASSERT(fm.error().describe().find("fuzz.h5") != std::string::npos);
    return 0;
  }
  FUZZ_ASSERT(!fm->counts.validate().has_value());
  FUZZ_ASSERT(fm->barcodes.size() == std::size_t(fm->counts.rows));
  FUZZ_ASSERT(fm->genes.size() == std::size_t(fm->counts.cols));
  return 0;
}
