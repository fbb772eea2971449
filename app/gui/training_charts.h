#pragma once
/// TrainingCharts: live Qt Charts of a training run: each loss term, the learning rate, and per
/// validation pass the retrieval recall@k and the localization accuracy. Points are buffered and
/// drawn at most a few times a second, however fast the steps arrive. GUI thread only.
#include <QHash>
#include <QList>
#include <QPointF>
#include <QString>
#include <QTimer>
#include <QWidget>
#include <vector>

#include "training_controller.h"

class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;

namespace stamp::app {

class TrainingCharts : public QWidget {
  Q_OBJECT
 public:
  explicit TrainingCharts(QWidget* parent = nullptr);

  /// Forgets every curve; the x axes span `totalSteps`.
  void reset(std::int64_t totalSteps);
  /// Queues the points' values; drawn at the next flush (at most every 250 ms).
  void addPoints(const std::vector<TrainingPoint>& points);
  /// Draws what is queued now.
  void flush();

  /// The curve of a metric column (e.g. "loss_total", "recall5_patch_to_spot"); null until its
  /// first point is drawn.
  QLineSeries* series(const QString& metric) const { return series_.value(metric, nullptr); }
  int pointCount(const QString& metric) const;
  QStringList metrics() const { return series_.keys(); }

 private:
  struct Panel {
    QChart* chart = nullptr;
    QValueAxis* x = nullptr;
    QValueAxis* y = nullptr;
    double lo = 0, hi = 0;
    bool empty = true;
  };
  enum Which { Losses, Rate, Recall, Localization, Count };
  Panel makePanel(const QString& title, const QString& yTitle, QChartView** view);
  static int chartOf(const QString& metric, const QString& phase);
  QLineSeries* seriesFor(const QString& metric, int which);
  void stretch(Panel& p, const QList<QPointF>& points);

  Panel panels_[Count];
  QHash<QString, QLineSeries*> series_;
  QHash<QString, QList<QPointF>> pending_;
  QHash<QString, int> chartIndex_;
  QTimer flushTimer_;
  std::int64_t totalSteps_ = 1;
};

/// "loss_patch_spot" -> "patch–spot", "recall5_patch_to_spot" -> "R@5 patch→spot".
QString metricLabel(const QString& metric);

}  // namespace stamp::app
