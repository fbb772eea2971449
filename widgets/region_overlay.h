#pragma once
/// What the slide view draws for cross-scale localization with QPainter, above the spots: the
/// region box with its 3 x 3 grid, the cell probabilities (text + tinted cells, best cell
/// outlined, true cell marked), the reference patch and the best hits of a dense search.
#include <QPainter>
#include <QRectF>
#include <array>
#include <optional>
#include <vector>

#include "widgets/view_transform.h"

namespace stamp::widgets {

struct RegionOverlay {
  std::optional<QRectF> region;                 // frame square, 3 x 3 cells
  std::optional<std::array<float, 9>> probs;    // cell k = 3 * row + col
  int trueCell = -1;                            // where the reference came from, -1 unknown
  std::optional<QRectF> reference;              // frame square of the reference patch
  std::vector<QRectF> hits;                     // best hits, highest first
};

/// The cell (0..8) of `region` that contains `frame`, or -1 when outside.
int regionCellAt(const QRectF& region, const QPointF& frame);
/// The frame square of cell k of `region`.
QRectF regionCellRect(const QRectF& region, int cell);

/// The tint of a cell of probability p (straight alpha), shared by the view and its tests.
QColor cellTint(float p);

void drawRegionOverlay(QPainter& p, const ViewTransform& view, const RegionOverlay& o);

}  // namespace stamp::widgets
