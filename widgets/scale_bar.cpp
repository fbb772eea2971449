#include "widgets/scale_bar.h"

#include <QFont>
#include <QFontMetrics>
#include <QPainter>
#include <cmath>
#include <cstdio>

namespace stamp::widgets {

ScaleBar chooseScaleBar(double umPerScreenPx, double maxPx) {
  ScaleBar bar;
  if (!(umPerScreenPx > 0) || !std::isfinite(umPerScreenPx) || !(maxPx > 0)) return bar;
  const double maxUm = umPerScreenPx * maxPx;
  const double decade = std::pow(10.0, std::floor(std::log10(maxUm)));
  double best = decade;
  for (double m : {2.0, 5.0, 10.0})
    if (m * decade <= maxUm * (1 + 1e-9)) best = m * decade;
  bar.lengthUm = best;
  bar.lengthPx = best / umPerScreenPx;
  bar.label = formatLengthUm(best);
  return bar;
}

std::string formatLengthUm(double um) {
  char buf[48];
  if (um >= 1000.0)
    std::snprintf(buf, sizeof buf, "%g mm", um / 1000.0);
  else if (um >= 1.0)
    std::snprintf(buf, sizeof buf, "%g \xC2\xB5m", um);
  else
    std::snprintf(buf, sizeof buf, "%g nm", um * 1000.0);
  return buf;
}

std::optional<double> magnification(std::optional<double> objectivePower,
                                    double screenPxPerLevel0Px,
                                    std::optional<double> umPerScreenPx) {
  if (objectivePower && *objectivePower > 0) return *objectivePower * screenPxPerLevel0Px;
  if (umPerScreenPx && *umPerScreenPx > 0) return 10.0 / *umPerScreenPx;
  return std::nullopt;
}

void drawScaleBar(QPainter& p, const ScaleBar& bar, const QRect& area) {
  if (!(bar.lengthPx > 0)) return;
  QFont font = p.font();
  font.setPointSizeF(10);
  font.setBold(true);
  p.setFont(font);
  const QString label = QString::fromStdString(bar.label);
  const QFontMetrics fm(font);
  const int len = int(std::lround(bar.lengthPx));
  const int pad = 8;
  const int w = std::max(len, fm.horizontalAdvance(label)) + 2 * pad;
  const int h = fm.height() + 3 * pad;
  const QRect box(area.left() + 14, area.bottom() - 14 - h, w, h);
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setPen(Qt::NoPen);
  p.setBrush(QColor(20, 20, 22, 190));
  p.drawRoundedRect(box, 5, 5);
  const int barY = box.bottom() - pad - 3;
  const int x0 = box.left() + pad;
  p.setBrush(QColor(245, 245, 245));
  p.drawRect(QRect(x0, barY - 2, len, 5));
  p.drawRect(QRect(x0, barY - 7, 2, 10));        // end ticks make the extent unambiguous
  p.drawRect(QRect(x0 + len - 2, barY - 7, 2, 10));
  p.setPen(QColor(245, 245, 245));
  p.drawText(QRect(x0, box.top() + pad - 2, w - 2 * pad, fm.height()), Qt::AlignHCenter, label);
}

}  // namespace stamp::widgets
