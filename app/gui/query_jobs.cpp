// The queries of QueryActions: each gathers what it needs on the GUI thread (shared, immutable
// handles) and hands a job to the worker slot; the outcome comes back in finished().
#include <QDir>
#include <QFileInfo>
#include <QStatusBar>
#include <algorithm>

#include "engine/query.h"
#include "gene_query_dialog.h"
#include "main_window.h"
#include "model_actions.h"
#include "query_actions.h"
#include "widgets/slide_view.h"

namespace stamp::app {

using core::engine::EmbeddingTable;

namespace {

QueryOutcome failure(const core::Error& e) {
  QueryOutcome out;
  out.cancelled = e.code == core::ErrorCode::Cancelled;
  out.error = QString::fromStdString(e.describe());
  return out;
}

// Where a query patch comes from: a row of the table, or a patch cut around a frame point.
struct PatchSource {
  int row = -1;
  double x = 0, y = 0;
  std::string imagePath;
  double imageToFrame = 1;
};

core::Result<std::vector<float>> queryVector(const core::engine::ModelHandle& model,
                                             const EmbeddingTable& table, const PatchSource& p) {
  if (p.row >= 0) return imageEmbeddingRow(table, p.row);
  if (p.imagePath.empty())
    return core::makeError(core::ErrorCode::InvalidArgument, "no image is open to cut a patch from");
  return embedPatchAt(model, p.imagePath, p.imageToFrame, p.x, p.y, table.halfPatchPx);
}

QString describe(const PatchSource& p, const EmbeddingTable& table) {
  if (p.row >= 0)
    return QStringLiteral("%1 (%2, %3)").arg(QString::fromStdString(table.ids[std::size_t(p.row)]))
        .arg(table.x[std::size_t(p.row)], 0, 'f', 0).arg(table.y[std::size_t(p.row)], 0, 'f', 0);
  return QObject::tr("the patch at (%1, %2)").arg(p.x, 0, 'f', 0).arg(p.y, 0, 'f', 0);
}

QString geneSummary(const WeightedGenes& genes) {
  QStringList names;
  for (std::size_t i = 0; i < genes.size() && i < 4; ++i) names << QString::fromStdString(genes[i].first);
  if (genes.size() > 4) names << QObject::tr("+%1 more").arg(genes.size() - 4);
  return names.join(QStringLiteral(", "));
}

}  // namespace

void QueryActions::queryPatchAt(QPointF frame) {
  if (!needEmbeddings()) return;
  auto* ctl = window_->modelActions()->controller();
  auto table = ctl->embeddings();
  auto model = ctl->model();
  const LoadedSample* s = window_->current();
  PatchSource src{rowAt(frame), frame.x(), frame.y(), s->image ? s->image->path() : std::string(),
                  s->imageToFrame};
  run([=](core::CancelToken, core::ProgressCallback) {
    auto q = queryVector(*model, *table, src);
    if (!q.ok()) return failure(q.error());
    auto layer = querySimilarityLayer(*table, *q, "Query: similarity to clicked patch");
    if (!layer.ok()) return failure(layer.error());
    QueryOutcome out;
    out.title = QObject::tr("Similarity to %1").arg(describe(src, *table));
    out.layer = std::make_shared<const widgets::Layer>(std::move(layer).value());
    out.query = std::move(q).value();
    return out;
  });
}

void QueryActions::queryGenes(const WeightedGenes& genes) {
  if (!needEmbeddings()) return;
  auto* ctl = window_->modelActions()->controller();
  auto table = ctl->embeddings();
  auto model = ctl->model();
  auto vocab = vocab_;
  const std::string folder = ctl->vocabularyFolder().toStdString();
  const QString summary = geneSummary(genes);
  run([=](core::CancelToken, core::ProgressCallback) {
    QueryOutcome out;
    out.vocab = vocab;
    if (!out.vocab) {
      if (folder.empty())
        return failure({core::ErrorCode::NotFound, "no STAMP vocabulary folder chosen (Model ▸ Load model)", ""});
      auto v = core::st::Vocabulary::load(folder);
      if (!v.ok()) return failure(v.error());
      out.vocab = std::make_shared<const core::st::Vocabulary>(std::move(v).value());
    }
    std::vector<std::string> unknown;
    auto q = core::engine::embedGenes(*model, *out.vocab, genes, &unknown);
    if (!q.ok()) return failure(q.error());
    auto layer = querySimilarityLayer(*table, *q, "Query: similarity to genes " + summary.toStdString());
    if (!layer.ok()) return failure(layer.error());
    out.layer = std::make_shared<const widgets::Layer>(std::move(layer).value());
    out.title = QObject::tr("Similarity of the image patches to %1").arg(summary);
    if (!unknown.empty())
      out.title += QObject::tr(" (%1 genes not in the vocabulary, left out)").arg(unknown.size());
    return out;
  });
}

void QueryActions::chooseGenes() {
  auto* ctl = window_->modelActions()->controller();
  if (!vocab_ && !ctl->vocabularyFolder().isEmpty()) {
    // Completion offers the vocabulary too: load it first (a few seconds), then open.
    openGenesWhenLoaded_ = true;
    const std::string folder = ctl->vocabularyFolder().toStdString();
    run([folder](core::CancelToken, core::ProgressCallback) {
      auto v = core::st::Vocabulary::load(folder);
      if (!v.ok()) return failure(v.error());
      QueryOutcome out;
      out.kind = QueryOutcome::Kind::Vocabulary;
      out.vocab = std::make_shared<const core::st::Vocabulary>(std::move(v).value());
      return out;
    });
    return;
  }
  QStringList completions;
  if (const LoadedSample* s = window_->current(); s && s->sample)
    for (const auto& g : s->sample->genes) completions << QString::fromStdString(g.symbol);
  if (vocab_)
    for (const auto& id : vocab_->templateIds()) completions << QString::fromStdString(id);
  completions.removeDuplicates();
  GeneQueryDialog dialog(completions, clickedProfile(), window_);
  if (dialog.exec() != QDialog::Accepted || dialog.genes().empty()) return;
  queryGenes(dialog.genes());
}

void QueryActions::genesOfPatchAt(QPointF frame) {
  if (!needEmbeddings()) return;
  const LoadedSample* s = window_->current();
  if (!s->sample) {
    Q_EMIT failed(tr("Patch → genes needs a sample with expression (this slide has no spots)"));
    return;
  }
  auto* ctl = window_->modelActions()->controller();
  auto table = ctl->embeddings();
  auto model = ctl->model();
  auto sample = s->sample;
  PatchSource src{rowAt(frame), frame.x(), frame.y(), s->image ? s->image->path() : std::string(),
                  s->imageToFrame};
  // Enough neighbours for a test to have power, few enough to stay local.
  const int k = std::clamp(int(table->rows() / 20), 5, 50);
  run([=](core::CancelToken, core::ProgressCallback) {
    auto q = queryVector(*model, *table, src);
    if (!q.ok()) return failure(q.error());
    auto genes = genesOfPatch(*sample, *table, *q, k, 30);
    if (!genes.ok()) return failure(genes.error());
    QueryOutcome out;
    out.kind = QueryOutcome::Kind::Genes;
    out.genes = std::move(genes).value();
    out.title = QObject::tr("Genes of %1: characteristic of its %2 nearest spots (%3)")
                    .arg(describe(src, *table)).arg(out.genes.spots.size())
                    .arg(out.genes.jointSpace ? QObject::tr("joint space: gene embeddings")
                                              : QObject::tr("image embeddings"));
    return out;
  });
}

void QueryActions::queryOtherSample(const QString& path) {
  auto* ctl = window_->modelActions()->controller();
  if (!ctl->model() || lastQuery_.empty()) {
    Q_EMIT failed(tr("Run a patch query first (Query ▸ Click queries by patch)"));
    return;
  }
  const QFileInfo info(path);
  const QString suffix = info.suffix().toLower();
  const bool spatial = info.isDir() || suffix == QLatin1String("h5ad") || suffix == QLatin1String("h5");
  run([path, spatial](core::CancelToken, core::ProgressCallback cb) {
    cb(core::ProgressUpdate{"Opening " + path.toStdString(), 0, 1});
    LoadOutcome loaded = spatial ? loadSpatial(path, {}) : loadSlide(path);
    if (!loaded.loaded) return failure({core::ErrorCode::InvalidArgument, loaded.error.toStdString(), ""});
    QueryOutcome out;
    out.kind = QueryOutcome::Kind::Loaded;
    out.other = loaded.loaded;
    return out;
  });
}

void QueryActions::searchOther(std::shared_ptr<const LoadedSample> other) {
  auto* ctl = window_->modelActions()->controller();
  auto model = ctl->model();
  if (!model) return;
  const std::string cache = ctl->cachePathFor(*other).toStdString();
  const auto query = lastQuery_;
  const QString what = lastQueryTitle_;
  run([=](core::CancelToken token, core::ProgressCallback cb) {
    core::ProgressReporter progress(cb, token);
    auto table = embedOtherSample(*model, *other, cache, progress);
    if (!table.ok()) return failure(table.error());
    auto matches = bestMatches(**table, query, 50);
    if (!matches.ok()) return failure(matches.error());
    QueryOutcome out;
    out.kind = QueryOutcome::Kind::Matches;
    out.matches = std::move(matches).value();
    out.other = other;
    const QString name = other->sample ? QString::fromStdString(other->sample->name)
                                       : QFileInfo(other->path).fileName();
    out.title = QObject::tr("%1 — best matches in %2 (double-click to open there)").arg(what, name);
    return out;
  });
}

void QueryActions::switchToMatch(int rank) {
  if (!other_ || rank < 0 || rank >= int(otherMatches_.size())) return;
  switchTo_ = otherMatches_[std::size_t(rank)];
  switchQuery_ = lastQuery_;
  switchPending_ = true;
  if (other_->sample) window_->openSpatialPath(other_->path);
  else window_->openSlidePath(other_->path);
}

void QueryActions::addSwitchLayer() {
  auto table = window_->modelActions()->controller()->embeddings();
  if (!table || !switchTo_) return;
  const auto query = switchQuery_;
  const Match target = *switchTo_;
  window_->view()->centreOn(QPointF(target.x, target.y));
  run([=](core::CancelToken, core::ProgressCallback) {
    auto layer = querySimilarityLayer(*table, query, "Query: similarity to clicked patch");
    if (!layer.ok()) return failure(layer.error());
    QueryOutcome out;
    out.layer = std::make_shared<const widgets::Layer>(std::move(layer).value());
    out.query = query;
    out.title = QObject::tr("Query from the other sample; best match %1 (similarity %2)")
                    .arg(QString::fromStdString(target.id)).arg(target.score, 0, 'f', 3);
    return out;
  });
}

}  // namespace stamp::app
