#pragma once
/// EmbeddingViewDock: the "Embedding space (3D)" dock. When the model controller has embeddings
/// (and the dock is shown) it projects them to 3D on a worker (joint PCA of gene and image
/// embeddings, core::analysis::project3d), shows them in an EmbeddingView coloured like the
/// current layer, and links picking both ways with the slide view: a point picked in 3D selects
/// and centres its spot; the slide view's selection is highlighted in 3D.
#include <QDockWidget>
#include <QFutureWatcher>
#include <QString>
#include <memory>

#include "widgets/embedding_view.h"

class QCheckBox;
class QLabel;

namespace stamp::core::engine {
struct EmbeddingTable;
}

namespace stamp::app {

class MainWindow;

/// A finished projection (cloud) or why there is none.
struct ProjectionOutcome {
  widgets::EmbeddingCloud cloud;
  std::array<double, 3> explained{};
  QString error;
};

class EmbeddingViewDock : public QDockWidget {
  Q_OBJECT
 public:
  /// Adds itself (hidden) to `window`'s right dock area and its toggle to the View menu.
  explicit EmbeddingViewDock(MainWindow* window);
  ~EmbeddingViewDock() override;

  widgets::EmbeddingView* embeddingView() const { return view3d_; }
  bool busy() const { return watcher_.isRunning(); }
  /// The status line under the view ("89 spots: gene ● and image ■ …", or why nothing shows).
  QString statusText() const;

 Q_SIGNALS:
  /// A new projection is on screen (tests and scripts wait for this).
  void cloudShown();

 private:
  void embeddingsChanged();
  void projectIfNeeded();
  void showProjection();
  void clearCloud(const QString& why);
  void recolor();
  bool linked() const;
  void spotPicked(int spot);
  void selectionChanged();

  MainWindow* window_;
  widgets::EmbeddingView* view3d_;
  QCheckBox* showGene_;
  QCheckBox* showImage_;
  QLabel* status_;
  QFutureWatcher<ProjectionOutcome> watcher_;
  std::shared_ptr<const core::engine::EmbeddingTable> wanted_;  // what should be shown
  std::shared_ptr<const core::engine::EmbeddingTable> shown_;   // what is shown (or computing)
};

}  // namespace stamp::app
