// TrainingPanel: building the form and turning it into a TrainingRequest.
#include "training_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QStandardPaths>
#include <QVBoxLayout>

#include "model_controller.h"
#include "sample_controller.h"
#include "training_charts.h"

namespace stamp::app {

namespace engine = core::engine;

namespace {

constexpr int kStRole = Qt::UserRole;
constexpr int kSlideRole = Qt::UserRole + 1;
constexpr int kOpenRole = Qt::UserRole + 2;

QSpinBox* spin(int lo, int hi, QWidget* parent, const QString& tip) {
  auto* s = new QSpinBox(parent);
  s->setRange(lo, hi);
  s->setToolTip(tip);
  return s;
}

QString presetConfig(const QString& preset) {
  if (preset == QLatin1String("tiny")) return QString::fromStdString(engine::TrainConfig{}.modelConfig);
  return QStringLiteral(R"({"preset":"%1","n_genes":20310})").arg(preset);
}

}  // namespace

TrainingPanel::TrainingPanel(ModelController* models, QWidget* parent)
    : QWidget(parent), models_(models), controller_(new TrainingController(this)) {
  auto* left = new QWidget(this);
  auto* column = new QVBoxLayout(left);
  column->addWidget(buildSamples());
  column->addWidget(buildModel());
  column->addWidget(buildHyper());
  column->addWidget(buildButtons());
  column->addStretch(1);
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(left);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(390);
  scroll->setMaximumWidth(460);
  charts_ = new TrainingCharts(this);
  rate_ = new QLabel(this);
  rate_->setObjectName(QStringLiteral("trainingRate"));
  auto* right = new QVBoxLayout;
  right->addWidget(rate_);
  right->addWidget(charts_, 1);
  auto* row = new QHBoxLayout(this);
  row->addWidget(scroll);
  row->addLayout(right, 1);
  fillDefaults();
  connect(controller_, &TrainingController::metricsReceived, this, &TrainingPanel::showPoints);
  connect(controller_, &TrainingController::finished, this, &TrainingPanel::showFinished);
  connect(controller_, &TrainingController::busyChanged, this, &TrainingPanel::setRunning);
  connect(controller_, &TrainingController::message, this, [this](const QString& m) { status_->setText(m); });
  connect(controller_, &TrainingController::failed, this,
          [this](const QString& m) { status_->setText(tr("<span style='color:#c0392b'>%1</span>").arg(m.toHtmlEscaped())); });
  connect(controller_, &TrainingController::pausedChanged, this, [this](bool paused) {
    pause_->setText(paused ? tr("Continue") : tr("Pause"));
    if (paused) status_->setText(tr("Paused after step %1").arg(controller_->stepsDone()));
  });
  setRunning(false);
}

QWidget* TrainingPanel::buildSamples() {
  auto* box = new QGroupBox(tr("Samples"), this);
  auto* v = new QVBoxLayout(box);
  form_.samples = new QListWidget(box);
  form_.samples->setMaximumHeight(90);
  form_.samples->setSelectionMode(QAbstractItemView::ExtendedSelection);
  auto* add = new QPushButton(tr("Add…"), box);
  auto* remove = new QPushButton(tr("Remove"), box);
  connect(add, &QPushButton::clicked, this, &TrainingPanel::chooseSamples);
  connect(remove, &QPushButton::clicked, this, [this] { qDeleteAll(form_.samples->selectedItems()); });
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(add);
  buttons->addWidget(remove);
  buttons->addStretch(1);
  v->addWidget(form_.samples);
  v->addLayout(buttons);
  return box;
}

QWidget* TrainingPanel::buildModel() {
  auto* box = new QGroupBox(tr("Model"), this);
  auto* f = new QFormLayout(box);
  form_.mode = new QComboBox(box);
  form_.mode->addItem(tr("Alignment fine-tuning"), QStringLiteral("align"));
  form_.mode->addItem(tr("Gene-encoder pre-training"), QStringLiteral("pretrain"));
  form_.modelSource = new QComboBox(box);
  form_.modelSource->addItems({tr("The loaded model"), tr("Preset / config")});
  form_.preset = new QComboBox(box);
  form_.preset->addItems({QStringLiteral("tiny"), QStringLiteral("uni")});
  form_.config = new QLineEdit(box);
  form_.config->setToolTip(tr("Model configuration: JSON text or a config.json file"));
  form_.weights = new QLineEdit(box);
  form_.weights->setPlaceholderText(tr("optional start weights (.pt / .safetensors)"));
  form_.partial = new QCheckBox(tr("load what fits (e.g. a bare UNI backbone)"), box);
  form_.vocab = new QLineEdit(box);
  form_.scope = new QComboBox(box);
  form_.scope->addItems({tr("All parameters"), tr("Heads only"), tr("Last N blocks + heads"), tr("Gene side only")});
  form_.lastBlocks = spin(1, 64, box, tr("N for \"Last N blocks\""));
  auto withBrowse = [this, box](QLineEdit* e, bool folder, const QString& title) {
    auto* h = new QHBoxLayout;
    auto* b = new QPushButton(tr("…"), box);
    b->setMaximumWidth(30);
    connect(b, &QPushButton::clicked, this, [this, e, folder, title] { choosePath(e, folder, title); });
    h->addWidget(e, 1);
    h->addWidget(b);
    return h;
  };
  f->addRow(tr("Task"), form_.mode);
  f->addRow(tr("Start from"), form_.modelSource);
  f->addRow(tr("Preset"), form_.preset);
  f->addRow(tr("Config"), form_.config);
  f->addRow(tr("Weights"), withBrowse(form_.weights, false, tr("Start weights")));
  f->addRow(QString(), form_.partial);
  f->addRow(tr("Vocabulary"), withBrowse(form_.vocab, true, tr("STAMP vocabulary folder")));
  f->addRow(tr("Trains"), form_.scope);
  f->addRow(tr("Last N blocks"), form_.lastBlocks);
  connect(form_.preset, &QComboBox::currentTextChanged, this, [this](const QString& p) { form_.config->setText(presetConfig(p)); });
  auto enable = [this] {
    const bool own = form_.modelSource->currentIndex() == 1;
    for (QWidget* w : {static_cast<QWidget*>(form_.preset), static_cast<QWidget*>(form_.config),
                       static_cast<QWidget*>(form_.weights), static_cast<QWidget*>(form_.partial)})
      w->setEnabled(own);
    form_.lastBlocks->setEnabled(form_.scope->currentIndex() == int(engine::TrainScope::LastBlocks));
  };
  connect(form_.modelSource, &QComboBox::currentIndexChanged, this, enable);
  connect(form_.scope, &QComboBox::currentIndexChanged, this, enable);
  enable();
  return box;
}

QWidget* TrainingPanel::buildHyper() {
  auto* box = new QGroupBox(tr("Training"), this);
  auto* f = new QFormLayout(box);
  form_.lr = new ScientificSpinBox(box);
  form_.weightDecay = new ScientificSpinBox(box);
  form_.weightDecay->setMinimum(0);
  form_.batch = spin(1, 4096, box, tr("Spots per batch (align) or neighbour groups (pre-training)"));
  form_.steps = spin(1, 100000000, box, tr("Optimiser steps"));
  form_.warmup = spin(0, 100000000, box, tr("Linear warm-up steps before the cosine decay"));
  form_.validateEvery = spin(0, 100000000, box, tr("Validation pass every N steps (0: only at the end)"));
  form_.checkpointEvery = spin(1, 100000000, box, tr("Checkpoint every N steps (and at the end)"));
  form_.valSpots = spin(1, 1000000, box, tr("At most this many validation spots per pass"));
  form_.seed = spin(0, 2147483647, box, tr("Seed of the weights, the split and the data order"));
  form_.device = new QComboBox(box);
  form_.device->addItem(QStringLiteral("cpu"));
  if (engine::cudaAvailable()) form_.device->addItem(QStringLiteral("cuda"));
  form_.mixedPrecision = new QCheckBox(tr("bf16 autocast"), box);
  form_.mixedPrecision->setObjectName(QStringLiteral("mixedPrecision"));
  auto syncMixed = [this] {
    const bool can = form_.device->currentText() != QStringLiteral("cpu") || core::model::cpuComputesBf16();
    form_.mixedPrecision->setEnabled(can);
    if (!can) form_.mixedPrecision->setChecked(false);
    form_.mixedPrecision->setToolTip(can ? tr("Forward passes in bf16 (autocast), the weights and optimiser in fp32: "
                                              "about twice the steps per second where the device computes in bf16")
                                         : tr("This processor has no bf16 instructions (AVX512_BF16 or AMX): "
                                              "bf16 would be slower than fp32 here"));
  };
  connect(form_.device, &QComboBox::currentTextChanged, this, syncMixed);
  syncMixed();
  form_.output = new QLineEdit(box);
  auto* out = new QHBoxLayout;
  auto* browse = new QPushButton(tr("…"), box);
  browse->setMaximumWidth(30);
  connect(browse, &QPushButton::clicked, this, [this] { choosePath(form_.output, true, tr("Output folder")); });
  out->addWidget(form_.output, 1);
  out->addWidget(browse);
  f->addRow(tr("Learning rate"), form_.lr);
  f->addRow(tr("Weight decay"), form_.weightDecay);
  f->addRow(tr("Batch size"), form_.batch);
  f->addRow(tr("Steps"), form_.steps);
  f->addRow(tr("Warm-up steps"), form_.warmup);
  f->addRow(tr("Validate every"), form_.validateEvery);
  f->addRow(tr("Validation spots"), form_.valSpots);
  f->addRow(tr("Checkpoint every"), form_.checkpointEvery);
  f->addRow(tr("Seed"), form_.seed);
  f->addRow(tr("Device"), form_.device);
  f->addRow(tr("Mixed precision"), form_.mixedPrecision);
  f->addRow(tr("Output folder"), out);
  return box;
}

QWidget* TrainingPanel::buildButtons() {
  auto* w = new QWidget(this);
  auto* v = new QVBoxLayout(w);
  v->setContentsMargins(0, 0, 0, 0);
  auto* h = new QHBoxLayout;
  start_ = new QPushButton(tr("Start"), w);
  pause_ = new QPushButton(tr("Pause"), w);
  cancel_ = new QPushButton(tr("Cancel"), w);
  resume_ = new QPushButton(tr("Resume run…"), w);
  start_->setToolTip(tr("Start a new run in the output folder"));
  pause_->setToolTip(tr("Hold the run between two steps (memory stays allocated)"));
  cancel_->setToolTip(tr("Stop after the step in progress; a checkpoint is written so the run can be resumed"));
  resume_->setToolTip(tr("Continue a stopped run from its last checkpoint"));
  for (auto* b : {start_, pause_, cancel_, resume_}) h->addWidget(b);
  connect(start_, &QPushButton::clicked, this, &TrainingPanel::start);
  connect(pause_, &QPushButton::clicked, this, [this] { controller_->setPaused(!controller_->paused()); });
  connect(cancel_, &QPushButton::clicked, controller_, &TrainingController::cancel);
  connect(resume_, &QPushButton::clicked, this, &TrainingPanel::chooseResume);
  status_ = new QLabel(w);
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  v->addLayout(h);
  v->addWidget(status_);
  return w;
}

void TrainingPanel::fillDefaults() {
  const engine::TrainConfig d;
  form_.config->setText(QString::fromStdString(d.modelConfig));
  form_.lastBlocks->setValue(d.lastBlocks);
  form_.lr->setValue(d.lr);
  form_.weightDecay->setValue(d.weightDecay);
  form_.batch->setValue(d.batchSize);
  form_.steps->setValue(int(d.steps));
  form_.warmup->setValue(int(d.warmupSteps));
  form_.validateEvery->setValue(int(d.validateEvery));
  form_.checkpointEvery->setValue(int(d.checkpointEvery));
  form_.valSpots->setValue(d.maxValSpots);
  form_.seed->setValue(int(d.seed));
  form_.mixedPrecision->setChecked(d.mixedPrecision && form_.mixedPrecision->isEnabled());
  form_.modelSource->setCurrentIndex(models_ && models_->model() ? 0 : 1);
  const QString vocab = models_ && !models_->vocabularyFolder().isEmpty() ? models_->vocabularyFolder() : defaultVocabularyFolder();
  form_.vocab->setText(vocab);
  const QString base = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
  form_.output->setText(QDir(base).filePath(QStringLiteral("stamp-runs/run-%1")
                                                .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")))));
}

void TrainingPanel::setOpenSample(const LoadedSample* sample) {
  for (int i = form_.samples->count() - 1; i >= 0; --i)
    if (form_.samples->item(i)->data(kOpenRole).toBool()) delete form_.samples->takeItem(i);
  if (!sample || !sample->sample) return;
  auto* item = new QListWidgetItem(tr("%1 (open sample)").arg(QFileInfo(sample->path).fileName()));
  item->setData(kStRole, sample->path);
  // The image on screen at full resolution is the one to crop (it may be a user's override).
  if (sample->image && sample->imageToFrame == 1.0) item->setData(kSlideRole, QString::fromStdString(sample->image->path()));
  item->setData(kOpenRole, true);
  item->setToolTip(sample->path);
  form_.samples->insertItem(0, item);
  if (models_ && models_->model()) form_.modelSource->setCurrentIndex(0);
}

void TrainingPanel::addSampleFiles(const QStringList& paths) {
  for (const QString& p : paths) {
    auto* item = new QListWidgetItem(QFileInfo(p).fileName(), form_.samples);
    item->setData(kStRole, p);
    item->setToolTip(p);
  }
}

std::optional<TrainingRequest> TrainingPanel::request(QString* error) const {
  TrainingRequest r;
  auto& c = r.config;
  auto fail = [error](const QString& m) { *error = m; return std::nullopt; };
  for (int i = 0; i < form_.samples->count(); ++i) {
    const auto* item = form_.samples->item(i);
    c.samples.push_back({item->data(kStRole).toString().toStdString(), item->data(kSlideRole).toString().toStdString(), {}, {}});
  }
  if (c.samples.empty()) return fail(tr("Add at least one sample (open one, or Add…)"));
  c.mode = form_.mode->currentData().toString().toStdString();
  if (form_.modelSource->currentIndex() == 0) {
    r.startModel = models_ ? models_->model() : nullptr;
    if (!r.startModel) return fail(tr("No model is loaded: load one (Model menu) or start from a preset"));
  } else {
    c.modelConfig = form_.config->text().trimmed().toStdString();
    c.initWeights = form_.weights->text().trimmed().toStdString();
    c.initPartial = form_.partial->isChecked();
  }
  c.vocab = form_.vocab->text().trimmed().toStdString();
  if (c.vocab.empty()) return fail(tr("Choose the STAMP vocabulary folder"));
  c.output = form_.output->text().trimmed().toStdString();
  if (c.output.empty()) return fail(tr("Choose an output folder"));
  c.scope = engine::TrainScope(form_.scope->currentIndex());
  c.lastBlocks = form_.lastBlocks->value();
  c.lr = form_.lr->value();
  c.weightDecay = form_.weightDecay->value();
  c.minLr = std::min(c.minLr, c.lr);
  c.batchSize = form_.batch->value();
  c.steps = form_.steps->value();
  c.warmupSteps = std::min<std::int64_t>(form_.warmup->value(), c.steps);
  c.validateEvery = form_.validateEvery->value();
  c.checkpointEvery = form_.checkpointEvery->value();
  c.maxValSpots = form_.valSpots->value();
  c.seed = std::uint64_t(form_.seed->value());
  c.device = form_.device->currentText().toStdString();
  c.mixedPrecision = form_.mixedPrecision->isChecked();
  return r;
}

}  // namespace stamp::app
