#pragma once
/// The Visium spot layout laid over the synthetic section.
#include <cstdint>
#include <string>
#include <vector>

#include "demo/tissue_model.h"
#include "st/spatial_sample.h"

namespace stamp::core::demo {

constexpr double kSpotPitchUm = 100.0;    // centre to centre
constexpr double kSpotDiameterUm = 55.0;
constexpr int kVisiumRows = 78;           // a full capture area: rows 0..77
constexpr int kVisiumCols = 128;          // cols 0..127

/// A Visium-style barcode ("AAACAAGTATCTCCCA-1"), unique per (row, col), independent of the seed
/// like the barcodes printed on a real slide.
std::string visiumBarcode(int arrayRow, int arrayCol);

/// Hexagonal grid: array_col steps 2 per 100 um along a row, rows 100 * sqrt(3) / 2 um apart,
/// even rows hold even columns and odd rows odd ones (as Visium). Sized to the image (at most a
/// full capture area), centred, every spot wholly inside the image. inTissue is decided by the
/// tissue mask at the spot centre.
std::vector<st::Spot> visiumLayout(const TissueModel& model);

/// Fraction of each compartment (indexed by Compartment) under a spot's 55 um footprint,
/// sampled on a grid of points inside the disc.
std::vector<double> footprintFractions(const TissueModel& model, double x, double y);

}  // namespace stamp::core::demo
