#pragma once
/// AnnData .h5ad files (scanpy, squidpy, HEST-1k), read and written with the HDF5 C API.
///
/// Reading: X as a CSR or CSC group or a dense dataset of any numeric type; obs/var as
/// dataframe groups (string, categorical, numeric, bool, nullable columns) or the compound
/// datasets of anndata < 0.7. Spots come from the obs columns in_tissue, array_row, array_col,
/// pxl_col_in_fullres (x), pxl_row_in_fullres (y), else from obsm/spatial (x, y); the remaining
/// obs columns go to SpatialSample::obs (NA numbers are NaN there, NA codes -1); columns of a
/// kind we do not read (2-D, unknown encodings) are skipped and listed in
/// metadata["skipped_obs"], while corrupt ones fail the read. Genes: the var
/// index is the symbol; the id comes from a `gene_ids` column, else an Ensembl-looking index is
/// the id (the symbol then from a gene_symbols/gene_name/feature_name column if present). Dense
/// 2-D obsm entries go to SpatialSample::obsm; entries that are sparse, of another shape or hold
/// NaN/Inf are skipped and listed in metadata["skipped_obsm"]. uns/spatial/<library>
/// (scalefactors, metadata, image_paths) fills ScaleFactors, metadata and the image paths; the
/// rest of uns becomes JSON where simple (dicts, strings, numbers, bools, 1-D arrays).
///
/// Writing produces what anndata 0.8 (`anndata.read_h5ad`) reads, with the encoding attributes
/// it writes itself: X csr_matrix (float32 data, int32 indices, int64 indptr); obs indexed by
/// barcode with the spot columns then SpatialSample::obs; var indexed by symbol with `gene_ids`;
/// obsm/spatial (n, 2) float64 (x, y) plus every SpatialSample::obsm; uns from the JSON (a
/// top-level "spatial" key is replaced; nulls are dropped; arrays that are not all numbers or
/// all strings are stored as their JSON text) plus uns/spatial/<name>/{scalefactors, metadata,
/// image_paths}. The file is written atomically.
#include <string>
#include <vector>

#include "common/result.h"
#include "st/spatial_sample.h"

namespace stamp::core::st {

Result<SpatialSample> readH5ad(const std::string& path);
/// The same from an in-memory HDF5 file image; `name` is used in errors.
Result<SpatialSample> readH5adImage(const void* data, std::size_t size, const std::string& name);
Status writeH5ad(const std::string& path, const SpatialSample& sample);

/// HEST-1k: st/<id>.h5ad, the slide wsis/<id>.* (tif first) and the row of the metadata table
/// (HEST_v1_*.csv, else any *.csv at the root with an `id` column) whose id matches; every column
/// of that row goes to metadata (magnification, pixel_size_um_estimated, organ, st_technology..).
Result<SpatialSample> readHestSample(const std::string& root, const std::string& id);
/// Sample ids of a HEST root (the stems of st/*.h5ad), sorted.
std::vector<std::string> listHestSamples(const std::string& root);

}  // namespace stamp::core::st
