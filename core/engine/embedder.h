#pragma once
/// Embedding a slide with STAMP: per spot (with spatial transcriptomics) or per grid patch over
/// the tissue (image only). Torch-free header.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "common/result.h"
#include "engine/model_handle.h"
#include "slide/slide_reader.h"
#include "st/spatial_sample.h"
#include "st/vocabulary.h"

namespace stamp::core::engine {

struct EmbedOptions {
  int batchSize = 32;
  /// Microns per full-resolution pixel; overrides the slide's and the sample's own value.
  std::optional<double> mpp;
  /// Magnification; overrides everything (20x = 0.5 um/px).
  std::optional<double> magnification;
  /// Slide level-0 pixels per full-resolution spot pixel (1 for the full-resolution slide,
  /// tissue_hires_scalef when the slide is the hires PNG).
  double coordScale = 1.0;
  bool inTissueOnly = false;
  /// Image-only grid step in level-0 px (0 = the patch size) and minimum tissue fraction.
  double gridStep = 0;
  double minTissue = 0.5;
};

/// One row per spot (or grid patch). Rows that could not be embedded are flagged, and their
/// embedding rows are zero (never NaN); `agreement` is 0 there.
struct EmbeddingTable {
  std::vector<std::string> ids;  // barcodes, or "r<row>_c<col>" for grid patches
  std::vector<double> x, y;      // full-resolution pixel centres
  st::DenseMatrix gene;          // n x out_dim (empty in image-only mode)
  st::DenseMatrix image;         // n x out_dim
  std::vector<float> agreement;  // cosine(gene, image) per row (empty in image-only mode)
  std::vector<std::uint8_t> geneValid, imageValid;
  std::vector<int> gridRow, gridCol;  // image-only mode
  std::int64_t emptySpots = 0;        // no expressed vocabulary gene
  std::int64_t outsideSpots = 0;      // patch not fully inside the slide
  double halfPatchPx = 0;             // in full-resolution pixels
  double magnification = 0;
  std::size_t rows() const { return ids.size(); }
};

/// Embeds the spots of `sample` on `slide`. Without `vocab` only images are embedded.
Result<EmbeddingTable> embedSpots(const ModelHandle& model, const st::SpatialSample& sample,
                                  const slide::SlideReader& slide, const st::Vocabulary* vocab,
                                  const EmbedOptions& options, ProgressReporter* progress = nullptr);

/// Embeds a regular grid of patches over the tissue of a slide that has no spots.
Result<EmbeddingTable> embedGrid(const ModelHandle& model, const slide::SlideReader& slide,
                                 const EmbedOptions& options, ProgressReporter* progress = nullptr);

/// Full-resolution microns per pixel for cropping: options, then the slide (only when it is the
/// full-resolution image), then the sample's metadata, then 55 um / spot diameter.
Result<double> fullresMpp(const st::SpatialSample* sample, const slide::SlideReader& slide,
                          const EmbedOptions& options);

}  // namespace stamp::core::engine
