#pragma once
/// Training augmentations of STAMP crops: flips, 90-degree rotations and mild colour jitter.
///
/// The geometric transform is applied identically to the spot patch, its 16 px reference and
/// the region, and the region's cell label is transformed with it: the region is a 3 x 3 grid
/// of cells, so flipping or rotating the region moves the spot's cell exactly like a pixel of a
/// 3 x 3 image (`transformCell`). The reference is the spot patch itself, so it must turn with
/// the region for the positioning loss to match it against the (turned) cell. Colour jitter is
/// the same for the three crops of one spot (one staining per spot). Torch-free.
#include <cstdint>
#include <random>

#include "data/crops.h"

namespace stamp::core::data {

struct AugmentOptions {
  bool flips = false;        // horizontal flip with probability 1/2 (vertical = flip + 180)
  bool rot90 = false;        // rotation by 0/90/180/270 degrees, uniformly
  double colourJitter = 0;   // max relative change of brightness, contrast, saturation (0 = off)
  bool any() const { return flips || rot90 || colourJitter > 0; }
};

/// A drawn geometric transform: first a horizontal flip (when `flip`), then `quarterTurns`
/// clockwise rotations by 90 degrees.
struct GeometricTransform {
  bool flip = false;
  int quarterTurns = 0;  // 0..3
};

struct ColourTransform {
  double brightness = 1, contrast = 1, saturation = 1;
};

GeometricTransform drawGeometric(const AugmentOptions& o, std::mt19937_64& rng);
ColourTransform drawColour(const AugmentOptions& o, std::mt19937_64& rng);

/// The image transformed (square images only keep their size under rotation; others swap).
RgbImage applyGeometric(const RgbImage& in, const GeometricTransform& t);
/// Where cell (3 * row + col) of a 3 x 3 grid lands under the transform.
int transformCell(int cell, const GeometricTransform& t);
/// In place: brightness (scale), contrast (around the mean grey), saturation (towards grey).
void applyColour(RgbImage& img, const ColourTransform& t);

}  // namespace stamp::core::data
