// TrainingPanel: running (start, resume, pause, cancel), live status (throughput, ETA) and the
// end of a run; ScientificSpinBox.
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <cmath>

#include "training_charts.h"
#include "training_panel.h"

namespace stamp::app {

namespace engine = core::engine;

ScientificSpinBox::ScientificSpinBox(QWidget* parent) : QDoubleSpinBox(parent) {
  setDecimals(12);  // the value is kept exactly; the text is what textFromValue makes
  setRange(1e-12, 10.0);
}

QString ScientificSpinBox::textFromValue(double value) const { return QString::number(value, 'g', 4); }

double ScientificSpinBox::valueFromText(const QString& text) const { return text.trimmed().toDouble(); }

QValidator::State ScientificSpinBox::validate(QString& text, int&) const {
  static const QRegularExpression partial(QStringLiteral(R"(^\s*[0-9]*\.?[0-9]*([eE][-+]?[0-9]*)?\s*$)"));
  if (!partial.match(text).hasMatch()) return QValidator::Invalid;
  bool ok = false;
  const double v = text.trimmed().toDouble(&ok);
  return ok && v >= minimum() && v <= maximum() ? QValidator::Acceptable : QValidator::Intermediate;
}

void ScientificSpinBox::stepBy(int steps) {
  const double v = value() == 0 ? 1e-6 : value();
  setValue(v * std::pow(2.0, steps));
}

bool TrainingPanel::start() {
  QString error;
  auto r = request(&error);
  if (!r) {
    status_->setText(error);
    return false;
  }
  charts_->reset(r->config.steps);
  firstActive_ = -1;
  samplesPerSecond_ = 0;
  rate_->clear();
  if (!controller_->start(*r)) return false;
  status_->setText(tr("Training %1 steps into %2").arg(r->config.steps).arg(form_.output->text()));
  return true;
}

bool TrainingPanel::resumeRun(const QString& folder) {
  auto cfg = engine::readTrainConfig(QDir(folder).filePath(QStringLiteral("run.json")).toStdString());
  if (!cfg) {
    status_->setText(QString::fromStdString(cfg.error().describe()));
    return false;
  }
  cfg->output = folder.toStdString();
  cfg->device = form_.device->currentText().toStdString();
  // Show what the run uses.
  form_.output->setText(folder);
  form_.steps->setValue(int(cfg->steps));
  form_.batch->setValue(cfg->batchSize);
  form_.lr->setValue(cfg->lr);
  charts_->reset(cfg->steps);
  firstActive_ = -1;
  rate_->clear();
  if (!controller_->start(TrainingRequest{*cfg, true, nullptr})) return false;
  status_->setText(tr("Resuming the run in %1").arg(folder));
  return true;
}

void TrainingPanel::chooseSamples() {
  const QStringList files = QFileDialog::getOpenFileNames(
      this, tr("Add training samples"), QString(),
      tr("Spatial samples (*.h5ad *.h5);;All files (*)"));
  addSampleFiles(files);
}

void TrainingPanel::chooseResume() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Resume a run (its output folder)"), form_.output->text());
  if (!dir.isEmpty()) resumeRun(dir);
}

void TrainingPanel::choosePath(QLineEdit* edit, bool folder, const QString& title) {
  const QString p = folder ? QFileDialog::getExistingDirectory(this, title, edit->text())
                           : QFileDialog::getOpenFileName(this, title, edit->text(),
                                                          tr("Weights (*.safetensors *.pt *.pth *.bin);;All files (*)"));
  if (!p.isEmpty()) edit->setText(p);
}

void TrainingPanel::setRunning(bool running) {
  start_->setEnabled(!running);
  resume_->setEnabled(!running);
  pause_->setEnabled(running);
  cancel_->setEnabled(running);
  if (!running) pause_->setText(tr("Pause"));
}

void TrainingPanel::showPoints(const std::vector<TrainingPoint>& points) {
  charts_->addPoints(points);
  for (const auto& p : points) {
    if (p.row.phase != "train" || p.history) continue;
    if (firstActive_ < 0) {
      firstActive_ = p.activeSeconds;
      firstStep_ = p.row.step;
    }
    lastStep_ = p.row.step;
    lastActive_ = p.activeSeconds;
    if (auto it = p.row.values.find("samples_per_s"); it != p.row.values.end()) samplesPerSecond_ = it->second;
  }
  updateEta();
}

namespace {

QString duration(double seconds) {
  const long long s = std::llround(seconds);
  if (s < 60) return QObject::tr("%1 s").arg(s);
  if (s < 3600) return QObject::tr("%1 min %2 s").arg(s / 60).arg(s % 60);
  return QObject::tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

}  // namespace

// ETA from the pace since this run (or resume) began, pauses excluded.
void TrainingPanel::updateEta() {
  const std::int64_t total = controller_->totalSteps();
  QString text = tr("Step %1 / %2").arg(lastStep_).arg(total);
  if (samplesPerSecond_ > 0) text += tr("  ·  %1 samples/s").arg(samplesPerSecond_, 0, 'f', 1);
  if (lastStep_ > firstStep_ && lastActive_ > firstActive_) {
    const double perStep = (lastActive_ - firstActive_) / double(lastStep_ - firstStep_);
    text += tr("  ·  ETA %1").arg(duration(perStep * double(total - lastStep_)));
  }
  rate_->setText(text);
}

void TrainingPanel::showFinished(const TrainingOutcome& outcome) {
  charts_->flush();
  if (!outcome.error.isEmpty()) return;  // `failed` already put it in the status line
  const auto& s = outcome.summary;
  if (outcome.cancelled) {
    status_->setText(tr("Stopped at step %1; the checkpoint in %2 is kept: Resume run… continues it")
                         .arg(s.step).arg(outcome.output));
    return;
  }
  QString text = tr("Finished %1 steps (%2 training / %3 validation spots)").arg(s.step).arg(s.trainSpots).arg(s.valSpots);
  if (auto it = s.lastValidation.values.find("recall5_patch_to_spot"); it != s.lastValidation.values.end())
    text += tr("; recall@5 patch→spot %1").arg(it->second, 0, 'f', 3);
  status_->setText(text + tr(". Weights: %1").arg(QString::fromStdString(s.finalWeights)));
  rate_->setText(tr("Done: %1 steps").arg(s.step));
  if (outcome.completed()) Q_EMIT runCompleted(outcome);
}

}  // namespace stamp::app
