#pragma once
/// ComparePanel: "Compare two selections". Group A and B come from the slide view's lasso
/// selection (stored with "Selection → A/B") or from two categories of a categorical obs
/// column; Compare runs the Wilcoxon test per gene on a worker (effect size, z, p, BH) and
/// shows a sortable table and a volcano plot; Export writes the table as CSV (atomically).
#include <QFutureWatcher>
#include <QWidget>
#include <QString>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis/differential.h"
#include "st/spatial_sample.h"
#include "widgets/layer.h"

class QChartView;
class QComboBox;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QStandardItemModel;
class QTableView;

namespace stamp::app {

struct CompareOutcome {
  std::vector<core::analysis::GeneDifference> rows;
  QString error;
};

class ComparePanel : public QWidget {
  Q_OBJECT
 public:
  enum Column { Gene, Log2Fc, MeanA, MeanB, Z, P, PAdj, ColumnCount };

  explicit ComparePanel(QWidget* parent = nullptr);
  ~ComparePanel() override;

  /// The sample whose spots the groups index (null: nothing to compare).
  void setSample(std::shared_ptr<const core::st::SpatialSample> sample);
  /// The slide view's current selection, offered by the A/B buttons.
  void setCurrentSelection(std::vector<int> spots);
  void setGroupA(std::vector<std::int64_t> spots, const QString& label);
  void setGroupB(std::vector<std::int64_t> spots, const QString& label);
  /// A categorical layer (e.g. k-means clusters) offered as groups besides the obs columns;
  /// ignored unless it has one code per spot of the sample.
  void setLayerGroupings(const std::vector<std::pair<QString, const widgets::Layer*>>& layers);
  /// Both groups from two categories of a grouping: an obs column by name, or "Layer: <name>";
  /// false (and a message) if impossible.
  bool setGroupsFromCategories(const QString& column, const QString& a, const QString& b);
  /// Starts the comparison on a worker; `compared` or `failed` follows.
  void compare();
  core::Status exportCsv(const QString& path) const;

  const std::vector<core::analysis::GeneDifference>& results() const { return results_; }
  bool busy() const { return comparing_; }
  QTableView* tableView() const { return table_; }
  QStandardItemModel* tableModel() const { return model_; }
  QChartView* volcano() const { return chart_; }

 Q_SIGNALS:
  void compared(int genes);
  void failed(const QString& message);

 private:
  void buildGroupRow();
  void fillCategoryColumns();
  void fillCategories();
  void finished();
  void showTable();
  void showVolcano();
  void chooseExport();
  void setMessage(const QString& text, bool error = false);

  struct Grouping {
    std::vector<std::string> categories;
    std::vector<std::int32_t> codes;  // per spot, -1 = none
  };
  std::shared_ptr<const core::st::SpatialSample> sample_;
  std::map<QString, Grouping> groupings_;
  std::vector<int> selection_;
  std::vector<std::int64_t> groupA_, groupB_;
  QString labelA_, labelB_;
  std::vector<core::analysis::GeneDifference> results_;
  QFutureWatcher<CompareOutcome> watcher_;
  bool comparing_ = false;  // until finished() has run, not just the future
  bool again_ = false;      // compare() was called while comparing
  QLabel* groupsLabel_ = nullptr;
  QLabel* message_ = nullptr;
  QComboBox* column_ = nullptr;
  QComboBox* catA_ = nullptr;
  QComboBox* catB_ = nullptr;
  QPushButton* compareButton_ = nullptr;
  QPushButton* exportButton_ = nullptr;
  QStandardItemModel* model_ = nullptr;
  QSortFilterProxyModel* proxy_ = nullptr;
  QTableView* table_ = nullptr;
  QChartView* chart_ = nullptr;
};

}  // namespace stamp::app
