#include "ranked_list_panel.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

namespace stamp::app {

namespace {

// Sorts by the number it holds (Qt::EditRole), not by its text ("10" after "9").
class NumberItem : public QTableWidgetItem {
 public:
  using QTableWidgetItem::QTableWidgetItem;
  bool operator<(const QTableWidgetItem& other) const override {
    return data(Qt::EditRole).toDouble() < other.data(Qt::EditRole).toDouble();
  }
};

constexpr int kRankRole = Qt::UserRole + 1;

}  // namespace

RankedListPanel::RankedListPanel(QWidget* parent)
    : QWidget(parent), title_(new QLabel(this)), table_(new QTableWidget(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  title_->setWordWrap(true);
  layout->addWidget(title_);
  layout->addWidget(table_);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->verticalHeader()->setVisible(false);
  table_->horizontalHeader()->setStretchLastSection(true);
  connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
    if (auto* item = table_->item(row, 0)) Q_EMIT rowActivated(item->data(kRankRole).toInt());
  });
  clear(tr("Click a patch with Query ▸ Patch → genes, or query another sample."));
}

void RankedListPanel::setColumns(const QStringList& headers, int rows) {
  table_->setSortingEnabled(false);  // filling a sorted table reorders rows under our feet
  table_->clear();
  table_->setColumnCount(int(headers.size()));
  table_->setHorizontalHeaderLabels(headers);
  table_->setRowCount(rows);
}

void RankedListPanel::setNumber(int row, int column, double value, int precision, char format) {
  const QString text = QString::number(value, format, precision);
  auto* item = new NumberItem(text);
  item->setData(Qt::EditRole, value);
  item->setData(Qt::DisplayRole, text);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  table_->setItem(row, column, item);
}

void RankedListPanel::showGenes(const QString& title,
                                const std::vector<core::analysis::GeneDifference>& genes) {
  title_->setText(title);
  setColumns({tr("#"), tr("Gene"), tr("log2 FC"), tr("z"), tr("p adj.")}, int(genes.size()));
  for (int r = 0; r < int(genes.size()); ++r) {
    const auto& g = genes[std::size_t(r)];
    setNumber(r, 0, r + 1, 6);
    table_->item(r, 0)->setData(kRankRole, r);
    table_->setItem(r, 1, new QTableWidgetItem(QString::fromStdString(g.gene)));
    setNumber(r, 2, g.log2FoldChange, 3);
    setNumber(r, 3, g.statistic, 3);
    setNumber(r, 4, g.pAdjusted, 3);
  }
  table_->setSortingEnabled(true);
  table_->resizeColumnsToContents();
}

void RankedListPanel::showMatches(const QString& title, const std::vector<Match>& matches) {
  title_->setText(title);
  setColumns({tr("#"), tr("Patch / spot"), tr("x"), tr("y"), tr("Similarity")}, int(matches.size()));
  for (int r = 0; r < int(matches.size()); ++r) {
    const Match& m = matches[std::size_t(r)];
    setNumber(r, 0, r + 1, 6);
    table_->item(r, 0)->setData(kRankRole, r);
    table_->setItem(r, 1, new QTableWidgetItem(QString::fromStdString(m.id)));
    setNumber(r, 2, std::round(m.x), 8);
    setNumber(r, 3, std::round(m.y), 8);
    setNumber(r, 4, m.score, 4, 'f');  // cosines near 1 differ in the 3rd/4th decimal
  }
  table_->setSortingEnabled(true);
  table_->resizeColumnsToContents();
}

void RankedListPanel::clear(const QString& title) {
  title_->setText(title);
  setColumns({}, 0);
}

QString RankedListPanel::title() const { return title_->text(); }
int RankedListPanel::rowCount() const { return table_->rowCount(); }

QString RankedListPanel::cell(int row, int column) const {
  const auto* item = table_->item(row, column);
  return item ? item->text() : QString();
}

}  // namespace stamp::app
