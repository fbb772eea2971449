// ComparePanel's two views of one result: the sortable table and the volcano plot
// (log2 fold change against -log10 adjusted p; significant genes in colour, hover names them).
#include <QChart>
#include <QChartView>
#include <QScatterSeries>
#include <QStandardItemModel>
#include <QTableView>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

#include "compare_panel.h"

namespace stamp::app {

namespace {

constexpr double kAlpha = 0.05;      // adjusted p below which a gene counts as different
constexpr double kMinLog2Fc = 0.5;   // and a fold change of at least ~1.4x

QStandardItem* numberItem(double v, int precision) {
  auto* item = new QStandardItem(QString::number(v, 'g', precision));
  item->setData(v, Qt::UserRole);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}

double minusLog10(double p) { return -std::log10(std::max(p, 1e-300)); }

}  // namespace

void ComparePanel::showTable() {
  model_->clear();
  model_->setHorizontalHeaderLabels({tr("Gene"), tr("log2 FC (A/B)"), tr("mean A"), tr("mean B"),
                                     tr("z"), tr("p"), tr("p adj. (BH)")});
  for (const auto& g : results_) {
    auto* gene = new QStandardItem(QString::fromStdString(g.gene));
    gene->setData(QString::fromStdString(g.gene), Qt::UserRole);
    model_->appendRow({gene, numberItem(g.log2FoldChange, 4), numberItem(g.meanA, 4),
                       numberItem(g.meanB, 4), numberItem(g.statistic, 4), numberItem(g.pValue, 3),
                       numberItem(g.pAdjusted, 3)});
  }
  table_->sortByColumn(-1, Qt::AscendingOrder);  // keep the result's order (adjusted p, |FC|)
  table_->resizeColumnsToContents();
}

void ComparePanel::showVolcano() {
  auto* chart = new QChart;
  chart->setTitle(results_.empty() ? tr("Volcano plot (compare two groups first)")
                                   : tr("Volcano plot: %1 vs %2").arg(labelA_, labelB_));
  chart->legend()->setAlignment(Qt::AlignBottom);
  auto* up = new QScatterSeries(chart);
  auto* down = new QScatterSeries(chart);
  auto* rest = new QScatterSeries(chart);
  up->setName(tr("higher in A"));
  down->setName(tr("higher in B"));
  rest->setName(tr("not significant"));
  up->setColor(QColor(214, 39, 40));
  down->setColor(QColor(31, 119, 180));
  rest->setColor(QColor(160, 160, 160));
  double xMax = 1, yMax = 1;
  for (const auto& g : results_) {
    const double x = g.log2FoldChange, y = minusLog10(g.pAdjusted);
    xMax = std::max(xMax, std::abs(x));
    yMax = std::max(yMax, y);
    const bool sig = g.pAdjusted < kAlpha && std::abs(x) >= kMinLog2Fc;
    (sig ? (x > 0 ? up : down) : rest)->append(x, y);
  }
  for (auto* s : {rest, down, up}) {
    s->setMarkerSize(7);
    s->setBorderColor(Qt::transparent);
    chart->addSeries(s);
    connect(s, &QScatterSeries::hovered, this, [this](const QPointF& p, bool on) {
      if (!on) return QToolTip::hideText();
      for (const auto& g : results_)
        if (std::abs(g.log2FoldChange - p.x()) < 1e-9 && std::abs(minusLog10(g.pAdjusted) - p.y()) < 1e-9)
          return QToolTip::showText(QCursor::pos(), tr("%1: log2 FC %2, p adj. %3")
                                                        .arg(QString::fromStdString(g.gene))
                                                        .arg(g.log2FoldChange, 0, 'f', 2)
                                                        .arg(g.pAdjusted, 0, 'g', 3));
    });
  }
  chart->createDefaultAxes();
  auto* ax = qobject_cast<QValueAxis*>(chart->axes(Qt::Horizontal).value(0));
  auto* ay = qobject_cast<QValueAxis*>(chart->axes(Qt::Vertical).value(0));
  if (ax) {
    ax->setRange(-xMax * 1.1, xMax * 1.1);
    ax->setTitleText(tr("log2 fold change (A / B)"));
  }
  if (ay) {
    ay->setRange(0, yMax * 1.1);
    ay->setTitleText(tr("−log10 p adj."));
  }
  QChart* old = chart_->chart();
  chart_->setChart(chart);
  delete old;  // setChart does not take the previous chart's ownership away from the view
}

}  // namespace stamp::app
