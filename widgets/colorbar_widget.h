#pragma once
/// ColorBarWidget: for the current layer, a colour bar with editable min/max and colour map
/// (continuous) or a legend of the categories with their spot counts (categorical).
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QListWidget;

namespace stamp::widgets {

class LayerModel;

/// The horizontal gradient of one colour map, with tick labels at both ends.
class GradientStrip : public QWidget {
 public:
  explicit GradientStrip(QWidget* parent = nullptr);
  void set(int colorMap, double vmin, double vmax);
  QSize sizeHint() const override { return {220, 44}; }

 protected:
  void paintEvent(QPaintEvent* e) override;

 private:
  int map_ = 0;
  double vmin_ = 0, vmax_ = 1;
};

class ColorBarWidget : public QWidget {
  Q_OBJECT
 public:
  explicit ColorBarWidget(QWidget* parent = nullptr);
  void setLayerModel(LayerModel* model);
  /// For tests: the legend rows ("label (count)") shown for a categorical layer.
  QStringList legendEntries() const;

 private:
  void refresh();
  void applyLimits();
  LayerModel* model_ = nullptr;
  QLabel* title_;
  GradientStrip* strip_;
  QWidget* limitsRow_;
  QDoubleSpinBox* minBox_;
  QDoubleSpinBox* maxBox_;
  QComboBox* mapBox_;
  QListWidget* legend_;
  bool refreshing_ = false;
};

}  // namespace stamp::widgets
