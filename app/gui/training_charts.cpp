#include "training_charts.h"

#include <QGridLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <cmath>

namespace stamp::app {

QString metricLabel(const QString& metric) {
  if (metric.startsWith(QLatin1String("loss_"))) {
    QString s = metric.mid(5);
    return s == QLatin1String("total") ? s : s.replace(QLatin1Char('_'), QChar(0x2013));
  }
  if (metric.startsWith(QLatin1String("recall"))) {
    const int cut = metric.indexOf(QLatin1Char('_'));
    // Short legend entries: six of them share one small chart.
    const QString dir = metric.mid(cut + 1) == QLatin1String("patch_to_spot") ? QStringLiteral("p\u2192s") : QStringLiteral("s\u2192p");
    return QStringLiteral("%1 @%2").arg(dir, metric.mid(6, cut - 6));
  }
  if (metric == QLatin1String("lr")) return QStringLiteral("learning rate");
  if (metric == QLatin1String("localization_accuracy")) return QStringLiteral("accuracy");
  return metric;
}

namespace {

/// Whole-step tick spacing of 1, 2 or 5 x 10^k giving at most about six ticks.
double tickStep(std::int64_t total) {
  double step = 1;
  for (double m = 1;; m *= 10) {
    for (double f : {1.0, 2.0, 5.0})
      if (double(total) / (f * m) <= 6) return std::max(step, f * m);
  }
}

}  // namespace

TrainingCharts::TrainingCharts(QWidget* parent) : QWidget(parent) {
  auto* grid = new QGridLayout(this);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(2);
  const QString titles[Count] = {tr("Training losses"), tr("Learning rate"), tr("Validation retrieval recall@k"),
                                 tr("Validation localization accuracy")};
  const QString yTitles[Count] = {tr("loss"), tr("lr"), tr("recall"), tr("accuracy")};
  for (int i = 0; i < Count; ++i) {
    QChartView* view = nullptr;
    panels_[i] = makePanel(titles[i], yTitles[i], &view);
    grid->addWidget(view, i / 2, i % 2);
  }
  flushTimer_.setSingleShot(true);
  flushTimer_.setInterval(250);
  connect(&flushTimer_, &QTimer::timeout, this, &TrainingCharts::flush);
  reset(100);
}

TrainingCharts::Panel TrainingCharts::makePanel(const QString& title, const QString& yTitle, QChartView** view) {
  Panel p;
  p.chart = new QChart();
  p.chart->setTitle(title);
  p.chart->legend()->setAlignment(Qt::AlignBottom);
  p.chart->setMargins(QMargins(4, 4, 4, 4));
  p.x = new QValueAxis(p.chart);
  p.x->setTitleText(tr("step"));
  p.x->setLabelFormat(QStringLiteral("%d"));
  p.x->setTickType(QValueAxis::TicksDynamic);
  p.x->setTickAnchor(0);
  p.y = new QValueAxis(p.chart);
  p.y->setLabelFormat(QStringLiteral("%.3g"));
  p.chart->addAxis(p.x, Qt::AlignBottom);
  p.chart->addAxis(p.y, Qt::AlignLeft);
  *view = new QChartView(p.chart, this);  // the view owns the chart
  (*view)->setRenderHint(QPainter::Antialiasing);
  (*view)->setMinimumSize(260, 190);
  return p;
}

void TrainingCharts::reset(std::int64_t totalSteps) {
  flushTimer_.stop();
  pending_.clear();
  chartIndex_.clear();
  for (auto* s : std::as_const(series_)) {
    s->chart()->removeSeries(s);
    delete s;
  }
  series_.clear();
  totalSteps_ = std::max<std::int64_t>(1, totalSteps);
  for (auto& p : panels_) {
    p.empty = true;
    p.x->setRange(0, double(totalSteps_));
    p.x->setTickInterval(tickStep(totalSteps_));
    p.y->setRange(0, 1);
  }
}

int TrainingCharts::chartOf(const QString& metric, const QString& phase) {
  if (phase == QLatin1String("train")) {
    if (metric.startsWith(QLatin1String("loss_"))) return Losses;
    if (metric == QLatin1String("lr")) return Rate;
    return -1;
  }
  if (metric.startsWith(QLatin1String("recall"))) return Recall;
  if (metric == QLatin1String("localization_accuracy")) return Localization;
  return -1;
}

void TrainingCharts::addPoints(const std::vector<TrainingPoint>& points) {
  for (const auto& p : points) {
    const QString phase = QString::fromStdString(p.row.phase);
    for (const auto& [key, value] : p.row.values) {
      const QString metric = QString::fromStdString(key);
      const int which = chartOf(metric, phase);
      if (which < 0 || !std::isfinite(value)) continue;
      chartIndex_.insert(metric, which);
      pending_[metric].append(QPointF(double(p.row.step), value));
    }
  }
  if (!pending_.isEmpty() && !flushTimer_.isActive()) flushTimer_.start();
}

QLineSeries* TrainingCharts::seriesFor(const QString& metric, int which) {
  if (auto* s = series_.value(metric, nullptr)) return s;
  auto* s = new QLineSeries();
  s->setName(metricLabel(metric));
  // Validation passes are few: mark them so one pass is already visible.
  s->setPointsVisible(which == Recall || which == Localization);
  panels_[which].chart->addSeries(s);
  s->attachAxis(panels_[which].x);
  s->attachAxis(panels_[which].y);
  series_.insert(metric, s);
  return s;
}

void TrainingCharts::flush() {
  flushTimer_.stop();
  for (auto it = pending_.cbegin(); it != pending_.cend(); ++it) {
    const int which = chartIndex_.value(it.key());
    seriesFor(it.key(), which)->append(it.value());
    stretch(panels_[which], it.value());
  }
  pending_.clear();
}

// Grows the y range to hold `points` (never shrinks, so curves do not jump while training).
void TrainingCharts::stretch(Panel& p, const QList<QPointF>& points) {
  for (const auto& q : points) {
    if (p.empty) {
      p.lo = p.hi = q.y();
      p.empty = false;
    }
    p.lo = std::min(p.lo, q.y());
    p.hi = std::max(p.hi, q.y());
  }
  const double pad = p.hi > p.lo ? 0.05 * (p.hi - p.lo) : std::max(1e-6, 0.05 * std::abs(p.hi));
  const bool unit = &p == &panels_[Recall] || &p == &panels_[Localization];
  p.y->setRange(unit ? std::max(0.0, p.lo - pad) : p.lo - pad, unit ? std::min(1.0, p.hi + pad) : p.hi + pad);
  if (unit && p.hi + pad > 1.0 - 1e-9) p.y->setMax(1.0);
}

int TrainingCharts::pointCount(const QString& metric) const {
  const QLineSeries* s = series(metric);
  return s ? int(s->count()) : 0;
}

}  // namespace stamp::app
