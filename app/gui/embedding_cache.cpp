#include "embedding_cache.h"

#include <QDir>
#include <QFileInfo>

#include "engine/embedding_io.h"
#include "sample_controller.h"
#include "slide/slide_reader.h"
#include "st/h5ad.h"

namespace stamp::app {

namespace engine = core::engine;

namespace {

bool sameSource(const core::st::SpatialSample& cached, const LoadedSample& s) {
  const auto stamp = cached.uns.find("stamp");
  if (stamp == cached.uns.end() || !stamp->is_object()) return false;
  const auto source = stamp->find("source");
  return source != stamp->end() && source->is_string() && source->get<std::string>() == s.path.toStdString();
}

// The sample's own image, else the one shown (e.g. a slide chosen by the user for the sample):
// image level-0 px per full-resolution (frame) px is 1 / imageToFrame.
core::Result<engine::SampleImage> imageOf(const LoadedSample& s) {
  auto own = engine::sampleImage(*s.sample);
  if (own.ok() || !s.image || !(s.imageToFrame > 0)) return own;
  return engine::SampleImage{s.image->path(), 1.0 / s.imageToFrame};
}

}  // namespace

std::shared_ptr<const engine::EmbeddingTable> readEmbeddingCache(const QString& path, const LoadedSample& s,
                                                                 bool needGene) {
  if (path.isEmpty() || !QFileInfo::exists(path)) return nullptr;
  auto cached = core::st::readH5ad(path.toStdString());
  if (!cached.ok() || !sameSource(*cached, s)) return nullptr;
  auto table = engine::embeddingFromSample(*cached);
  if (!table.ok()) return nullptr;
  if (s.sample) {
    if (table->rows() != s.sample->spotCount()) return nullptr;
    for (std::size_t i = 0; i < table->rows(); ++i)
      if (table->ids[i] != s.sample->spots[i].barcode) return nullptr;
  }
  if (needGene && table->gene.rows == 0) return nullptr;
  return std::make_shared<const engine::EmbeddingTable>(std::move(table).value());
}

void writeEmbeddingCache(const QString& path, const engine::EmbeddingTable& table, const LoadedSample& s,
                         const engine::ModelHandle& model) {
  if (path.isEmpty()) return;
  QDir().mkpath(QFileInfo(path).absolutePath());
  const nlohmann::json params = {{"weights", model.weightsPath()},
                                 {"weights_sha256", model.sha256()},
                                 {"device", model.device()},
                                 {"precision", core::model::precisionName(model.precision())},
                                 {"source", s.path.toStdString()}};
  (void)core::st::writeH5ad(path.toStdString(), engine::embeddingToSample(table, s.sample.get(), params));
}

core::Result<engine::EmbeddingTable> embedLoadedSample(const engine::ModelHandle& model, const LoadedSample& s,
                                                       const core::st::Vocabulary* vocab,
                                                       core::ProgressReporter& progress) {
  engine::EmbedOptions options;
  if (!s.sample) {
    // Its own reader: the view's reader serves tiles on other threads meanwhile.
    STAMP_ASSIGN(auto slide, core::slide::openSlide(s.path.toStdString()));
    return engine::embedGrid(model, *slide, options, &progress);
  }
  STAMP_ASSIGN(engine::SampleImage image, imageOf(s));
  STAMP_ASSIGN(auto slide, core::slide::openSlide(image.path));
  options.coordScale = image.coordScale;
  return engine::embedSpots(model, *s.sample, *slide, vocab, options, &progress);
}

}  // namespace stamp::app
