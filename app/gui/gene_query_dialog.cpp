#include "gene_query_dialog.h"

#include <QCompleter>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>
#include <map>

namespace stamp::app {

using core::ErrorCode;
using core::makeError;

core::Result<WeightedGenes> parseGeneList(const QString& text) {
  const QStringList entries =
      text.split(QRegularExpression(QStringLiteral("[,;\\n]")), Qt::SkipEmptyParts);
  std::map<std::string, double> sums;
  WeightedGenes out;
  for (const QString& raw : entries) {
    const QString entry = raw.trimmed();
    if (entry.isEmpty()) continue;
    const QStringList parts =
        entry.split(QRegularExpression(QStringLiteral("[:\\s]+")), Qt::SkipEmptyParts);
    double weight = 1;
    if (parts.size() > 2 || parts.isEmpty())
      return makeError(ErrorCode::InvalidArgument, "cannot read '" + entry.toStdString() + "' as GENE or GENE:weight");
    if (parts.size() == 2) {
      bool ok = false;
      weight = parts[1].toDouble(&ok);
      if (!ok || !(weight > 0) || !std::isfinite(weight))
        return makeError(ErrorCode::InvalidArgument, "the weight of '" + entry.toStdString() + "' is not a positive number");
    }
    const std::string gene = parts[0].toStdString();
    if (!sums.count(gene)) out.emplace_back(gene, 0.0);
    sums[gene] += weight;
  }
  if (out.empty()) return makeError(ErrorCode::InvalidArgument, "no genes given");
  for (auto& [gene, w] : out) w = sums[gene];
  return out;
}

GeneQueryDialog::GeneQueryDialog(const QStringList& completions, WeightedGenes profile, QWidget* parent)
    : QDialog(parent), edit_(new QLineEdit(this)), weight_(new QDoubleSpinBox(this)),
      list_(new QTableWidget(0, 2, this)), profile_(std::move(profile)) {
  setWindowTitle(tr("Query by genes"));
  auto* completer = new QCompleter(completions, this);
  completer->setCaseSensitivity(Qt::CaseInsensitive);
  completer->setFilterMode(Qt::MatchStartsWith);
  edit_->setCompleter(completer);
  edit_->setPlaceholderText(tr("Gene symbol or Ensembl id (several: CD3E, MS4A1:2)"));
  weight_->setRange(0.01, 1e6);
  weight_->setValue(1);
  weight_->setPrefix(tr("weight "));
  auto* add = new QPushButton(tr("Add"), this);
  auto* fromSpot = new QPushButton(tr("Use clicked spot's profile"), this);
  fromSpot->setEnabled(!profile_.empty());
  fromSpot->setToolTip(profile_.empty() ? tr("Click a spot of a sample with expression first")
                                        : tr("%1 expressed genes").arg(profile_.size()));
  auto* remove = new QPushButton(tr("Remove selected"), this);
  list_->setHorizontalHeaderLabels({tr("Gene"), tr("Weight")});
  list_->horizontalHeader()->setStretchLastSection(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Run query"));
  auto* row = new QHBoxLayout;
  row->addWidget(edit_, 1);
  row->addWidget(weight_);
  row->addWidget(add);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(row);
  layout->addWidget(list_, 1);
  auto* row2 = new QHBoxLayout;
  row2->addWidget(fromSpot);
  row2->addWidget(remove);
  row2->addStretch(1);
  layout->addLayout(row2);
  layout->addWidget(buttons);
  connect(add, &QPushButton::clicked, this, &GeneQueryDialog::addTyped);
  connect(edit_, &QLineEdit::returnPressed, this, &GeneQueryDialog::addTyped);
  connect(fromSpot, &QPushButton::clicked, this, &GeneQueryDialog::useProfile);
  connect(remove, &QPushButton::clicked, this, [this] {
    for (int r = list_->rowCount() - 1; r >= 0; --r)
      if (list_->item(r, 0) && list_->item(r, 0)->isSelected()) list_->removeRow(r);
  });
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  resize(460, 420);
}

void GeneQueryDialog::addTyped() {
  QString text = edit_->text().trimmed();
  if (text.isEmpty()) return;
  // A single typed gene takes the spin box's weight; a typed list carries its own weights.
  if (!text.contains(QRegularExpression(QStringLiteral("[,;:\\s]"))))
    text += QLatin1Char(':') + QString::number(weight_->value());
  if (addGenes(text)) edit_->clear();
}

bool GeneQueryDialog::addGenes(const QString& text) {
  auto parsed = parseGeneList(text);
  if (!parsed.ok()) {
    edit_->setToolTip(QString::fromStdString(parsed.error().message));
    edit_->setStyleSheet(QStringLiteral("QLineEdit { border: 1px solid #d33; }"));
    return false;
  }
  edit_->setStyleSheet({});
  edit_->setToolTip({});
  for (const auto& [gene, w] : *parsed) setGene(QString::fromStdString(gene), w);
  return true;
}

void GeneQueryDialog::setGene(const QString& gene, double weight) {
  int row = 0;
  while (row < list_->rowCount() && list_->item(row, 0)->text() != gene) ++row;
  if (row == list_->rowCount()) {
    list_->insertRow(row);
    list_->setItem(row, 0, new QTableWidgetItem(gene));
  }
  list_->setItem(row, 1, new QTableWidgetItem(QString::number(weight)));
}

void GeneQueryDialog::useProfile() {
  list_->setRowCount(0);
  for (const auto& [gene, w] : profile_) setGene(QString::fromStdString(gene), w);
}

int GeneQueryDialog::geneCount() const { return list_->rowCount(); }

WeightedGenes GeneQueryDialog::genes() const {
  WeightedGenes out;
  for (int r = 0; r < list_->rowCount(); ++r) {
    bool ok = false;
    const double w = list_->item(r, 1) ? list_->item(r, 1)->text().toDouble(&ok) : 0;
    if (ok && w > 0) out.emplace_back(list_->item(r, 0)->text().toStdString(), w);
  }
  return out;
}

}  // namespace stamp::app
