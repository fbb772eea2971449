#include "localize_panel.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>

#include "widgets/colorbar_widget.h"
#include "widgets/colormap.h"

namespace stamp::app {

LocalizePanel::LocalizePanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(buildReferenceBox());
  layout->addWidget(buildSearchBox());
  auto* evalBox = new QGroupBox(tr("Benchmark"), this);
  auto* ev = new QVBoxLayout(evalBox);
  evaluate_ = new QPushButton(tr("Evaluate localization"), evalBox);
  evaluate_->setToolTip(tr("Accuracy of the model at finding held-out spots' patches in their "
                           "regions (chance 1/9)"));
  evalLabel_ = new QLabel(tr("Not evaluated"), evalBox);
  evalLabel_->setWordWrap(true);
  ev->addWidget(evaluate_);
  ev->addWidget(evalLabel_);
  layout->addWidget(evalBox);
  layout->addStretch(1);
  connect(evaluate_, &QPushButton::clicked, this, &LocalizePanel::evaluateRequested);
}

QWidget* LocalizePanel::buildReferenceBox() {
  auto* box = new QGroupBox(tr("Reference patch and region"), this);
  auto* l = new QVBoxLayout(box);
  refLabel_ = new QLabel(tr("No reference yet"), box);
  refLabel_->setWordWrap(true);
  pick_ = new QPushButton(tr("Pick on slide"), box);
  pick_->setCheckable(true);
  pick_->setToolTip(tr("The next click chooses the reference: a spot (its patch) or any point"));
  auto* image = new QPushButton(tr("From image…"), box);
  auto* row = new QHBoxLayout;
  row->addWidget(pick_);
  row->addWidget(image);
  regionLabel_ = new QLabel(tr("Drag the region box (Region tool) to see where the patch sits"), box);
  regionLabel_->setWordWrap(true);
  l->addWidget(refLabel_);
  l->addLayout(row);
  l->addWidget(regionLabel_);
  connect(pick_, &QPushButton::toggled, this, &LocalizePanel::pickRequested);
  connect(image, &QPushButton::clicked, this, &LocalizePanel::imageRequested);
  return box;
}

QWidget* LocalizePanel::buildSearchBox() {
  auto* box = new QGroupBox(tr("Dense search"), this);
  auto* l = new QVBoxLayout(box);
  stride_ = new QSpinBox(box);
  stride_->setSuffix(tr(" px"));
  stride_->setToolTip(tr("Step of the sliding region window in slide pixels (one patch by "
                         "default; smaller is finer and slower)"));
  auto* form = new QFormLayout;
  form->addRow(tr("Stride"), stride_);
  searchVisible_ = new QPushButton(tr("Search visible area"), box);
  searchTissue_ = new QPushButton(tr("Search whole tissue"), box);
  auto* clear = new QPushButton(tr("Clear"), box);
  auto* row = new QHBoxLayout;
  row->addWidget(searchVisible_);
  row->addWidget(searchTissue_);
  strip_ = new widgets::GradientStrip(box);
  strip_->setVisible(false);
  strip_->setToolTip(tr("Mean probability the region windows gave to each location"));
  hits_ = new QListWidget(box);
  hits_->setMaximumHeight(120);
  hits_->setToolTip(tr("Best locations; click one to go there"));
  l->addLayout(form);
  l->addLayout(row);
  l->addWidget(clear);
  l->addWidget(strip_);
  l->addWidget(hits_);
  setStrideRange(cell_);
  connect(searchVisible_, &QPushButton::clicked, this, &LocalizePanel::searchVisibleRequested);
  connect(searchTissue_, &QPushButton::clicked, this, &LocalizePanel::searchTissueRequested);
  connect(clear, &QPushButton::clicked, this, &LocalizePanel::clearRequested);
  connect(hits_, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
    Q_EMIT hitActivated(item->data(Qt::UserRole).toPointF());
  });
  return box;
}

void LocalizePanel::setReference(const QString& label) {
  refLabel_->setText(label.isEmpty() ? tr("No reference yet") : tr("Reference: %1").arg(label));
}

void LocalizePanel::setPicking(bool picking) {
  const QSignalBlocker block(pick_);
  pick_->setChecked(picking);
}

void LocalizePanel::showRegion(const RegionResult& r) {
  const auto& p = r.cells.probs;
  QString text = tr("Best cell %1 (row %2, col %3): p = %4")
                     .arg(r.cells.best).arg(r.cells.best / 3 + 1).arg(r.cells.best % 3 + 1)
                     .arg(double(p[std::size_t(r.cells.best)]), 0, 'f', 2);
  if (r.trueCell >= 0)
    text += r.trueCell == r.cells.best ? tr("; the true cell ✓")
                                       : tr("; true cell %1 has p = %2").arg(r.trueCell)
                                             .arg(double(p[std::size_t(r.trueCell)]), 0, 'f', 2);
  regionLabel_->setText(text);
}

void LocalizePanel::clearRegion() {
  regionLabel_->setText(tr("Drag the region box (Region tool) to see where the patch sits"));
}

void LocalizePanel::showSearch(const SearchResult& r) {
  strip_->set(int(widgets::ColorMapId::Viridis), r.scoreMin, r.scoreMax);
  strip_->setVisible(true);
  hits_->clear();
  int rank = 0;
  for (const auto& h : r.hits) {
    auto* item = new QListWidgetItem(tr("%1.  x %2, y %3   p = %4")
                                         .arg(++rank).arg(h.centre.x(), 0, 'f', 0)
                                         .arg(h.centre.y(), 0, 'f', 0).arg(h.score, 0, 'f', 3));
    item->setData(Qt::UserRole, h.centre);
    hits_->addItem(item);
  }
}

void LocalizePanel::clearSearch() {
  strip_->setVisible(false);
  hits_->clear();
}

void LocalizePanel::showEvaluation(std::int64_t evaluated, std::int64_t correct) {
  const double acc = evaluated ? double(correct) / double(evaluated) : 0.0;
  evalLabel_->setText(tr("Localization accuracy %1% (%2 of %3 held-out spots); chance 11.1%")
                          .arg(100 * acc, 0, 'f', 1).arg(correct).arg(evaluated));
}

void LocalizePanel::setStrideRange(int cell) {
  cell_ = std::max(4, cell);
  stride_->setRange(std::max(1, cell_ / 8), cell_ * 4);
  stride_->setSingleStep(std::max(1, cell_ / 4));
  stride_->setValue(cell_);
}

int LocalizePanel::stride() const { return stride_->value(); }

void LocalizePanel::setBusy(bool busy) {
  searchVisible_->setEnabled(!busy);
  searchTissue_->setEnabled(!busy);
  evaluate_->setEnabled(!busy);
}

}  // namespace stamp::app
