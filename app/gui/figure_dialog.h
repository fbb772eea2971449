#pragma once
/// The "Export figure" dialog: which layer, which region (current view, whole image or
/// X, Y, W, H in full-resolution pixels), output file (format by extension), map width in
/// pixels, DPI and title. The pixel size of a region at that width is shown live.
#include <QDialog>

#include "export_actions.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QRadioButton;
class QSpinBox;

namespace stamp::app {

class FigureDialog : public QDialog {
  Q_OBJECT
 public:
  /// `layers`: names, row order; `current`: the preselected row; `view`: the visible region.
  FigureDialog(const QStringList& layers, int current, const QRectF& view, const QString& folder,
               QWidget* parent = nullptr);
  FigureRequest request() const;

 private:
  void browse();
  void updateInfo();
  QComboBox* layer_;
  QRadioButton* viewRegion_;
  QRadioButton* whole_;
  QRadioButton* custom_;
  QDoubleSpinBox* box_[4];
  QLineEdit* path_;
  QSpinBox* width_;
  QSpinBox* dpi_;
  QLineEdit* title_;
  QLabel* info_;
  QRectF view_;
};

}  // namespace stamp::app
