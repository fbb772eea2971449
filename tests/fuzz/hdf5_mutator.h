#pragma once
// Structure-aware mutation of HDF5 file images for libFuzzer's LLVMFuzzerCustomMutator.
//
// Why: the readers' job is to judge what a well-formed HDF5 file *contains* (types, lengths,
// indices, encodings). Flipping raw bytes mostly exercises libhdf5's own parser (whose 1.10
// release has known crashes on corrupt headers that we cannot fix) and almost never reaches our
// code. So each mutation re-writes the input as a valid HDF5 file in which objects were
// deleted, retyped, resized, given edge values, or had their attributes changed.
#include <cstddef>
#include <cstdint>

namespace stamp::fuzz {

/// Mutates the HDF5 image in `data` (of `size` bytes, capacity `maxSize`) in place; returns the
/// new size. An input that is not a readable HDF5 image is replaced by a fresh minimal one.
std::size_t mutateHdf5Image(std::uint8_t* data, std::size_t size, std::size_t maxSize,
                            unsigned seed);

}  // namespace stamp::fuzz
