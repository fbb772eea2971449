#include "widgets/layers_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSlider>
#include <QStringListModel>
#include <QToolButton>
#include <QVBoxLayout>

#include "widgets/layer_model.h"

namespace stamp::widgets {

LayersPanel::LayersPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(buildAddBox());
  layout->addWidget(buildListBox(), 1);
}

QWidget* LayersPanel::buildAddBox() {
  auto* box = new QGroupBox(tr("Add layer"), this);
  auto* v = new QVBoxLayout(box);
  geneEdit_ = new QLineEdit(box);
  geneEdit_->setPlaceholderText(tr("Gene symbol, e.g. KRT5"));
  geneEdit_->setClearButtonEnabled(true);
  geneNames_ = new QStringListModel(this);
  auto* completer = new QCompleter(geneNames_, this);
  completer->setCaseSensitivity(Qt::CaseInsensitive);
  completer->setFilterMode(Qt::MatchContains);
  geneEdit_->setCompleter(completer);
  scaleBox_ = new QComboBox(box);
  scaleBox_->addItems({tr("raw counts"), tr("CP10k"), tr("log1p CP10k")});
  scaleBox_->setCurrentIndex(2);
  auto emitGene = [this] {
    if (!geneEdit_->text().trimmed().isEmpty())
      Q_EMIT geneRequested(geneEdit_->text().trimmed(), scaleBox_->currentIndex());
  };
  connect(geneEdit_, &QLineEdit::returnPressed, this, emitGene);
  connect(completer, qOverload<const QString&>(&QCompleter::activated), this, emitGene);
  auto* geneRow = new QHBoxLayout;
  geneRow->addWidget(geneEdit_, 1);
  geneRow->addWidget(scaleBox_);
  v->addLayout(geneRow);
  obsBox_ = new QComboBox(box);
  auto* addObs = new QPushButton(tr("Add"), box);
  connect(addObs, &QPushButton::clicked, this, [this] {
    if (obsBox_->currentIndex() == 0) Q_EMIT totalCountsRequested();
    else if (obsBox_->currentIndex() > 0) Q_EMIT obsRequested(obsBox_->currentText());
  });
  auto* obsRow = new QHBoxLayout;
  obsRow->addWidget(obsBox_, 1);
  obsRow->addWidget(addObs);
  v->addLayout(obsRow);
  setSampleVocabulary({}, {});
  return box;
}

QWidget* LayersPanel::buildListBox() {
  auto* box = new QGroupBox(tr("Layers (top first)"), this);
  auto* v = new QVBoxLayout(box);
  list_ = new QListView(box);
  v->addWidget(list_, 1);
  auto* buttons = new QHBoxLayout;
  auto button = [&](const QString& text, const QString& tip, auto fn) {
    auto* b = new QToolButton(box);
    b->setText(text);
    b->setToolTip(tip);
    connect(b, &QToolButton::clicked, this, fn);
    buttons->addWidget(b);
  };
  button(QStringLiteral("\u25B2"), tr("Move up"),
         [this] { if (model_) model_->moveLayer(model_->currentRow(), -1); });
  button(QStringLiteral("\u25BC"), tr("Move down"),
         [this] { if (model_) model_->moveLayer(model_->currentRow(), +1); });
  button(QStringLiteral("\u2716"), tr("Remove layer"),
         [this] { if (model_) model_->removeLayer(model_->currentRow()); });
  buttons->addStretch();
  v->addLayout(buttons);
  opacity_ = new QSlider(Qt::Horizontal, box);
  opacity_->setRange(0, 100);
  connect(opacity_, &QSlider::valueChanged, this,
          [this](int value) { if (model_) model_->setOpacity(model_->currentRow(), value / 100.f); });
  auto* opacityRow = new QHBoxLayout;
  opacityRow->addWidget(new QLabel(tr("Opacity"), box));
  opacityRow->addWidget(opacity_, 1);
  v->addLayout(opacityRow);
  outlines_ = new QCheckBox(tr("Spot outlines"), box);
  outlines_->setChecked(true);
  connect(outlines_, &QCheckBox::toggled, this, &LayersPanel::outlinesToggled);
  v->addWidget(outlines_);
  return box;
}

void LayersPanel::setLayerModel(LayerModel* model) {
  model_ = model;
  list_->setModel(model);
  connect(list_->selectionModel(), &QItemSelectionModel::currentChanged, this,
          [this](const QModelIndex& index) { model_->setCurrentRow(index.row()); });
  connect(model_, &LayerModel::currentRowChanged, this, [this] { syncCurrent(); });
  syncCurrent();
}

void LayersPanel::syncCurrent() {
  const int row = model_ ? model_->currentRow() : -1;
  if (row >= 0 && list_->currentIndex().row() != row)
    list_->setCurrentIndex(model_->index(row));
  opacity_->setEnabled(row >= 0);
  if (row >= 0) {
    const QSignalBlocker block(opacity_);
    opacity_->setValue(int(model_->layer(row).opacity * 100 + 0.5f));
  }
}

void LayersPanel::setSampleVocabulary(const QStringList& genes, const QStringList& obsColumns) {
  geneNames_->setStringList(genes);
  obsBox_->clear();
  obsBox_->addItem(tr("total counts"));
  obsBox_->addItems(obsColumns);
}

int LayersPanel::expressionScale() const { return scaleBox_->currentIndex(); }

}  // namespace stamp::widgets
