#pragma once
/// The "Localize" menu, toolbar and dock of the main window: choose a reference patch (a clicked
/// spot, a clicked point or an image file), drag the region box and see the 3 x 3 cell
/// probabilities at once, run a dense search (visible area or whole tissue) shown as a heatmap
/// with its colour bar and best hits, and evaluate the model's localization accuracy. Owns the
/// LocalizeController; the model is the one loaded through the Model menu.
#include <QObject>
#include <optional>

#include "localize_controller.h"
#include "status_progress.h"

class QAction;

namespace stamp::app {

class MainWindow;
class LocalizePanel;

class LocalizeActions : public QObject {
  Q_OBJECT
 public:
  explicit LocalizeActions(MainWindow* window);

  LocalizeController* controller() const { return controller_; }
  LocalizePanel* panel() const { return panel_; }
  QAction* regionToolAction() const { return regionTool_; }
  QAction* pickAction() const { return pick_; }
  QAction* searchVisibleAction() const { return searchVisible_; }
  QAction* evaluateAction() const { return evaluate_; }
  const LocalizeReference& reference() const { return ref_; }
  /// The shown sample as the localizer sees it (nullopt: nothing to localize in).
  const std::optional<LocalizeContext>& context() const { return ctx_; }
  std::shared_ptr<const SearchResult> lastSearch() const { return lastSearch_; }

  void setReferencePoint(const QPointF& frame, const QString& label);
  void setReferenceImage(const QString& path);
  /// Localizes the reference in `region` (frame square), as a drag of the region box does.
  void localizeRegion(const QRectF& region);
  /// Dense search of `area` (frame; nullopt = whole tissue) at the panel's stride.
  void search(std::optional<QRectF> area);
  void searchVisible();
  void evaluate();
  void clearOverlays();

 private:
  void buildMenu();
  void buildDock();
  void sampleChanged();
  void pickAt(const QPointF& frame);
  void showRegion(const RegionResult& r);
  void showSearch(std::shared_ptr<const SearchResult> r);
  void showEvaluation(std::int64_t evaluated, std::int64_t correct);
  void showProgress(const QString& phase, double fraction, double eta);
  void setBusy(bool busy);
  void chooseImage();
  void message(const QString& text, int ms = 8000);
  bool prepare();

  MainWindow* window_;
  LocalizeController* controller_;
  LocalizePanel* panel_ = nullptr;
  QAction* regionTool_ = nullptr;
  QAction* pick_ = nullptr;
  QAction* searchVisible_ = nullptr;
  QAction* evaluate_ = nullptr;
  std::optional<StatusProgress> status_;
  std::optional<LocalizeContext> ctx_;
  QString ctxError_;
  LocalizeReference ref_;
  std::shared_ptr<const SearchResult> lastSearch_;
};

}  // namespace stamp::app
