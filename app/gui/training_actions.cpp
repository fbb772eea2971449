#include "training_actions.h"

#include <QDockWidget>
#include <QMenuBar>
#include <QStatusBar>

#include "corpus_dialog.h"
#include "main_window.h"
#include "model_actions.h"
#include "model_controller.h"
#include "training_panel.h"

namespace stamp::app {

TrainingActions::TrainingActions(MainWindow* window)
    : QObject(window), window_(window),
      panel_(new TrainingPanel(window->modelActions()->controller(), window)),
      dock_(new QDockWidget(tr("Training"), window)) {
  dock_->setObjectName(QStringLiteral("Training"));
  dock_->setWidget(panel_);
  window_->addDockWidget(Qt::BottomDockWidgetArea, dock_);
  dock_->hide();
  QMenu* menu = window_->menuBar()->addMenu(tr("&Training"));
  QAction* toggle = dock_->toggleViewAction();
  toggle->setText(tr("&Training panel"));
  menu->addAction(toggle);
  menu->addAction(tr("&Build corpus…"), this, [this] { showCorpusDialog(); });
  panel_->setOpenSample(window_->current());
  connect(window_, &MainWindow::sampleShown, this, [this] { panel_->setOpenSample(window_->current()); });
  connect(panel_, &TrainingPanel::runCompleted, this, &TrainingActions::adoptWeights);
  connect(panel_->controller(), &TrainingController::failed, this,
          [this](const QString& m) { window_->statusBar()->showMessage(tr("Training: %1").arg(m), 10000); });
}

void TrainingActions::showPanel() {
  dock_->show();
  dock_->raise();
}

CorpusDialog* TrainingActions::showCorpusDialog() {
  if (!corpus_) {
    corpus_ = new CorpusDialog(window_);
    corpus_->setAttribute(Qt::WA_DeleteOnClose, false);
  }
  corpus_->show();
  corpus_->raise();
  return corpus_;
}

// The run's weights replace the loaded model; the open sample is embedded again with them.
void TrainingActions::adoptWeights(const TrainingOutcome& outcome) {
  ModelController* models = window_->modelActions()->controller();
  models->setModel(outcome.model);
  const LoadedSample* s = window_->current();
  QString text = tr("Training finished: %1 loaded").arg(QString::fromStdString(outcome.summary.finalWeights));
  if (s) {
    models->computeEmbeddings(std::make_shared<const LoadedSample>(*s));
    text += tr("; re-embedding the open sample");
  }
  window_->statusBar()->showMessage(text, 15000);
}

}  // namespace stamp::app
