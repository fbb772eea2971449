#pragma once
/// RankedListPanel: a dock panel that shows one ranked answer of a query: the genes of a
/// clicked patch (gene, log2FC, z, adjusted p) or the best-matching patches of another sample
/// (id, x, y, similarity). Sortable; a double-click reports the row.
#include <QStringList>
#include <QWidget>
#include <vector>

#include "analysis/differential.h"
#include "query_engine.h"

class QLabel;
class QTableWidget;

namespace stamp::app {

class RankedListPanel : public QWidget {
  Q_OBJECT
 public:
  explicit RankedListPanel(QWidget* parent = nullptr);

  /// "Genes of the patch at …": the characteristic genes, best first.
  void showGenes(const QString& title, const std::vector<core::analysis::GeneDifference>& genes);
  /// "Best matches in …": patches of another sample, best first.
  void showMatches(const QString& title, const std::vector<Match>& matches);
  void clear(const QString& title = {});

  QString title() const;
  int rowCount() const;
  /// The text of cell (row, column) in the current (possibly sorted) order.
  QString cell(int row, int column) const;
  QTableWidget* table() const { return table_; }

 Q_SIGNALS:
  /// The user double-clicked a row: its rank in the list as shown first (0 = best).
  void rowActivated(int rank);

 private:
  void setColumns(const QStringList& headers, int rows);
  void setNumber(int row, int column, double value, int precision, char format = 'g');
  QLabel* title_;
  QTableWidget* table_;
};

}  // namespace stamp::app
