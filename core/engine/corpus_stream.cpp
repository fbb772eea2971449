// Training from a corpus: the held-out split, the rank's batch stream, and batch conversion.
#include "engine/corpus_stream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "st/vocabulary.h"

namespace stamp::core::engine {
namespace fs = std::filesystem;

namespace {

double unitOf(std::uint64_t h) { return double(h >> 11) * (1.0 / 9007199254740992.0); }

/// Split "slides": each slide validates with probability val_fraction (seeded), at least one
/// when there are two or more, never all of them.
std::vector<std::int32_t> drawValSlides(const std::vector<std::int32_t>& slides, const TrainConfig& c) {
  std::vector<std::int32_t> val;
  if (slides.size() < 2 || c.valFraction <= 0) return val;
  for (auto id : slides)
    if (unitOf(data::mixSeed(c.seed ^ 0x51DEull, std::uint64_t(std::int64_t(id)) + 1)) < c.valFraction) val.push_back(id);
  if (val.empty()) val.push_back(slides.back());
  if (val.size() == slides.size()) val.erase(val.begin());
  return val;
}

}  // namespace

Result<CorpusSplit> splitCorpus(const TrainConfig& c) {
  corpus::ReaderOptions o;
  o.withImages = false;
  STAMP_ASSIGN(corpus::CorpusReader probe, corpus::CorpusReader::open(c.corpus, o));
  return splitCorpus(c, probe);
}

CorpusSplit splitCorpus(const TrainConfig& c, const corpus::CorpusReader& probe) {
  const int n = int(probe.shards().size());
  CorpusSplit sp;
  if (c.split == "shards") {
    int nVal = n >= 2 && c.valFraction > 0 ? std::max(1, int(std::lround(c.valFraction * n))) : 0;
    nVal = std::min(nVal, n - 1);
    for (int i = 0; i < n; ++i) (i < n - nVal ? sp.trainShards : sp.valShards).push_back(i);
    for (int i : sp.trainShards) sp.trainRows += probe.shards()[std::size_t(i)].rows;
    for (int i : sp.valShards) sp.valRows += probe.shards()[std::size_t(i)].rows;
    if (nVal == 0) sp.note = "the corpus has one shard: nothing is held out for validation (split \"shards\")";
    return sp;
  }
  const auto slides = probe.slideIds();
  sp.valSlides = drawValSlides(slides, c);
  if (sp.valSlides.empty()) {
    for (int i = 0; i < n; ++i) sp.trainShards.push_back(i);
    sp.trainRows = probe.selectedRows();
    sp.note = slides.size() < 2 ? "the corpus holds one slide (batch_slide_id): nothing is held out for validation; "
                                  "use \"split\": \"shards\" to hold out its last shards"
                                : "val_fraction is 0: no validation";
    return sp;
  }
  // Which shards hold training rows, which validation rows (a shard may hold both).
  for (int i = 0; i < n; ++i) {
    const long long val = probe.rowsOfSlides(i, sp.valSlides);
    const long long train = probe.shards()[std::size_t(i)].rows - val;
    if (train > 0) sp.trainShards.push_back(i), sp.trainRows += train;
    if (val > 0) sp.valShards.push_back(i), sp.valRows += val;
  }
  return sp;
}

corpus::ReaderOptions trainReaderOptions(const TrainConfig& c, const CorpusSplit& split, int rank, int world, int rows,
                                         bool images) {
  corpus::ReaderOptions o;
  o.batchSize = rows;
  o.shuffleBuffer = std::max(c.shuffleBuffer, rows);
  o.blockRows = c.blockRows;
  o.shuffle = true;
  o.withImages = images;
  o.dropLast = true;  // every micro-batch the same size (contrastive negatives, equal rank weights)
  o.seed = c.seed;
  o.rank = rank;
  o.worldSize = world;
  o.shardSubset = split.trainShards;
  o.skipSlides = split.valSlides;
  return o;
}

corpus::ReaderOptions valReaderOptions(const TrainConfig& c, const CorpusSplit& split, int rows, bool images) {
  corpus::ReaderOptions o;
  o.batchSize = rows;
  o.shuffleBuffer = 1;
  o.blockRows = c.blockRows;
  o.shuffle = false;  // validation: file order, the same rows every pass
  o.withImages = images;
  o.shardSubset = split.valShards;
  o.onlySlides = split.valSlides;
  return o;
}

void CorpusStream::setAnchor(std::int64_t k, std::int64_t epoch, std::int64_t batch) {
  anchorK_ = k;
  anchorEpoch_ = epoch;
  anchorBatch_ = batch;
  nextK_ = -1;  // reposition on the next get
}

Result<std::pair<int, long long>> CorpusStream::locate(std::int64_t k) const {
  std::int64_t rem = k, e = 0, b = 0;
  if (k >= anchorK_) rem = k - anchorK_, e = anchorEpoch_, b = anchorBatch_;
  for (;;) {
    const long long n = reader_.batchesInEpoch(int(e));
    if (n <= 0)
      return makeError(ErrorCode::InvalidArgument, "this rank's shards hold fewer rows than one micro-batch in epoch " + std::to_string(e) +
                                                       ": lower batch_size, or rebuild the corpus with a smaller --shard-size");
    if (b + rem < n) return std::pair<int, long long>{int(e), b + rem};
    rem -= n - b;
    ++e;
    b = 0;
  }
}

Result<CorpusStream::Item> CorpusStream::get(std::int64_t k) {
  if (k != nextK_) {
    STAMP_ASSIGN(auto at, locate(k));
    STAMP_CHECK(reader_.seek(at.first, at.second));
    nextK_ = k;
  }
  for (;;) {
    const auto [e, b] = reader_.position();
    if (b >= reader_.batchesInEpoch(e)) {
      if (reader_.batchesInEpoch(e + 1) <= 0)
        return makeError(ErrorCode::InvalidArgument, "this rank's shards hold fewer rows than one micro-batch in epoch " +
                                                         std::to_string(e + 1) + ": lower batch_size, or rebuild the corpus with a smaller --shard-size");
      reader_.startEpoch(e + 1);
      continue;
    }
    STAMP_ASSIGN(auto batch, reader_.next());
    if (!batch) return makeError(ErrorCode::Internal, "the corpus stream ended before its counted batches");
    ++nextK_;
    const auto [e2, b2] = reader_.position();
    return Item{std::move(*batch), e2, b2};
  }
}

namespace {

/// Row i of planar (rows, 3, S, S) uint8 images as an RgbImage resized to `out`.
data::RgbImage rowImage(const std::vector<std::uint8_t>& planes, int s, std::size_t i, int out) {
  data::RgbImage img{s, s, std::vector<std::uint8_t>(std::size_t(s) * std::size_t(s) * 3)};
  const std::size_t plane = std::size_t(s) * std::size_t(s);
  const std::uint8_t* src = planes.data() + i * 3 * plane;
  for (std::size_t p = 0; p < plane; ++p)
    for (std::size_t c = 0; c < 3; ++c) img.rgb[p * 3 + c] = src[c * plane + p];
  return s == out ? img : data::resizeRgb(img, out, out);
}

/// Row i's first `context` tokens into `out`, range-checked against the model's vocabulary.
Status copyTokens(const corpus::CorpusBatch& b, const corpus::CorpusReader& reader, std::size_t i, int context,
                  std::int64_t nTokens, std::int64_t* out) {
  const std::int32_t* row = b.tokens.data() + i * std::size_t(b.tokenLen);
  for (int t = 0; t < context; ++t) {
    const std::int64_t id = t < b.tokenLen ? row[t] : 0;
    if (id < 0 || id >= nTokens)
      return makeError(ErrorCode::Mismatch, "token id " + std::to_string(id) + " is outside the model's " + std::to_string(nTokens) +
                                                " tokens (n_genes + 30): the corpus was tokenized with another vocabulary than the model's n_genes",
                       reader.shards()[std::size_t(b.shard[i])].path);
    out[t] = id;
  }
  return {};
}

}  // namespace

Result<std::vector<std::int64_t>> tokensFromCorpus(const corpus::CorpusBatch& b, const corpus::CorpusReader& reader, int context,
                                                   std::int64_t nTokens) {
  std::vector<std::int64_t> out(std::size_t(b.rows) * std::size_t(context));
  for (std::size_t i = 0; i < std::size_t(b.rows); ++i)
    STAMP_CHECK(copyTokens(b, reader, i, context, nTokens, out.data() + i * std::size_t(context)));
  return out;
}

Result<data::PairBatch> pairBatchFromCorpus(const corpus::CorpusBatch& b, const corpus::CorpusReader& reader, int context,
                                            std::int64_t nTokens, const data::PairOptions& o, std::uint64_t seed, std::int64_t k) {
  if (b.imagePx <= 0) return makeError(ErrorCode::InvalidArgument, "the corpus batch carries no images", reader.shards()[0].path);
  data::PairBatch pb;
  pb.rows = b.rows;
  pb.context = context;
  const auto n = std::size_t(b.rows);
  pb.patches.resize(n * data::kImageFloats);
  pb.regions.resize(n * data::kImageFloats);
  pb.refs.resize(n * data::kRefFloats);
  pb.tokens.resize(n * std::size_t(context));
  pb.cells.resize(n);
  pb.hasCell.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    STAMP_CHECK(copyTokens(b, reader, i, context, nTokens, pb.tokens.data() + i * std::size_t(context)));
    std::mt19937_64 rng(data::mixSeed(seed, std::uint64_t(k) * 4096u + i));
    data::RgbImage patch = rowImage(b.images, b.imagePx, i, data::kPatchPx);
    data::RgbImage region = rowImage(b.regions, b.imagePx, i, data::kPatchPx);
    data::RgbImage ref = data::resizeRgb(patch, data::kRefPx, data::kRefPx);
    const std::int32_t label = b.posLabel[i];
    int cell = label >= 0 && label < 9 ? label : 4;
    const auto g = data::drawGeometric(o.augment, rng);
    const auto c = data::drawColour(o.augment, rng);
    if (g.flip || g.quarterTurns) {
      patch = data::applyGeometric(patch, g);
      region = data::applyGeometric(region, g);
      ref = data::applyGeometric(ref, g);
      cell = data::transformCell(cell, g);
    }
    for (data::RgbImage* im : {&patch, &region, &ref}) data::applyColour(*im, c);
    data::normalizeToChw(patch, o.order, pb.patches.data() + i * data::kImageFloats);
    data::normalizeToChw(region, o.order, pb.regions.data() + i * data::kImageFloats);
    data::normalizeToChw(ref, o.order, pb.refs.data() + i * data::kRefFloats);
    pb.cells[i] = cell;
    pb.hasCell[i] = label >= 0 && label < 9;
    pb.spots.push_back({b.slideId[i], int(b.spotIndex[i])});
  }
  return pb;
}

Status checkCorpusFits(const TrainConfig& c, const corpus::CorpusReader& probe, int nGenes, bool needImages) {
  if (needImages)
    for (const auto& s : probe.shards())
      if (!s.images)
        return makeError(ErrorCode::InvalidArgument,
                         "this corpus shard has no images (images/images_aug): alignment fine-tuning needs the spot patches and "
                         "region crops; rebuild the corpus with `stamp build-corpus --with-images`, or use it for `stamp pretrain-genes`",
                         s.path);
  const fs::path manifest = fs::path(c.corpus) / "manifest.json";
  long long corpusVocab = -1;
  if (fs::exists(manifest)) {
    STAMP_ASSIGN(std::string text, readFile(manifest));
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return makeError(ErrorCode::Format, "manifest.json is not valid JSON", manifest.string());
    if (j.contains("vocabulary") && j["vocabulary"].contains("size") && j["vocabulary"]["size"].is_number_integer())
      corpusVocab = j["vocabulary"]["size"].get<long long>();
  }
  if (corpusVocab > nGenes)
    return makeError(ErrorCode::Mismatch, "the corpus was tokenized with a vocabulary of " + std::to_string(corpusVocab) +
                                              " genes but the model has n_genes " + std::to_string(nGenes) + "; set model.config n_genes to " +
                                              std::to_string(corpusVocab), manifest.string());
  if (!c.vocab.empty()) {
    STAMP_ASSIGN(st::Vocabulary vocab, st::Vocabulary::load(c.vocab));
    if (corpusVocab >= 0 && corpusVocab != (long long)vocab.size())
      return makeError(ErrorCode::Mismatch, "the corpus was tokenized with a vocabulary of " + std::to_string(corpusVocab) +
                                                " genes but \"vocab\" has " + std::to_string(vocab.size()), manifest.string());
    if ((long long)vocab.size() > nGenes)
      return makeError(ErrorCode::Mismatch, "the model has n_genes " + std::to_string(nGenes) + " but the vocabulary has " +
                                                std::to_string(vocab.size()) + " genes", c.vocab);
  }
  return {};
}

}  // namespace stamp::core::engine
