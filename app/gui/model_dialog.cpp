#include "model_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>

#include "engine/model_handle.h"

namespace stamp::app {

ModelDialog::ModelDialog(QWidget* parent)
    : QDialog(parent),
      preset_(new QComboBox(this)),
      device_(new QComboBox(this)),
      precision_(new QComboBox(this)),
      untrained_(new QCheckBox(tr("Untrained (fresh, seeded) model of the preset"), this)),
      weights_(new QLineEdit(this)),
      config_(new QLineEdit(this)),
      vocab_(new QLineEdit(this)) {
  setWindowTitle(tr("Load STAMP model"));
  preset_->setObjectName(QStringLiteral("preset"));
  untrained_->setObjectName(QStringLiteral("untrained"));
  device_->setObjectName(QStringLiteral("device"));
  precision_->setObjectName(QStringLiteral("precision"));
  preset_->addItems({QStringLiteral("tiny"), QStringLiteral("uni")});
  QSettings s;
  preset_->setCurrentText(s.value("model/preset", "tiny").toString());
  untrained_->setChecked(s.value("model/untrained", false).toBool());
  weights_->setText(s.value("model/weights").toString());
  config_->setText(s.value("model/config").toString());
  vocab_->setText(s.value("model/vocab", defaultVocabularyFolder()).toString());
  device_->addItem(QStringLiteral("cpu"));
  if (core::engine::cudaAvailable()) device_->addItem(QStringLiteral("cuda"));
  device_->setCurrentText(s.value("model/device", "cpu").toString());  // stays cpu without CUDA
  fillPrecisions();
  precision_->setCurrentText(s.value("model/precision", "fp32").toString());
  precision_->setToolTip(tr("fp32 matches the reference model. bf16 (autocast) is faster where the "
                            "processor or GPU computes in bf16, with embeddings within ~1e-4 cosine of "
                            "fp32's; fp16 needs a GPU."));
  config_->setPlaceholderText(tr("optional: config JSON (else the preset)"));
  auto* form = new QFormLayout(this);
  form->addRow(tr("Preset"), preset_);
  form->addRow(QString(), untrained_);
  form->addRow(tr("Weights"), fileRow(weights_, tr("Weights (*.pt *.safetensors)"), false));
  form->addRow(tr("Config"), fileRow(config_, tr("JSON (*.json)"), false));
  form->addRow(tr("Device"), device_);
  form->addRow(tr("Precision"), precision_);
  form->addRow(tr("Vocabulary folder"), fileRow(vocab_, {}, true));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  form->addRow(buttons);
  connect(untrained_, &QCheckBox::toggled, this, &ModelDialog::syncEnabled);
  connect(device_, &QComboBox::currentTextChanged, this, &ModelDialog::fillPrecisions);
  syncEnabled();
}

QWidget* ModelDialog::fileRow(QLineEdit* edit, const QString& filter, bool folder) {
  auto* row = new QWidget(this);
  auto* lay = new QHBoxLayout(row);
  lay->setContentsMargins(0, 0, 0, 0);
  auto* browse = new QPushButton(tr("Browse…"), row);
  lay->addWidget(edit, 1);
  lay->addWidget(browse);
  connect(browse, &QPushButton::clicked, this, [this, edit, filter, folder] {
    const QString p = folder ? QFileDialog::getExistingDirectory(this, {}, edit->text())
                             : QFileDialog::getOpenFileName(this, {}, edit->text(), filter);
    if (!p.isEmpty()) edit->setText(p);
  });
  return row;
}

void ModelDialog::syncEnabled() {
  weights_->parentWidget()->setEnabled(!untrained_->isChecked());
  config_->parentWidget()->setEnabled(!untrained_->isChecked());
}

// fp16 autocast exists on CUDA only; the choice survives a device switch where it can.
void ModelDialog::fillPrecisions() {
  const QString keep = precision_->currentText();
  precision_->clear();
  precision_->addItems({QStringLiteral("fp32"), QStringLiteral("bf16")});
  if (device_->currentText().startsWith(QStringLiteral("cuda"))) precision_->addItem(QStringLiteral("fp16"));
  if (precision_->findText(keep) >= 0) precision_->setCurrentText(keep);
}

ModelRequest ModelDialog::request() const {
  ModelRequest r;
  r.preset = preset_->currentText();
  r.untrained = untrained_->isChecked();
  r.weights = weights_->text().trimmed();
  r.config = config_->text().trimmed();
  r.device = device_->currentText();
  r.precision = precision_->currentText();
  return r;
}

QString ModelDialog::vocabularyFolder() const { return vocab_->text().trimmed(); }

void ModelDialog::remember() const {
  QSettings s;
  s.setValue("model/preset", preset_->currentText());
  s.setValue("model/untrained", untrained_->isChecked());
  s.setValue("model/weights", weights_->text());
  s.setValue("model/config", config_->text());
  s.setValue("model/vocab", vocab_->text());
  s.setValue("model/device", device_->currentText());
  s.setValue("model/precision", precision_->currentText());
}

}  // namespace stamp::app
