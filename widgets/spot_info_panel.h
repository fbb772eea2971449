#pragma once
/// SpotInfoPanel: what is known about the hovered (or clicked) spot: barcode, array and pixel
/// coordinates, the value of the top layer, its five highest genes; and the selection size.
#include <QWidget>
#include <memory>

#include "st/spatial_sample.h"

class QLabel;

namespace stamp::widgets {

struct Layer;

class SpotInfoPanel : public QWidget {
  Q_OBJECT
 public:
  explicit SpotInfoPanel(QWidget* parent = nullptr);
  void setSample(std::shared_ptr<const core::st::SpatialSample> sample);
  /// Shows spot `spot` (-1 clears); `layer` (may be null) supplies the value line.
  void showSpot(int spot, const Layer* layer, std::optional<double> umPerFramePx);
  void setSelectionCount(int count);
  /// The text shown, for tests and for copying.
  QString text() const;

 private:
  std::shared_ptr<const core::st::SpatialSample> sample_;
  QLabel* body_;
  QLabel* selection_;
};

}  // namespace stamp::widgets
