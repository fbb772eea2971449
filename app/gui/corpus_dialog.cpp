#include "corpus_dialog.h"

#include <utility>

#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

#include "background_job.h"
#include "model_controller.h"

namespace stamp::app {

namespace corpus = core::corpus;

CorpusDialog::CorpusDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Build training corpus"));
  auto* v = new QVBoxLayout(this);
  v->addWidget(buildForm());
  progress_ = new QProgressBar(this);
  progress_->setRange(0, 1000);
  phase_ = new QLabel(this);
  result_ = new QLabel(this);
  result_->setWordWrap(true);
  result_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  report_ = new QPlainTextEdit(this);
  report_->setReadOnly(true);
  report_->setMinimumHeight(140);
  report_->setFont(QFont(QStringLiteral("monospace")));
  chart_ = new QLabel(this);
  chart_->setAlignment(Qt::AlignCenter);
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(chart_);
  scroll->setWidgetResizable(true);
  scroll->setMinimumHeight(220);
  build_ = new QPushButton(tr("Build"), this);
  cancel_ = new QPushButton(tr("Cancel build"), this);
  auto* close = new QPushButton(tr("Close"), this);
  connect(build_, &QPushButton::clicked, this, &CorpusDialog::build);
  connect(cancel_, &QPushButton::clicked, this, &CorpusDialog::cancel);
  connect(close, &QPushButton::clicked, this, &CorpusDialog::reject);
  auto* buttons = new QHBoxLayout;
  buttons->addStretch(1);
  for (auto* b : {build_, cancel_, close}) buttons->addWidget(b);
  v->addWidget(progress_);
  v->addWidget(phase_);
  v->addWidget(result_);
  v->addWidget(report_, 1);
  v->addWidget(scroll, 1);
  v->addLayout(buttons);
  connect(&watcher_, &QFutureWatcher<CorpusOutcome>::finished, this, &CorpusDialog::showOutcome);
  setRunning(false);
  resize(720, 820);
}

CorpusDialog::~CorpusDialog() {
  if (watcher_.isRunning()) {
    token_.cancel();
    watcher_.waitForFinished();
  }
}

QWidget* CorpusDialog::buildForm() {
  auto* w = new QWidget(this);
  auto* f = new QFormLayout(w);
  auto pathRow = [this, w](QLineEdit*& edit, const QString& tip, bool withFile) {
    edit = new QLineEdit(w);
    edit->setToolTip(tip);
    auto* h = new QHBoxLayout;
    h->addWidget(edit, 1);
    auto* folder = new QPushButton(tr("Folder…"), w);
    connect(folder, &QPushButton::clicked, this, [this, edit] {
      const QString d = QFileDialog::getExistingDirectory(this, tr("Choose a folder"), edit->text());
      if (!d.isEmpty()) edit->setText(d);
    });
    h->addWidget(folder);
    if (withFile) {
      auto* file = new QPushButton(tr("File…"), w);
      connect(file, &QPushButton::clicked, this, [this, edit] {
        const QString p = QFileDialog::getOpenFileName(this, tr("A sample or a list of samples"), edit->text(),
                                                       tr("Samples or lists (*.h5ad *.h5 *.txt);;All files (*)"));
        if (!p.isEmpty()) edit->setText(p);
      });
      h->addWidget(file);
    }
    return h;
  };
  f->addRow(tr("Inputs"), pathRow(form_.inputs, tr("A folder to search (HEST-1k, Space Ranger outs/), a sample, or a .txt list"), true));
  f->addRow(tr("Output folder"), pathRow(form_.output, tr("Created; an interrupted build there is resumed"), false));
  f->addRow(tr("Vocabulary"), pathRow(form_.vocab, tr("STAMP vocabulary folder"), false));
  form_.vocab->setText(defaultVocabularyFolder());
  const corpus::CorpusOptions d;
  form_.shardSize = new QSpinBox(w);
  form_.shardSize->setRange(1, 10000000);
  form_.shardSize->setValue(d.shardSize);
  form_.minGenes = new QSpinBox(w);
  form_.minGenes->setRange(0, 100000);
  form_.minGenes->setValue(d.minGenes);
  form_.workers = new QSpinBox(w);
  form_.workers->setRange(0, 256);
  form_.workers->setSpecialValueText(tr("all cores"));
  form_.withImages = new QCheckBox(tr("cut the 224 px spot patch and the region crop"), w);
  form_.inTissueOnly = new QCheckBox(tr("drop spots marked off tissue"), w);
  f->addRow(tr("Rows per shard"), form_.shardSize);
  f->addRow(tr("Min. genes per spot"), form_.minGenes);
  f->addRow(tr("Workers"), form_.workers);
  f->addRow(tr("Images"), form_.withImages);
  f->addRow(tr("In tissue only"), form_.inTissueOnly);
  return w;
}

std::optional<corpus::CorpusOptions> CorpusDialog::options(QString* error) const {
  corpus::CorpusOptions o;
  const QString in = form_.inputs->text().trimmed(), out = form_.output->text().trimmed(), vocab = form_.vocab->text().trimmed();
  if (in.isEmpty()) *error = tr("Choose the inputs (a folder, a sample or a list)");
  else if (out.isEmpty()) *error = tr("Choose an output folder");
  else if (vocab.isEmpty()) *error = tr("Choose the STAMP vocabulary folder");
  if (in.isEmpty() || out.isEmpty() || vocab.isEmpty()) return std::nullopt;
  o.inputs = {in.toStdString()};
  o.outDir = out.toStdString();
  o.vocabDir = vocab.toStdString();
  o.shardSize = form_.shardSize->value();
  o.withImages = form_.withImages->isChecked();
  o.minGenes = form_.minGenes->value();
  o.inTissueOnly = form_.inTissueOnly->isChecked();
  o.workers = form_.workers->value();
  return o;
}

namespace {

CorpusOutcome runBuild(const corpus::CorpusOptions& o, core::CancelToken token, core::ProgressCallback cb) {
  core::ProgressReporter reporter(cb, token, 0.2);
  auto r = corpus::buildCorpus(o, &reporter);
  CorpusOutcome out;
  if (!r) {
    out.cancelled = r.error().code == core::ErrorCode::Cancelled;
    out.error = QString::fromStdString(r.error().describe());
    return out;
  }
  out.summary = std::move(r).value();
  const QDir dir(QString::fromStdString(o.outDir));
  QFile text(dir.filePath(QStringLiteral("summary.txt")));
  if (text.open(QIODevice::ReadOnly)) out.report = QString::fromUtf8(text.readAll());
  out.chart.load(dir.filePath(QStringLiteral("summary.png")));
  return out;
}

}  // namespace

bool CorpusDialog::build() {
  QString error;
  auto o = options(&error);
  if (!o || busy()) {
    result_->setText(busy() ? tr("A build is running") : error);
    return false;
  }
  summary_.reset();
  report_->clear();
  chart_->clear();
  result_->clear();
  progress_->setValue(0);
  auto opts = *o;
  startJob<CorpusOutcome>(
      watcher_, token_, [opts](core::CancelToken t, core::ProgressCallback cb) { return runBuild(opts, t, cb); },
      queuedProgress(this, [](CorpusDialog* d, const core::ProgressUpdate& u) { d->showProgress(u); }));
  setRunning(true);
  return true;
}

void CorpusDialog::cancel() { token_.cancel(); }

void CorpusDialog::reject() {
  if (watcher_.isRunning()) {  // the builder stops at its next spot block; close then
    token_.cancel();
    closeWhenStopped_ = true;
    phase_->setText(tr("Stopping…"));
    return;
  }
  QDialog::reject();
}

void CorpusDialog::showProgress(const core::ProgressUpdate& u) {
  if (!busy()) return;  // a late update after the outcome
  progress_->setValue(int(u.fraction() * 1000));
  QString text = QStringLiteral("%1: %2 / %3").arg(QString::fromStdString(u.phase)).arg(u.done).arg(u.total);
  if (u.etaSeconds >= 0) text += tr("  ·  ETA %1 s").arg(u.etaSeconds, 0, 'f', 0);
  phase_->setText(text);
}

void CorpusDialog::showOutcome() {
  setRunning(false);
  if (std::exchange(closeWhenStopped_, false))  // after the outcome below is shown and signalled
    QMetaObject::invokeMethod(this, [this] { QDialog::reject(); }, Qt::QueuedConnection);
  CorpusOutcome out = watcher_.result();
  if (!out.summary) {
    phase_->clear();
    result_->setText(out.cancelled ? tr("Stopped. Build again with the same options to resume (completed samples are kept).")
                                   : tr("<span style='color:#c0392b'>%1</span>").arg(out.error.toHtmlEscaped()));
    Q_EMIT finished(false);
    return;
  }
  summary_ = std::move(out.summary);
  progress_->setValue(1000);
  long long skipped = 0;
  for (const auto& s : summary_->samples) skipped += s.skipped.empty() ? 0 : 1;
  QString text = tr("Wrote %1 spots from %2 sample(s) in %3 shard(s) to %4%5. Vocabulary coverage: %6 / %7 genes.")
                     .arg(summary_->spots)
                     .arg(qlonglong(summary_->samples.size()) - skipped)
                     .arg(qlonglong(summary_->shards.size()))
                     .arg(QString::fromStdString(summary_->outDir))
                     .arg(summary_->resumed ? tr(" (resumed)") : QString())
                     .arg(summary_->vocabularyGenesSeen)
                     .arg(summary_->vocabularySize);
  if (skipped > 0) text += tr(" %1 sample(s) skipped: reasons in the report.").arg(skipped);
  result_->setText(text);
  report_->setPlainText(out.report);
  if (!out.chart.isNull())
    chart_->setPixmap(QPixmap::fromImage(out.chart.width() > 680 ? out.chart.scaledToWidth(680, Qt::SmoothTransformation) : out.chart));
  Q_EMIT finished(true);
}

void CorpusDialog::setRunning(bool running) {
  build_->setEnabled(!running);
  cancel_->setEnabled(running);
  progress_->setVisible(running || progress_->value() > 0);
}

}  // namespace stamp::app
