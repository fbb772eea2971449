#include "widgets/colorbar_widget.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QVBoxLayout>
#include <vector>

#include "widgets/colormap.h"
#include "widgets/layer_model.h"

namespace stamp::widgets {

GradientStrip::GradientStrip(QWidget* parent) : QWidget(parent) { setMinimumHeight(40); }

void GradientStrip::set(int colorMap, double vmin, double vmax) {
  map_ = colorMap;
  vmin_ = vmin;
  vmax_ = vmax;
  update();
}

void GradientStrip::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QRect bar(4, 4, width() - 8, 16);
  QLinearGradient g(bar.topLeft(), bar.topRight());
  for (int i = 0; i <= 32; ++i) {
    const Rgba8 c = mapContinuous(ColorMapId(map_), i / 32.0);
    g.setColorAt(i / 32.0, QColor(c.r, c.g, c.b));
  }
  p.fillRect(bar, g);
  p.setPen(palette().color(QPalette::Mid));
  p.drawRect(bar.adjusted(0, 0, -1, -1));
  p.setPen(palette().color(QPalette::WindowText));
  const QRect text(bar.left(), bar.bottom() + 3, bar.width(), 16);
  p.drawText(text, Qt::AlignLeft, QString::number(vmin_, 'g', 4));
  p.drawText(text, Qt::AlignHCenter, QString::number((vmin_ + vmax_) / 2, 'g', 4));
  p.drawText(text, Qt::AlignRight, QString::number(vmax_, 'g', 4));
}

ColorBarWidget::ColorBarWidget(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  title_ = new QLabel(tr("No layer"), this);
  title_->setWordWrap(true);
  QFont bold = title_->font();
  bold.setBold(true);
  title_->setFont(bold);
  strip_ = new GradientStrip(this);
  limitsRow_ = new QWidget(this);
  auto* form = new QFormLayout(limitsRow_);
  form->setContentsMargins(0, 0, 0, 0);
  minBox_ = new QDoubleSpinBox(limitsRow_);
  maxBox_ = new QDoubleSpinBox(limitsRow_);
  for (auto* box : {minBox_, maxBox_}) {
    box->setRange(-1e12, 1e12);
    box->setDecimals(3);
    box->setKeyboardTracking(false);  // apply on Enter / focus-out, not per keystroke
    connect(box, &QDoubleSpinBox::valueChanged, this, [this] { applyLimits(); });
  }
  mapBox_ = new QComboBox(limitsRow_);
  for (ColorMapId id : continuousColorMaps()) mapBox_->addItem(colorMapName(id), int(id));
  connect(mapBox_, &QComboBox::currentIndexChanged, this, [this] {
    if (!refreshing_ && model_)
      model_->setColorMap(model_->currentRow(), ColorMapId(mapBox_->currentData().toInt()));
  });
  form->addRow(tr("Min"), minBox_);
  form->addRow(tr("Max"), maxBox_);
  form->addRow(tr("Colours"), mapBox_);
  legend_ = new QListWidget(this);
  legend_->setSelectionMode(QAbstractItemView::NoSelection);
  layout->addWidget(title_);
  layout->addWidget(strip_);
  layout->addWidget(limitsRow_);
  layout->addWidget(legend_, 1);
  refresh();
}

void ColorBarWidget::setLayerModel(LayerModel* model) {
  model_ = model;
  connect(model_, &LayerModel::currentRowChanged, this, [this] { refresh(); });
  connect(model_, &LayerModel::appearanceChanged, this, [this] { refresh(); });
  refresh();
}

void ColorBarWidget::applyLimits() {
  if (refreshing_ || !model_ || model_->currentRow() < 0) return;
  model_->setLimits(model_->currentRow(), minBox_->value(), maxBox_->value());
}

void ColorBarWidget::refresh() {
  refreshing_ = true;
  const int row = model_ ? model_->currentRow() : -1;
  const bool has = row >= 0 && row < model_->count();
  const bool categorical = has && model_->layer(row).kind == Layer::Kind::Categorical;
  title_->setText(has ? QString::fromStdString(model_->layer(row).name) : tr("No layer"));
  // Rgb layers carry their own colours: no colour bar, no limits.
  const bool direct = has && model_->layer(row).kind == Layer::Kind::Rgb;
  strip_->setVisible(has && !categorical && !direct);
  limitsRow_->setVisible(has && !categorical && !direct);
  legend_->setVisible(categorical);
  if (has && !categorical && !direct) {
    const Layer& l = model_->layer(row);
    strip_->set(int(l.colorMap), l.vmin, l.vmax);
    minBox_->setValue(l.vmin);
    maxBox_->setValue(l.vmax);
    mapBox_->setCurrentIndex(mapBox_->findData(int(l.colorMap)));
  }
  if (categorical) {
    const Layer& l = model_->layer(row);
    std::vector<int> counts(l.categories.size(), 0);
    for (int c : l.codes)
      if (c >= 0 && std::size_t(c) < counts.size()) ++counts[std::size_t(c)];
    legend_->clear();
    for (std::size_t i = 0; i < l.categories.size(); ++i) {
      const Rgba8 c = categoricalColor(int(i));
      QPixmap swatch(14, 14);
      swatch.fill(QColor(c.r, c.g, c.b));
      legend_->addItem(new QListWidgetItem(
          QIcon(swatch), QStringLiteral("%1 (%2)")
                             .arg(QString::fromStdString(l.categories[i]))
                             .arg(counts[i])));
    }
  }
  refreshing_ = false;
}

QStringList ColorBarWidget::legendEntries() const {
  QStringList out;
  if (legend_->isHidden()) return out;
  for (int i = 0; i < legend_->count(); ++i) out << legend_->item(i)->text();
  return out;
}

}  // namespace stamp::widgets
