#include "figure_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>

namespace stamp::app {

FigureDialog::FigureDialog(const QStringList& layers, int current, const QRectF& view, const QString& folder,
                           QWidget* parent)
    : QDialog(parent), view_(view) {
  setWindowTitle(tr("Export figure"));
  auto* form = new QFormLayout(this);
  layer_ = new QComboBox(this);
  layer_->addItems(layers);
  layer_->setCurrentIndex(std::max(0, current));
  form->addRow(tr("Layer"), layer_);
  viewRegion_ = new QRadioButton(tr("Current view"), this);
  whole_ = new QRadioButton(tr("Whole image"), this);
  custom_ = new QRadioButton(tr("Region (full-resolution px):"), this);
  viewRegion_->setChecked(true);
  auto* regionRow = new QHBoxLayout;
  const double init[4] = {view.x(), view.y(), view.width(), view.height()};
  for (int i = 0; i < 4; ++i) {
    box_[i] = new QDoubleSpinBox(this);
    box_[i]->setRange(i < 2 ? -1e7 : 1, 1e7);
    box_[i]->setDecimals(0);
    box_[i]->setValue(init[i]);
    box_[i]->setPrefix(QStringList{"x ", "y ", "w ", "h "}[i]);
    regionRow->addWidget(box_[i]);
    connect(box_[i], &QDoubleSpinBox::valueChanged, this, &FigureDialog::updateInfo);
  }
  form->addRow(tr("Region"), viewRegion_);
  form->addRow(QString(), whole_);
  form->addRow(custom_, regionRow);
  path_ = new QLineEdit(QDir(folder).filePath(QStringLiteral("figure.png")), this);
  auto* browse = new QPushButton(tr("Browse…"), this);
  auto* pathRow = new QHBoxLayout;
  pathRow->addWidget(path_);
  pathRow->addWidget(browse);
  form->addRow(tr("File (.png .tif .svg .pdf)"), pathRow);
  width_ = new QSpinBox(this);
  width_->setRange(64, 20000);
  width_->setValue(1600);
  width_->setSuffix(tr(" px map width"));
  dpi_ = new QSpinBox(this);
  dpi_->setRange(1, 10000);
  dpi_->setValue(300);
  dpi_->setSuffix(tr(" dpi"));
  title_ = new QLineEdit(this);
  info_ = new QLabel(this);
  form->addRow(tr("Size"), width_);
  form->addRow(tr("Resolution"), dpi_);
  form->addRow(tr("Title"), title_);
  form->addRow(QString(), info_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(browse, &QPushButton::clicked, this, &FigureDialog::browse);
  for (QSpinBox* s : {width_, dpi_}) connect(s, &QSpinBox::valueChanged, this, &FigureDialog::updateInfo);
  for (QRadioButton* r : {viewRegion_, whole_, custom_}) connect(r, &QRadioButton::toggled, this, &FigureDialog::updateInfo);
  updateInfo();
}

void FigureDialog::browse() {
  const QString p = QFileDialog::getSaveFileName(this, tr("Export figure"), path_->text(),
                                                 tr("Figures (*.png *.tif *.tiff *.svg *.pdf)"));
  if (!p.isEmpty()) path_->setText(p);
}

// The printed size follows from the pixel width and the DPI: show both.
void FigureDialog::updateInfo() {
  const double inches = width_->value() / double(dpi_->value());
  info_->setText(tr("Map %1 px wide = %2 cm at %3 dpi (legend panel added on the right)")
                     .arg(width_->value()).arg(inches * 2.54, 0, 'f', 1).arg(dpi_->value()));
  for (auto* b : box_) b->setEnabled(custom_->isChecked());
}

FigureRequest FigureDialog::request() const {
  FigureRequest r;
  r.path = path_->text();
  r.layerRow = layer_->currentIndex();
  r.wholeImage = whole_->isChecked();
  if (custom_->isChecked()) r.region = QRectF(box_[0]->value(), box_[1]->value(), box_[2]->value(), box_[3]->value());
  else if (viewRegion_->isChecked()) r.region = view_;
  r.widthPx = width_->value();
  r.dpi = dpi_->value();
  r.title = title_->text();
  return r;
}

}  // namespace stamp::app
