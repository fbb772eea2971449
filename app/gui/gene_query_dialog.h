#pragma once
/// GeneQueryDialog: the genes of a "query by genes": typed with completion over the sample's
/// genes and the vocabulary, each with a weight, or taken from a clicked spot's expression.
#include <QDialog>
#include <QString>
#include <QStringList>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

class QLineEdit;
class QDoubleSpinBox;
class QTableWidget;

namespace stamp::app {

using WeightedGenes = std::vector<std::pair<std::string, double>>;

/// Parses "CD3E, MS4A1:2; EPCAM 0.5": genes separated by commas, semicolons or new lines, each
/// optionally followed by ":w" or " w" (a weight > 0, default 1). Errors name the bad entry; a
/// gene given twice keeps the summed weight. An empty list is an error.
core::Result<WeightedGenes> parseGeneList(const QString& text);

class GeneQueryDialog : public QDialog {
  Q_OBJECT
 public:
  /// `completions`: gene symbols/ids offered while typing; `profile`: the clicked spot's
  /// expression (gene, count), offered by "Use clicked spot's profile" when non-empty.
  GeneQueryDialog(const QStringList& completions, WeightedGenes profile, QWidget* parent = nullptr);

  /// The genes and weights in the list (what the query embeds).
  WeightedGenes genes() const;
  /// Adds (or re-weights) one gene; `text` may also hold several, as parseGeneList reads them.
  bool addGenes(const QString& text);
  void useProfile();
  int geneCount() const;

 private:
  void addTyped();
  void setGene(const QString& gene, double weight);
  QLineEdit* edit_;
  QDoubleSpinBox* weight_;
  QTableWidget* list_;
  WeightedGenes profile_;
};

}  // namespace stamp::app
