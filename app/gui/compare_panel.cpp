#include "compare_panel.h"

#include <utility>

#include <QChartView>
#include <QComboBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>

namespace stamp::app {

ComparePanel::ComparePanel(QWidget* parent)
    : QWidget(parent), model_(new QStandardItemModel(this)), proxy_(new QSortFilterProxyModel(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  buildGroupRow();
  table_ = new QTableView(this);
  proxy_->setSourceModel(model_);
  proxy_->setSortRole(Qt::UserRole);  // numbers sort as numbers
  table_->setModel(proxy_);
  table_->setSortingEnabled(true);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->verticalHeader()->setVisible(false);
  table_->horizontalHeader()->setStretchLastSection(true);
  chart_ = new QChartView(this);
  chart_->setRenderHint(QPainter::Antialiasing);
  chart_->setMinimumSize(320, 220);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(table_);
  split->addWidget(chart_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  layout->addWidget(split, 1);
  connect(&watcher_, &QFutureWatcher<CompareOutcome>::finished, this, &ComparePanel::finished);
  showVolcano();
}

ComparePanel::~ComparePanel() { watcher_.waitForFinished(); }

void ComparePanel::buildGroupRow() {
  auto* grid = new QGridLayout;
  auto* toA = new QPushButton(tr("Selection → A"), this);
  auto* toB = new QPushButton(tr("Selection → B"), this);
  toA->setToolTip(tr("Store the spots selected in the view (lasso) as group A"));
  toB->setToolTip(tr("Store the spots selected in the view (lasso) as group B"));
  column_ = new QComboBox(this);
  catA_ = new QComboBox(this);
  catB_ = new QComboBox(this);
  auto* useCats = new QPushButton(tr("Use clusters"), this);
  compareButton_ = new QPushButton(tr("Compare A vs B"), this);
  exportButton_ = new QPushButton(tr("Export CSV…"), this);
  exportButton_->setEnabled(false);
  groupsLabel_ = new QLabel(this);
  message_ = new QLabel(this);
  message_->setWordWrap(true);
  grid->addWidget(toA, 0, 0);
  grid->addWidget(toB, 0, 1);
  grid->addWidget(groupsLabel_, 0, 2, 1, 2);
  grid->addWidget(column_, 1, 0);
  grid->addWidget(catA_, 1, 1);
  grid->addWidget(catB_, 1, 2);
  grid->addWidget(useCats, 1, 3);
  grid->addWidget(compareButton_, 2, 0, 1, 2);
  grid->addWidget(exportButton_, 2, 2, 1, 2);
  grid->addWidget(message_, 3, 0, 1, 4);
  static_cast<QVBoxLayout*>(layout())->addLayout(grid);
  auto asGroup = [this](bool a) {
    std::vector<std::int64_t> rows(selection_.begin(), selection_.end());
    const QString label = tr("%1 selected spots").arg(rows.size());
    a ? setGroupA(std::move(rows), label) : setGroupB(std::move(rows), label);
  };
  connect(toA, &QPushButton::clicked, this, [asGroup] { asGroup(true); });
  connect(toB, &QPushButton::clicked, this, [asGroup] { asGroup(false); });
  connect(column_, &QComboBox::currentTextChanged, this, &ComparePanel::fillCategories);
  connect(useCats, &QPushButton::clicked, this, [this] {
    setGroupsFromCategories(column_->currentText(), catA_->currentText(), catB_->currentText());
  });
  connect(compareButton_, &QPushButton::clicked, this, &ComparePanel::compare);
  connect(exportButton_, &QPushButton::clicked, this, &ComparePanel::chooseExport);
}

void ComparePanel::setSample(std::shared_ptr<const core::st::SpatialSample> sample) {
  sample_ = std::move(sample);
  groupA_.clear();
  groupB_.clear();
  labelA_.clear();
  labelB_.clear();
  results_.clear();
  model_->clear();
  exportButton_->setEnabled(false);
  groupings_.clear();
  if (sample_)
    for (const auto& [name, col] : sample_->obs)
      if (col.kind == core::st::ObsColumn::Kind::Categorical && col.codes.size() == sample_->spotCount())
        groupings_[QString::fromStdString(name)] = {col.categories, col.codes};
  fillCategoryColumns();
  setGroupA({}, {});
  showVolcano();
  setMessage(sample_ ? QString() : tr("Open a sample with expression to compare groups of spots"));
}

void ComparePanel::fillCategoryColumns() {
  const QString keep = column_->currentText();
  column_->clear();
  for (const auto& [name, g] : groupings_) column_->addItem(name);
  if (column_->findText(keep) >= 0) column_->setCurrentText(keep);
  fillCategories();
}

void ComparePanel::setLayerGroupings(const std::vector<std::pair<QString, const widgets::Layer*>>& layers) {
  for (auto it = groupings_.begin(); it != groupings_.end();)
    it = it->first.startsWith(QStringLiteral("Layer: ")) ? groupings_.erase(it) : std::next(it);
  for (const auto& [name, layer] : layers)
    if (sample_ && layer->kind == widgets::Layer::Kind::Categorical &&
        layer->codes.size() == sample_->spotCount())
      groupings_[QStringLiteral("Layer: ") + name] = {layer->categories, layer->codes};
  fillCategoryColumns();
}

void ComparePanel::fillCategories() {
  catA_->clear();
  catB_->clear();
  const auto it = groupings_.find(column_->currentText());
  if (it == groupings_.end()) return;
  for (const auto& c : it->second.categories) {
    catA_->addItem(QString::fromStdString(c));
    catB_->addItem(QString::fromStdString(c));
  }
  if (catB_->count() > 1) catB_->setCurrentIndex(1);
}

void ComparePanel::setCurrentSelection(std::vector<int> spots) { selection_ = std::move(spots); }

void ComparePanel::setGroupA(std::vector<std::int64_t> spots, const QString& label) {
  groupA_ = std::move(spots);
  labelA_ = label;
  groupsLabel_->setText(tr("A: %1 · B: %2")
                            .arg(labelA_.isEmpty() ? tr("none") : labelA_,
                                 labelB_.isEmpty() ? tr("none") : labelB_));
}

void ComparePanel::setGroupB(std::vector<std::int64_t> spots, const QString& label) {
  groupB_ = std::move(spots);
  labelB_ = label;
  setGroupA(groupA_, labelA_);  // refreshes the label
}

bool ComparePanel::setGroupsFromCategories(const QString& column, const QString& a, const QString& b) {
  if (!sample_) {
    setMessage(tr("No sample with expression is open"), true);
    return false;
  }
  if (a == b) {
    setMessage(tr("Choose two different categories"), true);
    return false;
  }
  const auto it = groupings_.find(column);
  if (it == groupings_.end()) {
    setMessage(tr("No grouping named %1").arg(column), true);
    return false;
  }
  const auto& cats = it->second.categories;
  const auto codeA = std::find(cats.begin(), cats.end(), a.toStdString()) - cats.begin();
  const auto codeB = std::find(cats.begin(), cats.end(), b.toStdString()) - cats.begin();
  std::vector<std::int64_t> rowsA, rowsB;
  for (std::size_t i = 0; i < it->second.codes.size(); ++i) {
    if (it->second.codes[i] == codeA) rowsA.push_back(std::int64_t(i));
    if (it->second.codes[i] == codeB) rowsB.push_back(std::int64_t(i));
  }
  if (rowsA.empty() || rowsB.empty()) {
    setMessage(tr("No spots in %1").arg(rowsA.empty() ? a : b), true);
    return false;
  }
  setGroupB(std::move(rowsB), QStringLiteral("%1 = %2").arg(column, b));
  setGroupA(std::move(rowsA), QStringLiteral("%1 = %2").arg(column, a));
  setMessage({});
  return true;
}

void ComparePanel::compare() {
  if (!sample_ || groupA_.empty() || groupB_.empty()) {
    const QString m = !sample_ ? tr("No sample with expression is open")
                               : tr("Store two non-empty groups (A and B) first");
    setMessage(m, true);
    Q_EMIT failed(m);
    return;
  }
  if (comparing_) {  // one comparison at a time: this one runs, with the groups then stored
    again_ = true;
    return;
  }
  comparing_ = true;
  auto sample = sample_;
  auto a = groupA_, b = groupB_;
  compareButton_->setEnabled(false);
  setMessage(tr("Comparing %1 vs %2 spots…").arg(a.size()).arg(b.size()));
  watcher_.setFuture(QtConcurrent::run([sample, a, b] {
    CompareOutcome out;
    auto rows = core::analysis::compareGroups(*sample, a, b);
    if (rows.ok()) out.rows = std::move(rows).value();
    else out.error = QString::fromStdString(rows.error().describe());
    return out;
  }));
}

void ComparePanel::finished() {
  comparing_ = false;
  compareButton_->setEnabled(true);
  CompareOutcome out = watcher_.result();
  if (std::exchange(again_, false)) {  // the groups changed meanwhile: that answer is stale
    compare();
    return;
  }
  if (!out.error.isEmpty()) {
    setMessage(out.error, true);
    Q_EMIT failed(out.error);
    return;
  }
  results_ = std::move(out.rows);
  showTable();
  showVolcano();
  exportButton_->setEnabled(!results_.empty());
  setMessage(tr("%1 genes: A = %2, B = %3").arg(results_.size()).arg(labelA_, labelB_));
  Q_EMIT compared(int(results_.size()));
}

core::Status ComparePanel::exportCsv(const QString& path) const {
  if (results_.empty()) return core::makeError(core::ErrorCode::InvalidArgument, "nothing compared yet", path.toStdString());
  return core::analysis::writeDifferencesCsv(path.toStdString(), results_);
}

void ComparePanel::chooseExport() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export comparison as CSV"),
                                                    QStringLiteral("differences.csv"),
                                                    tr("CSV (*.csv)"));
  if (path.isEmpty()) return;
  const auto status = exportCsv(path);
  setMessage(status.ok() ? tr("Saved %1").arg(path) : QString::fromStdString(status.error().describe()),
             !status.ok());
}

void ComparePanel::setMessage(const QString& text, bool error) {
  message_->setText(text);
  message_->setStyleSheet(error ? QStringLiteral("color: #d33;") : QString());
}

}  // namespace stamp::app
