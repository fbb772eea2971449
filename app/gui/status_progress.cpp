#include "status_progress.h"

#include <QLabel>
#include <QMainWindow>
#include <QProgressBar>
#include <QStatusBar>
#include <QToolButton>

namespace stamp::app {

StatusProgress::StatusProgress(QMainWindow* window, const QString& cancelText, std::function<void()> cancel) {
  bar_ = new QProgressBar(window);
  bar_->setMaximumWidth(200);
  bar_->setRange(0, 1000);  // per mille: smooth for long jobs
  eta_ = new QLabel(window);
  cancel_ = new QToolButton(window);
  cancel_->setText(cancelText);
  QObject::connect(cancel_, &QToolButton::clicked, window, [cancel = std::move(cancel)] { cancel(); });
  for (QWidget* w : {static_cast<QWidget*>(bar_), static_cast<QWidget*>(eta_), static_cast<QWidget*>(cancel_)}) {
    window->statusBar()->addPermanentWidget(w);
    w->setVisible(false);
  }
}

void StatusProgress::show(const QString& phase, double fraction, double etaSeconds) {
  bar_->setValue(int(fraction * 1000));
  bar_->setFormat(QStringLiteral("%1 %p%").arg(phase));
  eta_->setText(etaSeconds >= 0 ? QObject::tr("ETA %1 s").arg(etaSeconds, 0, 'f', 0) : QString());
}

void StatusProgress::setBusy(bool busy) {
  bar_->setVisible(busy);
  eta_->setVisible(busy);
  cancel_->setVisible(busy);
  if (busy) bar_->setValue(0);
}

}  // namespace stamp::app
