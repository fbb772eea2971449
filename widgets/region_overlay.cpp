#include "widgets/region_overlay.h"

#include <QFontMetricsF>
#include <QObject>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

namespace stamp::widgets {
namespace {

QRectF toWidget(const ViewTransform& v, const QRectF& frame) {
  return QRectF(v.toWidget(frame.topLeft()), v.toWidget(frame.bottomRight()));
}

// Light text with a dark halo reads on pale glass and dark tissue alike.
void haloText(QPainter& p, const QRectF& box, const QString& text, const QColor& color) {
  QPainterPath path;
  const QFontMetricsF fm(p.font());
  const QPointF at(box.center().x() - fm.horizontalAdvance(text) / 2,
                   box.center().y() + (fm.ascent() - fm.descent()) / 2);
  path.addText(at, p.font(), text);
  p.setPen(QPen(QColor(0, 0, 0, 200), 3.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  p.setBrush(Qt::NoBrush);
  p.drawPath(path);
  p.fillPath(path, color);
}

void drawCells(QPainter& p, const ViewTransform& v, const QRectF& region, const RegionOverlay& o) {
  const auto& probs = *o.probs;
  const int best = int(std::max_element(probs.begin(), probs.end()) - probs.begin());
  for (int k = 0; k < 9; ++k) {
    const QRectF cell = toWidget(v, regionCellRect(region, k));
    p.fillRect(cell, cellTint(probs[std::size_t(k)]));
    if (cell.width() < 18) continue;  // too small for text
    QFont f = p.font();
    f.setPixelSize(int(std::clamp(cell.width() / 5.0, 9.0, 26.0)));
    f.setBold(k == best);
    p.setFont(f);
    haloText(p, cell, QString::number(double(probs[std::size_t(k)]), 'f', 2), Qt::white);
  }
  const QRectF b = toWidget(v, regionCellRect(region, best)).adjusted(2, 2, -2, -2);
  p.setBrush(Qt::NoBrush);
  p.setPen(QPen(QColor(0, 0, 0, 160), 4.5));
  p.drawRect(b);
  p.setPen(QPen(QColor(255, 230, 0), 2.5));
  p.drawRect(b);
}

void drawTrueCell(QPainter& p, const ViewTransform& v, const QRectF& region, int cell) {
  const QRectF c = toWidget(v, regionCellRect(region, cell)).adjusted(5, 5, -5, -5);
  p.setBrush(Qt::NoBrush);
  p.setPen(QPen(QColor(0, 0, 0, 180), 5));
  p.drawRect(c);
  p.setPen(QPen(QColor(60, 230, 90), 3, Qt::DashLine));
  p.drawRect(c);
  if (c.width() < 40) return;
  QFont f = p.font();
  f.setPixelSize(int(std::clamp(c.width() / 8.0, 9.0, 16.0)));
  f.setBold(true);
  p.setFont(f);
  const QRectF label(c.left(), c.top() + 2, c.width(), f.pixelSize() + 6);
  haloText(p, label, QObject::tr("true cell"), QColor(60, 230, 90));
}

void drawGrid(QPainter& p, const ViewTransform& v, const QRectF& region) {
  const QRectF r = toWidget(v, region);
  p.setBrush(Qt::NoBrush);
  for (int pass = 0; pass < 2; ++pass) {  // dark shadow, then the light line
    p.setPen(pass ? QPen(QColor(255, 220, 40), 1.2) : QPen(QColor(0, 0, 0, 150), 3));
    for (int i = 1; i < 3; ++i) {
      const double x = r.left() + r.width() * i / 3, y = r.top() + r.height() * i / 3;
      p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()));
      p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y));
    }
    p.setPen(pass ? QPen(QColor(255, 220, 40), 2.2) : QPen(QColor(0, 0, 0, 150), 4.5));
    p.drawRect(r);
  }
}

void drawHits(QPainter& p, const ViewTransform& v, const std::vector<QRectF>& hits) {
  QFont f = p.font();
  f.setPixelSize(12);
  f.setBold(true);
  p.setFont(f);
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const QRectF r = toWidget(v, hits[i]);
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(QColor(0, 0, 0, 170), 4));
    p.drawRect(r);
    p.setPen(QPen(QColor(255, 150, 20), 2));
    p.drawRect(r);
    haloText(p, QRectF(r.left(), r.top() - 16, 22, 16), QString::number(i + 1), QColor(255, 170, 40));
  }
}

}  // namespace

int regionCellAt(const QRectF& region, const QPointF& frame) {
  if (!(region.width() > 0) || !region.contains(frame)) return -1;
  const int col = std::clamp(int((frame.x() - region.left()) * 3 / region.width()), 0, 2);
  const int row = std::clamp(int((frame.y() - region.top()) * 3 / region.height()), 0, 2);
  return 3 * row + col;
}

QRectF regionCellRect(const QRectF& region, int cell) {
  const double w = region.width() / 3, h = region.height() / 3;
  return QRectF(region.left() + (cell % 3) * w, region.top() + (cell / 3) * h, w, h);
}

QColor cellTint(float p) {
  const double t = std::clamp(double(p), 0.0, 1.0);
  // Cyan stands out on both H&E stains (pink eosin, purple haematoxylin).
  return QColor(0, 180, 255, int(std::lround(20 + 170 * t)));
}

void drawRegionOverlay(QPainter& p, const ViewTransform& v, const RegionOverlay& o) {
  p.save();
  drawHits(p, v, o.hits);
  if (o.reference) {
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(QColor(0, 0, 0, 170), 4));
    p.drawRect(toWidget(v, *o.reference));
    p.setPen(QPen(QColor(255, 255, 255), 2, Qt::DashLine));
    p.drawRect(toWidget(v, *o.reference));
  }
  if (o.region) {
    if (o.probs) drawCells(p, v, *o.region, o);
    drawGrid(p, v, *o.region);
    if (o.probs && o.trueCell >= 0 && o.trueCell < 9) drawTrueCell(p, v, *o.region, o.trueCell);
  }
  p.restore();
}

}  // namespace stamp::widgets
