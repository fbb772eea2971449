#pragma once
/// LayersPanel: adds layers (gene search with completion, total counts, obs columns) and lists
/// them: toggle, reorder, remove, opacity, spot outlines. Layer building is the app's job: the
/// panel only emits what the user asked for.
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QListView;
class QSlider;
class QStringListModel;

namespace stamp::widgets {

class LayerModel;

class LayersPanel : public QWidget {
  Q_OBJECT
 public:
  explicit LayersPanel(QWidget* parent = nullptr);
  void setLayerModel(LayerModel* model);
  /// The sample's gene symbols (for the completer) and its obs columns usable as layers.
  void setSampleVocabulary(const QStringList& genes, const QStringList& obsColumns);
  /// 0 raw, 1 CP10k, 2 log1p (ExpressionScale).
  int expressionScale() const;
  QLineEdit* geneSearch() const { return geneEdit_; }

 Q_SIGNALS:
  void geneRequested(const QString& gene, int scale);
  void totalCountsRequested();
  void obsRequested(const QString& column);
  void outlinesToggled(bool on);

 private:
  QWidget* buildAddBox();
  QWidget* buildListBox();
  void syncCurrent();
  LayerModel* model_ = nullptr;
  QLineEdit* geneEdit_;
  QComboBox* scaleBox_;
  QComboBox* obsBox_;
  QStringListModel* geneNames_;
  QListView* list_;
  QSlider* opacity_;
  QCheckBox* outlines_;
};

}  // namespace stamp::widgets
