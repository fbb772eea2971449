#pragma once
/// LocalizePanel: the "Localize" dock: the reference patch, the region's answer, the dense
/// search (stride, area buttons, colour bar, best hits) and the evaluation result. Shows what
/// LocalizeActions hands it; its buttons only emit requests.
#include <QWidget>

#include "localize_controller.h"

class QLabel;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace stamp::widgets {
class GradientStrip;
}

namespace stamp::app {

class LocalizePanel : public QWidget {
  Q_OBJECT
 public:
  explicit LocalizePanel(QWidget* parent = nullptr);

  void setReference(const QString& label);
  void setPicking(bool picking);
  void showRegion(const RegionResult& r);
  void clearRegion();
  void showSearch(const SearchResult& r);
  void clearSearch();
  void showEvaluation(std::int64_t evaluated, std::int64_t correct);
  /// Stride in frame px; `cell` (one patch) is the default and the unit shown beside it.
  void setStrideRange(int cell);
  int stride() const;
  void setBusy(bool busy);

  QListWidget* hitList() const { return hits_; }
  QLabel* regionLabel() const { return regionLabel_; }
  QLabel* evaluationLabel() const { return evalLabel_; }

 Q_SIGNALS:
  void pickRequested(bool on);
  void imageRequested();
  void searchVisibleRequested();
  void searchTissueRequested();
  void clearRequested();
  void evaluateRequested();
  void hitActivated(QPointF frame);

 private:
  QWidget* buildReferenceBox();
  QWidget* buildSearchBox();
  QLabel* refLabel_;
  QPushButton* pick_;
  QLabel* regionLabel_;
  QSpinBox* stride_;
  QPushButton* searchVisible_;
  QPushButton* searchTissue_;
  widgets::GradientStrip* strip_;
  QListWidget* hits_;
  QLabel* evalLabel_;
  QPushButton* evaluate_;
  int cell_ = 224;
};

}  // namespace stamp::app
