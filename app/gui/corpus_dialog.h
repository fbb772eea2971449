#pragma once
/// CorpusDialog: "Build corpus…": the options of `stamp build-corpus`, run by corpus::buildCorpus
/// on a worker with progress, ETA and cancel (an interrupted build resumes when started again
/// with the same options); at the end the summary report (text and its PNG chart).
#include <QDialog>
#include <QFutureWatcher>
#include <QImage>
#include <QString>
#include <optional>

#include "common/progress.h"
#include "corpus/corpus.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace stamp::app {

/// What the worker hands back: the summary with its report, or the reason it stopped.
struct CorpusOutcome {
  std::optional<core::corpus::CorpusSummary> summary;
  QString report;  // summary.txt
  QImage chart;    // summary.png (QImage: safe to make off the GUI thread)
  QString error;
  bool cancelled = false;
};

/// The dialog's inputs (public so tests and scripts drive the real widgets).
struct CorpusForm {
  QLineEdit* inputs = nullptr;  // folder, sample path or .txt list
  QLineEdit* output = nullptr;
  QLineEdit* vocab = nullptr;
  QSpinBox* shardSize = nullptr;
  QCheckBox* withImages = nullptr;
  QSpinBox* minGenes = nullptr;
  QCheckBox* inTissueOnly = nullptr;
  QSpinBox* workers = nullptr;  // 0 = all cores
};

class CorpusDialog : public QDialog {
  Q_OBJECT
 public:
  explicit CorpusDialog(QWidget* parent = nullptr);
  /// Cancels a running build and waits for it (up to one spot block).
  ~CorpusDialog() override;

  /// The options the form describes, or the reason they are incomplete.
  std::optional<core::corpus::CorpusOptions> options(QString* error) const;
  /// Starts the build; false (reason shown) when the form is incomplete or a build runs.
  bool build();
  void cancel();
  bool busy() const { return watcher_.isRunning(); }

  const CorpusForm& form() const { return form_; }
  const std::optional<core::corpus::CorpusSummary>& summary() const { return summary_; }
  QLabel* resultLabel() const { return result_; }
  QLabel* chartLabel() const { return chart_; }
  QPlainTextEdit* reportView() const { return report_; }

 Q_SIGNALS:
  void finished(bool ok);

 protected:
  void reject() override;

 private:
  QWidget* buildForm();
  void showProgress(const core::ProgressUpdate& u);
  void showOutcome();
  void setRunning(bool running);

  CorpusForm form_;
  QProgressBar* progress_ = nullptr;
  QLabel* phase_ = nullptr;
  QLabel* result_ = nullptr;
  QLabel* chart_ = nullptr;
  QPlainTextEdit* report_ = nullptr;
  QPushButton* build_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QFutureWatcher<CorpusOutcome> watcher_;
  core::CancelToken token_;
  bool closeWhenStopped_ = false;  // closed while building: close once the builder stopped
  std::optional<core::corpus::CorpusSummary> summary_;
};

}  // namespace stamp::app
