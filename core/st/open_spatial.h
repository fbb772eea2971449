#pragma once
/// One entry point for every spatial transcriptomics input a user may point us at.
#include <string>

#include "common/result.h"
#include "st/spatial_sample.h"

namespace stamp::core::st {

/// Detects and reads, in this order:
///  - `root#id`: sample `id` of a HEST-1k root;
///  - a .h5ad file (one under <root>/st/ beside a wsis/ folder reads as that HEST sample);
///  - a 10x .h5 matrix, with positions from ./spatial or ../spatial beside it (with neither,
///    the sample has no positions: x/y NaN, grid -1, metadata["positions"] = "missing: ...";
///    a spatial/ folder that is there but broken is an error);
///  - a HEST root (st/*.h5ad): its sample when it holds exactly one, else an error listing
///    the ids and how to pick one;
///  - a Space Ranger outs/ folder, or a folder that holds one in outs/;
///  - a Matrix Market folder (matrix.mtx[.gz]) or file, positions as for a .h5.
/// Anything else: Unsupported "not a spatial transcriptomics input: expected ...".
Result<SpatialSample> openSpatial(const std::string& path);

}  // namespace stamp::core::st
