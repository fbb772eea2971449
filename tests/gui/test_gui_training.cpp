// Training and corpus building from the GUI: with the demo sample open and an untrained tiny model
// loaded, runs driven through the training panel chart their metrics live while the GUI thread
// keeps ticking, pause holds the run, cancel stops it within a step leaving a resumable
// checkpoint, and a completed run's weights re-embed the open sample. The "Build corpus…" dialog
// writes a shard of the demo sample and reports its spot count.
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QtCharts/QLineSeries>

#include "corpus/shard_io.h"
#include "corpus_dialog.h"
#include "engine/checkpoint.h"
#include "engine/train_config.h"
#include "gui_test_support.h"
#include "main_window.h"
#include "model/config.h"
#include "model_actions.h"
#include "style.h"
#include "training_actions.h"
#include "training_charts.h"
#include "training_panel.h"

using namespace stamp;
using app::TrainingOutcome;

class TrainingGuiTest : public guitest::DemoWindowTestBase {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    vocab_ = guitest::dataFile(QStringLiteral("stamp-vocab/model.h5ad"));
    if (vocab_.isEmpty()) QSKIP("real test data not found: ../shared/data/stamp-vocab (set STAMP_TEST_DATA)");
    vocab_ = QFileInfo(vocab_).absolutePath();
    QVERIFY(writeDemoFiles(5));
    // Untrained tiny structure with the real vocabulary's genes and a short context (fast steps).
    auto config = core::model::presetTiny();
    config.nGenes = 20310;
    config.context = 32;
    QVERIFY(makeUntrainedModel(config, 7));
  }

  void init() {
    QVERIFY(showDemoWindow({1500, 1000}));
    models()->setVocabularyFolder({});  // image embeddings only: the re-embedding stays short
    models()->setCacheDir(QDir(dir_.path()).filePath(QStringLiteral("cache-%1").arg(++runs_)));
    models()->setModel(model_);
    window_->trainingActions()->showPanel();
  }

  void completedRunChartsAndReembeds() {
    app::TrainingPanel* p = panel();
    QCOMPARE(p->form().samples->count(), 1);  // the open sample
    QCOMPARE(p->form().samples->item(0)->data(Qt::UserRole).toString(), h5ad_);
    setForm(6, QStringLiteral("run-complete"));
    p->form().validateEvery->setValue(3);
    // bf16 where this processor computes it (here: AVX512_BF16), else offered greyed out.
    QCOMPARE(p->form().device->currentText(), QStringLiteral("cpu"));
    QCOMPARE(p->form().mixedPrecision->isEnabled(), core::model::cpuComputesBf16());
    p->form().mixedPrecision->setChecked(p->form().mixedPrecision->isEnabled());
    QSignalSpy finished(p->controller(), &app::TrainingController::finished);
    QSignalSpy ready(models(), &app::ModelController::embeddingsReady);
    int ticks = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, [&ticks] { ++ticks; });
    ticker.start(10);
    QTest::mouseClick(p->startButton(), Qt::LeftButton);
    QVERIFY(p->controller()->busy());
    QVERIFY(!p->startButton()->isEnabled());
    QVERIFY(finished.wait(120000));
    ticker.stop();
    // The GUI thread kept running its event loop while the worker trained.
    QVERIFY2(ticks >= 10, qPrintable(QStringLiteral("%1 timer ticks").arg(ticks)));
    const auto outcome = finished.first().at(0).value<TrainingOutcome>();
    QVERIFY2(outcome.completed(), qPrintable(outcome.error));
    QCOMPARE(outcome.summary.step, 6);
    const auto run = core::engine::readTrainConfig(QDir(p->form().output->text()).filePath(QStringLiteral("run.json")).toStdString());
    QVERIFY(run.ok());
    QCOMPARE(run->mixedPrecision, core::model::cpuComputesBf16());
    app::TrainingCharts* c = p->charts();
    QCOMPARE(c->pointCount(QStringLiteral("loss_total")), 6);
    for (const char* term : {"loss_patch_spot", "loss_patch_region", "loss_region_spot", "lr"})
      QCOMPARE(c->pointCount(QString::fromLatin1(term)), 6);
    QCOMPARE(c->pointCount(QStringLiteral("recall5_patch_to_spot")), 2);  // steps 3 and 6
    QCOMPARE(c->pointCount(QStringLiteral("recall1_spot_to_patch")), 2);
    QCOMPARE(c->pointCount(QStringLiteral("localization_accuracy")), 2);
    QCOMPARE(c->series(QStringLiteral("lr"))->at(0).y(), 5e-4 / 2);  // warm-up: lr * 1/2
    QVERIFY(c->series(QStringLiteral("loss_total"))->at(5).x() == 6.0);
    QVERIFY(p->statusLabel()->text().contains(QStringLiteral("Finished 6 steps")));
    // The new weights are the model now and the open sample is embedded with them.
    QVERIFY(models()->model() == outcome.model);
    QVERIFY(models()->model() != model_);
    QVERIFY(ready.wait(120000));
    QCOMPARE(models()->embeddings()->rows(), window_->current()->sample->spotCount());
    QVERIFY(QFileInfo::exists(QString::fromStdString(outcome.summary.finalWeights)));
    QTest::qWait(300);
    guitest::saveScreenshot(p->grab().toImage(), QStringLiteral("training_panel_completed"));
    guitest::saveScreenshot(window_->screen()->grabWindow(window_->winId()).toImage(), QStringLiteral("training_window"));
  }

  void pauseHoldsAndCancelKeepsACheckpoint() {
    app::TrainingPanel* p = panel();
    app::TrainingController* ctl = p->controller();
    const QString out = setForm(400, QStringLiteral("run-cancel"));
    p->form().checkpointEvery->setValue(2);
    p->form().validateEvery->setValue(0);
    QSignalSpy finished(ctl, &app::TrainingController::finished);
    QSignalSpy ready(models(), &app::ModelController::embeddingsReady);
    QVERIFY(p->start());
    QVERIFY(guitest::waitUntil([&] { return ctl->stepsDone() >= 2; }, 60000));
    QVERIFY(guitest::waitUntil([&] { return p->charts()->pointCount(QStringLiteral("loss_total")) >= 1; }, 5000));
    // Pause: the worker holds between steps.
    QTest::mouseClick(p->pauseButton(), Qt::LeftButton);
    QVERIFY(ctl->paused());
    QCOMPARE(p->pauseButton()->text(), QStringLiteral("Continue"));
    QVERIFY(guitest::waitUntil([&] { return ctl->holding(); }, 60000));  // the step in progress ends
    const auto held = ctl->stepsDone();
    QTest::qWait(800);
    QCOMPARE(ctl->stepsDone(), held);
    QTest::mouseClick(p->pauseButton(), Qt::LeftButton);
    QVERIFY(!ctl->paused());
    QVERIFY(guitest::waitUntil([&] { return ctl->stepsDone() > held; }, 60000));
    // Cancel: at most the step in progress completes, then a checkpoint is written.
    const auto before = ctl->stepsDone();
    QTest::mouseClick(p->cancelButton(), Qt::LeftButton);
    QVERIFY(finished.wait(60000));
    const auto outcome = finished.first().at(0).value<TrainingOutcome>();
    QVERIFY(outcome.cancelled);
    QVERIFY(outcome.error.isEmpty());
    QVERIFY2(outcome.summary.step >= before && outcome.summary.step <= before + 1,
             qPrintable(QStringLiteral("stopped at %1, cancel after %2").arg(outcome.summary.step).arg(before)));
    QVERIFY(p->statusLabel()->text().contains(QStringLiteral("Stopped at step")));
    checkCheckpoint(out, outcome.summary.step);
    QVERIFY(models()->model() == model_);  // a cancelled run changes nothing
    QCOMPARE(ready.count(), 0);
    QVERIFY(p->startButton()->isEnabled());
    // A second Start into the same folder is refused; Resume continues from the checkpoint.
    QVERIFY(!p->start());
    QVERIFY(p->statusLabel()->text().contains(QStringLiteral("already holds a run")));
    QVERIFY(p->resumeRun(out));
    QVERIFY(guitest::waitUntil([&] { return ctl->stepsDone() > outcome.summary.step; }, 60000));
    p->controller()->cancel();
    QVERIFY(finished.wait(60000));
    const auto resumed = finished.last().at(0).value<TrainingOutcome>();
    QVERIFY(resumed.summary.resumedFrom);
    QCOMPARE(resumed.summary.resumeStep, outcome.summary.step);
    QVERIFY(resumed.summary.step > outcome.summary.step);
    checkCheckpoint(out, resumed.summary.step);
    // The charts show the whole run: the curve still starts before the resume step.
    p->charts()->flush();
    const QLineSeries* loss = p->charts()->series(QStringLiteral("loss_total"));
    QVERIFY(loss && loss->count() > 0);
    QVERIFY2(loss->at(0).x() <= double(outcome.summary.step),
             qPrintable(QStringLiteral("curve starts at %1, resumed after %2").arg(loss->at(0).x()).arg(outcome.summary.step)));
  }

  void corpusDialogWritesAShard() {
    app::CorpusDialog* d = window_->trainingActions()->showCorpusDialog();
    QVERIFY(QTest::qWaitForWindowExposed(d));
    const QString out = QDir(dir_.path()).filePath(QStringLiteral("corpus"));
    d->form().inputs->setText(h5ad_);
    d->form().output->setText(out);
    d->form().vocab->setText(vocab_);
    d->form().workers->setValue(2);
    QSignalSpy finished(d, &app::CorpusDialog::finished);
    QPushButton* build = buildButton(d);
    QVERIFY(build);
    QTest::mouseClick(build, Qt::LeftButton);
    QVERIFY(d->busy());
    QVERIFY(finished.wait(120000));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(d->resultLabel()->text()));
    const QString shard = QDir(out).filePath(QStringLiteral("tokens-0.h5"));
    QVERIFY(QFileInfo::exists(shard));
    auto reader = core::corpus::RowReader::open(shard.toStdString());
    QVERIFY2(reader.ok(), reader.ok() ? "" : reader.error().describe().c_str());
    const long long spots = d->summary()->spots;
    QVERIFY(spots > 0);
    QCOMPARE(reader->rows(), spots);
    QVERIFY(std::size_t(spots) <= window_->current()->sample->spotCount());
    QVERIFY(d->resultLabel()->text().contains(QStringLiteral("Wrote %1 spots").arg(spots)));
    QVERIFY(!d->reportView()->toPlainText().isEmpty());
    QVERIFY(!d->chartLabel()->pixmap().isNull());
    QTest::qWait(200);
    guitest::saveScreenshot(d->grab().toImage(), QStringLiteral("corpus_dialog"));
    closingWhileBuildingDoesNotWait(d);
  }

 private:
  // Closing the dialog during a build cancels it and returns at once (the GUI thread does not
  // wait for the builder's next block); the dialog closes once the builder has stopped.
  void closingWhileBuildingDoesNotWait(app::CorpusDialog* d) {
    d->form().output->setText(QDir(dir_.path()).filePath(QStringLiteral("corpus-closed")));
    QSignalSpy finished(d, &app::CorpusDialog::finished);
    QTest::mouseClick(buildButton(d), Qt::LeftButton);
    QVERIFY(d->busy());
    static_cast<QDialog*>(d)->reject();  // what Esc and the close button do
    QVERIFY(d->isVisible());  // still open: the builder has not stopped yet
    QVERIFY(finished.wait(120000));
    QVERIFY(guitest::waitUntil([&] { return !d->isVisible(); }, 10000));
    QVERIFY(!d->busy());
  }

  app::ModelController* models() const { return window_->modelActions()->controller(); }
  app::TrainingPanel* panel() const { return window_->trainingActions()->panel(); }

  static QPushButton* buildButton(QWidget* d) {
    for (auto* b : d->findChildren<QPushButton*>())
      if (b->text() == QStringLiteral("Build")) return b;
    return nullptr;
  }

  // A short run of the loaded model: small batches, validation on 16 spots; returns the folder.
  QString setForm(int steps, const QString& name) {
    const app::TrainingForm& f = panel()->form();
    const QString out = QDir(dir_.path()).filePath(name);
    f.modelSource->setCurrentIndex(0);
    f.vocab->setText(vocab_);
    f.steps->setValue(steps);
    f.batch->setValue(2);
    f.warmup->setValue(2);
    f.lr->setValue(5e-4);
    f.checkpointEvery->setValue(3);
    f.valSpots->setValue(16);
    f.output->setText(out);
    return out;
  }

  // latest.json names a complete checkpoint of `step` whose weights load.
  static void checkCheckpoint(const QString& out, std::int64_t step) {
    auto dir = core::engine::latestCheckpoint(out.toStdString());
    QVERIFY2(dir.ok(), dir.ok() ? "" : dir.error().describe().c_str());
    QVERIFY(QString::fromStdString(dir->filename().string()).endsWith(QString::number(step)));
    for (const char* f : {"model.safetensors", "config.json", "optimizer.pt", "state.json"})
      QVERIFY2(QFileInfo::exists(QString::fromStdString((*dir / f).string())), f);
    auto weights = core::engine::ModelHandle::fromFiles((*dir / "model.safetensors").string(), std::nullopt);
    QVERIFY2(weights.ok(), weights.ok() ? "" : weights.error().describe().c_str());
    for (const auto& entry : QDir(out + QStringLiteral("/checkpoints")).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
      QVERIFY2(entry.startsWith(QStringLiteral("step-")) && !entry.contains(QStringLiteral(".tmp")),
               qPrintable(entry));  // no half-written folder left
  }

  QString vocab_;
  int runs_ = 0;
};

// HOME too: the panel's default output folder lands there.
int main(int argc, char** argv) { return stamp::guitest::runAppTest<TrainingGuiTest>(argc, argv, true, true); }
#include "test_gui_training.moc"
