#include "widgets/spot_info_panel.h"

#include <QLabel>
#include <QVBoxLayout>

#include "widgets/layer.h"
#include "widgets/spot_layers.h"

namespace stamp::widgets {

SpotInfoPanel::SpotInfoPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  body_ = new QLabel(this);
  body_->setTextFormat(Qt::RichText);
  body_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  body_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  body_->setWordWrap(true);
  selection_ = new QLabel(this);
  layout->addWidget(body_, 1);
  layout->addWidget(selection_);
  showSpot(-1, nullptr, std::nullopt);
  setSelectionCount(0);
}

void SpotInfoPanel::setSample(std::shared_ptr<const core::st::SpatialSample> sample) {
  sample_ = std::move(sample);
  showSpot(-1, nullptr, std::nullopt);
}

void SpotInfoPanel::showSpot(int spot, const Layer* layer, std::optional<double> umPerFramePx) {
  if (!sample_ || spot < 0 || std::size_t(spot) >= sample_->spotCount()) {
    body_->setText(tr("<i>Hover over a spot to see its details.</i>"));
    return;
  }
  const core::st::Spot& s = sample_->spots[std::size_t(spot)];
  QString html = QStringLiteral("<b>%1</b><br>").arg(QString::fromStdString(s.barcode).toHtmlEscaped());
  html += tr("array row %1, col %2<br>").arg(s.arrayRow).arg(s.arrayCol);
  html += tr("pixel x %1, y %2").arg(s.x, 0, 'f', 1).arg(s.y, 0, 'f', 1);
  if (umPerFramePx)
    html += tr(" (%1 µm, %2 µm)").arg(s.x * *umPerFramePx, 0, 'f', 1).arg(s.y * *umPerFramePx, 0, 'f', 1);
  html += QStringLiteral("<br>");
  if (layer)
    html += tr("%1: <b>%2</b><br>")
                .arg(QString::fromStdString(layer->name).toHtmlEscaped(),
                     QString::fromStdString(layer->valueText(std::size_t(spot))).toHtmlEscaped());
  html += tr("<br><b>Top genes</b> (counts)<br>");
  for (const auto& [gene, count] : topGenes(*sample_, std::size_t(spot), 5))
    html += QStringLiteral("%1&nbsp;&nbsp;%2<br>")
                .arg(QString::fromStdString(sample_->genes[std::size_t(gene)].symbol).toHtmlEscaped())
                .arg(double(count), 0, 'g', 5);
  body_->setText(html);
}

void SpotInfoPanel::setSelectionCount(int count) {
  selection_->setText(tr("Selected spots: %1").arg(count));
}

QString SpotInfoPanel::text() const { return body_->text() + "\n" + selection_->text(); }

}  // namespace stamp::widgets
