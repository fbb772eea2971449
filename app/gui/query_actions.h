#pragma once
/// The "Query" menu: asking the model about the open sample. Query by patch (click any spot or
/// point -> similarity layer; the same query on another sample -> ranked matches, and a switch
/// to that sample with the layer), query by genes (typed or a spot's profile -> gene encoder ->
/// similarity of every image patch), patch -> genes (characteristic genes of the nearest spots in
/// the joint space) and "Compare two selections". Every computation runs on a worker.
#include <QFutureWatcher>
#include <QObject>
#include <QPointF>
#include <QString>
#include <memory>
#include <optional>
#include <vector>

#include "common/progress.h"
#include "gene_query_dialog.h"
#include "query_engine.h"
#include "sample_controller.h"
#include "st/vocabulary.h"

class QAction;
class QDockWidget;

namespace stamp::app {

class MainWindow;
class ComparePanel;
class RankedListPanel;

/// What one query job hands back (one of the payloads, or an error / a cancellation).
struct QueryOutcome {
  enum class Kind { Layer, Genes, Matches, Vocabulary, Loaded } kind = Kind::Layer;
  std::vector<float> query;                         // the query embedding (patch queries)
  std::shared_ptr<const widgets::Layer> layer;      // Kind::Layer
  PatchGenes genes;                                 // Kind::Genes
  std::vector<Match> matches;                       // Kind::Matches
  std::shared_ptr<const LoadedSample> other;        // Kind::Matches/Loaded: the other sample
  std::shared_ptr<const core::st::Vocabulary> vocab;
  QString title;
  QString error;
  bool cancelled = false;
  std::uint64_t epoch = 0;  // the sample generation the query started in
};

class QueryActions : public QObject {
  Q_OBJECT
 public:
  enum class ClickMode { None, QueryByPatch, PatchToGenes };

  explicit QueryActions(MainWindow* window);
  ~QueryActions() override;

  /// What a click on the slide does (also chosen in the Query menu).
  void setClickMode(ClickMode mode);
  ClickMode clickMode() const { return mode_; }
  /// Query by patch at a frame point: the spot/patch there, else a patch cut around the point.
  void queryPatchAt(QPointF frame);
  /// Query by genes: embeds `genes` with the gene encoder, layer of image-patch similarity.
  void queryGenes(const WeightedGenes& genes);
  /// Opens the gene dialog (loading the vocabulary first when needed).
  void chooseGenes();
  /// Patch -> genes for the spot/patch at a frame point; fills the results panel.
  void genesOfPatchAt(QPointF frame);
  /// Runs the last patch query on another sample or slide (embedded or read from the cache).
  void queryOtherSample(const QString& path);
  /// Opens match `rank` of the last cross-sample query in the window, with its similarity layer.
  void switchToMatch(int rank);
  /// The vocabulary for gene queries (else it is loaded from the model's vocabulary folder).
  void setVocabulary(std::shared_ptr<const core::st::Vocabulary> vocab);
  void cancel();

  bool busy() const { return watcher_.isRunning(); }
  bool hasQuery() const { return !lastQuery_.empty(); }
  RankedListPanel* resultsPanel() const { return results_; }
  ComparePanel* comparePanel() const { return compare_; }
  QDockWidget* compareDock() const { return compareDock_; }
  /// The expression of the last clicked spot (gene symbol, count), for "use spot's profile".
  WeightedGenes clickedProfile() const;

 Q_SIGNALS:
  /// A query finished: its layer is on the slide or its list in a panel.
  void queryFinished(const QString& title);
  void failed(const QString& message);

 private:
  void buildMenu();
  void buildDocks();
  void clicked(QPointF frame);
  void sampleChanged();
  void offerLayerGroups();
  void run(std::function<QueryOutcome(core::CancelToken, core::ProgressCallback)> job);
  void finished();
  void showOutcome(QueryOutcome& out);
  void chooseOtherSample();
  void addSwitchLayer();
  void searchOther(std::shared_ptr<const LoadedSample> other);
  int rowAt(QPointF frame) const;
  bool needEmbeddings();

  MainWindow* window_;
  RankedListPanel* results_ = nullptr;
  ComparePanel* compare_ = nullptr;
  QDockWidget* resultsDock_ = nullptr;
  QDockWidget* compareDock_ = nullptr;
  QAction* otherAction_ = nullptr;
  std::vector<QAction*> modeActions_;  // indexed by ClickMode
  QFutureWatcher<QueryOutcome> watcher_;
  std::uint64_t epoch_ = 0;  // bumped when another sample is shown: older answers are dropped
  core::CancelToken token_;
  ClickMode mode_ = ClickMode::None;
  std::shared_ptr<const core::st::Vocabulary> vocab_;
  std::vector<float> lastQuery_;
  QString lastQueryTitle_;
  int lastSpot_ = -1;
  bool openGenesWhenLoaded_ = false;
  // The last cross-sample query, for switching to a match.
  std::shared_ptr<const LoadedSample> other_;
  std::vector<Match> otherMatches_;
  std::optional<Match> switchTo_;
  std::vector<float> switchQuery_;
  bool switchPending_ = false;
};

}  // namespace stamp::app
