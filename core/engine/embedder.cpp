#include "engine/embedder.h"

#include <cmath>
#include <cstring>
#include <future>

#include "analysis/embedding_stats.h"
#include "data/crops.h"
#include "data/tissue.h"
#include "engine/model_handle_impl.h"
#include "st/tokenizer.h"

namespace stamp::core::engine {
namespace {

constexpr std::size_t kImageFloats = 3 * data::kPatchPx * data::kPatchPx;

/// Where to crop, in slide level-0 pixels, and the token row for a spot (if any).
struct Job {
  double sx = 0, sy = 0;
  const st::TokenId* tokens = nullptr;
};

struct Batch {
  std::vector<float> images;
  std::vector<std::int64_t> tokens;
  std::vector<std::uint8_t> inside;
  Status status;
};

/// Crops and normalises one batch (runs on a helper thread while the model works on the
/// previous one). OpenSlide and our readers are thread-safe.
Batch prepare(const slide::SlideReader& slide, const std::vector<Job>& jobs, std::size_t begin,
              std::size_t end, double psSlide, data::ChannelOrder order, int context, bool withTokens) {
  Batch b;
  const std::size_t n = end - begin;
  b.images.resize(n * kImageFloats);
  b.inside.resize(n);
  if (withTokens) b.tokens.assign(n * std::size_t(context), 0);
  const auto l0 = slide.level(0);
  for (std::size_t i = 0; i < n; ++i) {
    const Job& j = jobs[begin + i];
    const data::Square sq = data::spotSquare(j.sx, j.sy, psSlide);
    b.inside[i] = data::squareInside(sq, l0.width, l0.height);
    auto crop = data::cropSquare(slide, sq, data::kPatchPx);
    if (crop.ok()) {
      data::normalizeToChw(*crop, order, b.images.data() + i * kImageFloats);
    } else if (crop.error().code == ErrorCode::OutOfRange) {
      b.inside[i] = 0;  // wholly outside: leave zeros, flagged below
    } else {
      b.status = crop.error();
      return b;
    }
    if (withTokens && j.tokens) std::copy_n(j.tokens, context, b.tokens.data() + i * std::size_t(context));  // to int64
  }
  return b;
}

/// Copies a batch's embeddings into rows [begin, ...) of `m`; NaN/Inf never reach a table.
Status copyRows(const ModelHandle::Impl& impl, const torch::Tensor& t, st::DenseMatrix& m, std::size_t begin,
                const char* what) {
  auto c = t.to(torch::kCPU, torch::kFloat32).contiguous();
  STAMP_CHECK(checkFinite(impl, c, std::string(what) + " embeddings of rows " + std::to_string(begin) + "-" +
                                       std::to_string(begin + std::size_t(c.size(0)) - 1)));
  std::memcpy(m.data.data() + begin * std::size_t(m.cols), c.data_ptr<float>(), std::size_t(c.numel()) * sizeof(float));
  return {};
}

/// One prepared batch through the model into the table's rows [b, b + batch).
Status forwardBatch(ModelHandle::Impl& impl, Batch& cur, std::size_t b, bool withTokens, EmbeddingTable& t) {
  const auto m = std::int64_t(cur.inside.size());
  auto images = torch::from_blob(cur.images.data(), {m, 3, data::kPatchPx, data::kPatchPx}).to(impl.device);
  STAMP_CHECK(copyRows(impl, impl.module->encodeImages(images).embedding, t.image, b, "image"));
  for (std::int64_t i = 0; i < m; ++i) t.imageValid[b + std::size_t(i)] = cur.inside[std::size_t(i)];
  if (!withTokens) return {};
  auto tokens = torch::from_blob(cur.tokens.data(), {m, impl.config.context}, torch::kInt64).to(impl.device);
  auto gene = impl.module->encodeGenes(tokens);
  STAMP_CHECK(copyRows(impl, gene.embedding, t.gene, b, "gene"));
  auto inv = gene.invalid.to(torch::kCPU).contiguous();
  for (std::int64_t i = 0; i < m; ++i) t.geneValid[b + std::size_t(i)] = !inv.data_ptr<bool>()[i];
  return {};
}

/// Runs the model over all jobs in batches with decode/forward overlap; fills `t`.
Status runBatches(const ModelHandle& mh, const slide::SlideReader& slide, const std::vector<Job>& jobs,
                  double psSlide, bool withTokens, const EmbedOptions& o, EmbeddingTable& t, ProgressReporter* progress) {
  auto& impl = mh.impl();
  STAMP_ASSIGN(data::ChannelOrder order, data::parseChannelOrder(impl.config.channelOrder));
  const int context = impl.config.context, dim = impl.config.outDim;
  const std::size_t n = jobs.size(), bs = std::size_t(std::max(1, o.batchSize));
  t.image = {std::int64_t(n), dim, std::vector<float>(n * std::size_t(dim), 0.f)};
  if (withTokens) t.gene = {std::int64_t(n), dim, std::vector<float>(n * std::size_t(dim), 0.f)};
  t.imageValid.assign(n, 0);
  t.geneValid.assign(withTokens ? n : 0, 0);
  if (progress) progress->begin("embedding", std::int64_t(n));
  InferencePass pass(impl);
  auto launch = [&](std::size_t b) {
    return std::async(std::launch::async, prepare, std::cref(slide), std::cref(jobs), b, std::min(n, b + bs),
                      psSlide, order, context, withTokens);
  };
  std::future<Batch> next = launch(0);
  for (std::size_t b = 0; b < n; b += bs) {
    Batch cur = next.get();
    if (b + bs < n) next = launch(b + bs);
    if (!cur.status.ok()) return cur.status;
    if (progress) STAMP_CHECK(progress->check());
    try {
      STAMP_CHECK(forwardBatch(impl, cur, b, withTokens, t));
    } catch (const std::exception& e) {
      return forwardFailed(impl, e);
    }
    if (progress) progress->advance(std::int64_t(cur.inside.size()));
  }
  return {};
}

/// Zeroes the rows flagged invalid (a patch outside the slide is not a tissue embedding).
void zeroInvalid(st::DenseMatrix& m, const std::vector<std::uint8_t>& valid) {
  for (std::size_t r = 0; r < valid.size(); ++r)
    if (!valid[r]) std::fill_n(m.data.begin() + std::ptrdiff_t(r * std::size_t(m.cols)), m.cols, 0.f);
}

void finishAgreement(EmbeddingTable& t) {
  if (t.gene.rows == 0) return;
  t.agreement = analysis::rowCosine(t.gene, t.image).value();
  for (std::size_t r = 0; r < t.rows(); ++r)
    if (!t.geneValid[r] || !t.imageValid[r]) t.agreement[r] = 0.f;
}

}  // namespace

Result<double> fullresMpp(const st::SpatialSample* sample, const slide::SlideReader& slide, const EmbedOptions& o) {
  if (o.magnification) {
    if (!(*o.magnification > 0)) return makeError(ErrorCode::InvalidArgument, "magnification must be positive");
    return 10.0 / *o.magnification;
  }
  if (o.mpp) {
    if (!(*o.mpp > 0)) return makeError(ErrorCode::InvalidArgument, "microns per pixel must be positive");
    return *o.mpp;
  }
  if (o.coordScale == 1.0) {
    if (auto m = slide.mpp()) return *m;
    if (auto p = slide.objectivePower()) return 10.0 / *p;
  }
  if (sample) {
    if (auto m = sample->pixelSizeUm(); m && *m > 0) return *m;
    if (double d = sample->spotDiameterPx(); d > 0) return 55.0 / d;  // Visium spots are 55 um
  }
  return makeError(ErrorCode::InvalidArgument,
                   "the pixel size is unknown (the slide and the sample record none); give it "
                   "(--mpp, or --magnification)", slide.path());
}

Result<EmbeddingTable> embedSpots(const ModelHandle& model, const st::SpatialSample& sample,
                                  const slide::SlideReader& slide, const st::Vocabulary* vocab,
                                  const EmbedOptions& options, ProgressReporter* progress) {
  const auto& cfg = model.config();
  if (vocab && int(vocab->size()) > cfg.nGenes)
    return makeError(ErrorCode::Mismatch, "the model knows " + std::to_string(cfg.nGenes) + " genes but the vocabulary has " +
                                              std::to_string(vocab->size()) + "; use a model built for this vocabulary",
                     model.weightsPath());
  STAMP_ASSIGN(double mpp, fullresMpp(&sample, slide, options));
  EmbeddingTable t;
  t.magnification = 10.0 / mpp;
  t.halfPatchPx = data::halfPatchPx(t.magnification);
  st::TokenTable tokens;
  if (vocab) {
    st::TokenizeOptions to;
    to.maxLen = cfg.context;
    STAMP_ASSIGN(tokens, st::tokenize(sample, *vocab, to));
  }
  std::vector<Job> jobs;
  for (std::size_t i = 0; i < sample.spots.size(); ++i) {
    const auto& s = sample.spots[i];
    if ((options.inTissueOnly && !s.inTissue) || !std::isfinite(s.x) || !std::isfinite(s.y)) continue;
    jobs.push_back({s.x * options.coordScale, s.y * options.coordScale, vocab ? tokens.row(std::int64_t(i)) : nullptr});
    t.ids.push_back(s.barcode);
    t.x.push_back(s.x);
    t.y.push_back(s.y);
  }
  if (jobs.empty()) return makeError(ErrorCode::InvalidArgument, "no spot with coordinates to embed", sample.sourcePath);
  STAMP_CHECK(runBatches(model, slide, jobs, t.halfPatchPx * options.coordScale, vocab != nullptr, options, t, progress));
  zeroInvalid(t.image, t.imageValid);
  for (auto v : t.imageValid) t.outsideSpots += !v;
  for (auto v : t.geneValid) t.emptySpots += !v;
  finishAgreement(t);
  return t;
}

Result<EmbeddingTable> embedGrid(const ModelHandle& model, const slide::SlideReader& slide,
                                 const EmbedOptions& options, ProgressReporter* progress) {
  STAMP_ASSIGN(double mpp, fullresMpp(nullptr, slide, options));
  EmbeddingTable t;
  t.magnification = 10.0 / mpp;
  t.halfPatchPx = data::halfPatchPx(t.magnification);
  STAMP_ASSIGN(data::TissueMask mask, data::detectTissue(slide));
  const double side = 2 * t.halfPatchPx * options.coordScale;
  const double step = options.gridStep > 0 ? options.gridStep : side;
  const auto l0 = slide.level(0);
  auto grid = data::tissueGrid(mask, l0.width, l0.height, side, step, options.minTissue);
  if (grid.empty()) return makeError(ErrorCode::InvalidArgument, "no tissue found to embed (is the slide blank?)", slide.path());
  std::vector<Job> jobs;
  for (const auto& g : grid) {
    jobs.push_back({g.cx, g.cy, nullptr});
    t.ids.push_back("r" + std::to_string(g.row) + "_c" + std::to_string(g.col));
    t.x.push_back(g.cx / options.coordScale);
    t.y.push_back(g.cy / options.coordScale);
    t.gridRow.push_back(g.row);
    t.gridCol.push_back(g.col);
  }
  STAMP_CHECK(runBatches(model, slide, jobs, t.halfPatchPx * options.coordScale, false, options, t, progress));
  zeroInvalid(t.image, t.imageValid);
  return t;
}

}  // namespace stamp::core::engine
