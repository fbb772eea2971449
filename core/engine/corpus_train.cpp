// Alignment fine-tuning and gene pre-training fed from a corpus folder: the micro-batch steps
// and validation passes over the held-out rows (corpus_stream.h has the split and the stream).
#include <cstring>

#include "engine/corpus_stream.h"
#include "engine/train_session.h"

namespace stamp::core::engine {
namespace F = torch::nn::functional;

namespace {

/// What both modes share: the split, the checks, the rank's stream behind a one-worker
/// prefetcher (the stream is sequential), the checkpoint hooks and the validation reader.
struct CorpusSetup {
  CorpusSplit split;
  std::shared_ptr<CorpusStream> stream;
  std::shared_ptr<corpus::CorpusReader> val;  // rank 0, when something validates
};

Result<CorpusSetup> openCorpus(Session& s, int rowsPerMicro, int valRows, bool images) {
  const auto& c = s.cfg;
  CorpusSetup out;
  {
    // One look at every shard's header and slide ids serves the checks and the split.
    corpus::ReaderOptions po;
    po.withImages = false;
    STAMP_ASSIGN(corpus::CorpusReader probe, corpus::CorpusReader::open(c.corpus, po));
    STAMP_CHECK(checkCorpusFits(c, probe, s.model->config().nGenes, images));
    out.split = splitCorpus(c, probe);
  }
  auto tr = corpus::CorpusReader::open(c.corpus, trainReaderOptions(c, out.split, s.env.rank, s.env.worldSize, rowsPerMicro, images));
  if (!tr) return tr.error().within("training rows of the corpus");
  if (tr->batchesInEpoch(0) <= 0)
    return makeError(ErrorCode::InvalidArgument, "field \"batch_size\": a micro-batch takes " + std::to_string(rowsPerMicro) + " rows but rank " +
                                                     std::to_string(s.env.rank) + " reads only " + std::to_string(tr->rowsOfRank(0)) +
                                                     " training rows in epoch 0", c.corpus);
  out.stream = std::make_shared<CorpusStream>(std::move(tr).value());
  s.trainRows = std::size_t(out.split.trainRows);
  s.valRows = std::size_t(out.split.valRows);
  s.hasValidation = out.split.valRows > 0;
  if (s.isRoot() && s.hasValidation) {
    auto vr = corpus::CorpusReader::open(c.corpus, valReaderOptions(c, out.split, valRows, images));
    if (!vr) return vr.error().within("validation rows of the corpus");
    out.val = std::make_shared<corpus::CorpusReader>(std::move(vr).value());
  }
  if (!out.split.note.empty() && s.message) s.message(out.split.note);
  // The data-order state: the stream's position after the last micro-batch consumed.
  auto pos = std::make_shared<std::pair<std::int64_t, std::int64_t>>(0, 0);
  const std::int64_t rows = out.split.trainRows + out.split.valRows;
  s.saveDataState = [pos, rows](TrainState& st) {
    st.dataEpoch = pos->first;
    st.dataBatch = pos->second;
    st.dataRows = rows;
  };
  auto stream = out.stream;
  const int accum = c.gradAccum;
  s.restoreDataState = [stream, rows, accum, pos](const TrainState& st) -> Status {
    if (st.dataEpoch < 0) return {};  // an older checkpoint: the position follows from the step
    if (st.dataRows != rows)
      return makeError(ErrorCode::Mismatch, "the corpus changed since the checkpoint (" + std::to_string(st.dataRows) + " rows then, " +
                                                std::to_string(rows) + " now): the run cannot continue in the same order");
    stream->setAnchor(st.step * accum, st.dataEpoch, st.dataBatch);
    *pos = {st.dataEpoch, st.dataBatch};
    return {};
  };
  s.corpusPosition = pos;
  return out;
}

/// Embeds up to max_val_spots held-out rows (file order, no augmentation) and scores retrieval
/// and localisation on them.
Result<MetricsRow> validateCorpusAlignment(Session& s, corpus::CorpusReader& val, const data::PairOptions& po) {
  ValidationPass pass(s);
  const auto dim = s.model->config().outDim;
  std::vector<float> patch, gene;
  std::int64_t n = 0, hits = 0, withCell = 0;
  val.startEpoch(0);
  while (n < s.cfg.maxValSpots) {
    STAMP_ASSIGN(auto batch, val.next());
    if (!batch) break;
    STAMP_ASSIGN(data::PairBatch pb, pairBatchFromCorpus(*batch, val, s.model->config().context, s.model->config().nTokens(), po, s.cfg.seed, 0));
    scoreValidationBatch(s, pb, patch, gene, hits, withCell);
    n += pb.rows;
  }
  return alignmentMetrics(patch, gene, n, dim, hits, withCell);
}

}  // namespace

Status setupCorpusAlignment(Session& s) {
  const auto& c = s.cfg;
  data::PairOptions po;
  STAMP_ASSIGN(po.order, data::parseChannelOrder(s.model->config().channelOrder));
  const int valBatch = std::min(16, c.maxValSpots);
  // Rows per micro-batch: 2 x batch_size, as the sample path (spot + partner) feeds the model.
  STAMP_ASSIGN(CorpusSetup cs, openCorpus(s, 2 * c.batchSize, valBatch, true));
  data::PairOptions train = po;
  train.augment = c.augment;
  const int context = s.model->config().context;
  const std::int64_t nTokens = s.model->config().nTokens();
  auto stream = cs.stream;
  auto pre = std::make_shared<data::Prefetcher<std::pair<data::PairBatch, std::pair<std::int64_t, std::int64_t>>>>(
      [stream, train, context, nTokens, seed = c.seed](std::int64_t j) -> Result<std::pair<data::PairBatch, std::pair<std::int64_t, std::int64_t>>> {
        STAMP_ASSIGN(CorpusStream::Item it, stream->get(j));
        STAMP_ASSIGN(data::PairBatch pb, pairBatchFromCorpus(it.batch, stream->reader(), context, nTokens, train, seed, j));
        return std::pair{std::move(pb), std::pair{it.epoch, it.batchAfter}};
      },
      1, c.prefetch);
  s.micro = [&s, pre](std::int64_t j, std::int64_t) -> Result<MicroLosses> {
    STAMP_ASSIGN(auto got, pre->get(j));
    *s.corpusPosition = got.second;
    return alignmentMicro(s, got.first);
  };
  if (cs.val) {
    auto val = cs.val;
    s.validate = [&s, val, po]() { return validateCorpusAlignment(s, *val, po); };
  }
  return {};
}

namespace {

/// Masked tokens and MLM targets of `rows` token rows, each masked with its own seed.
void maskRows(const std::vector<std::int64_t>& tokens, int rows, int context, const data::MaskOptions& mask, std::uint64_t seed,
              std::vector<std::int64_t>& masked, std::vector<std::int64_t>& targets) {
  const auto L = std::size_t(context);
  masked.resize(tokens.size());
  targets.resize(tokens.size());
  std::int64_t count = 0;
  for (std::size_t r = 0; r < std::size_t(rows); ++r) {
    std::mt19937_64 rng(data::mixSeed(seed, r));
    count += data::maskTokens(&tokens[r * L], context, mask, rng, &masked[r * L], &targets[r * L]);
  }
  if (count != 0) return;
  // The MLM loss needs one masked token: take the first gene token of any row.
  for (std::size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] > 1) {
      masked[i] = 0;
      targets[i] = tokens[i];
      return;
    }
}

/// The MLM cross-entropy over the masked positions (STAMP-SPEC §2), no spatial term.
torch::Tensor mlmLoss(Session& s, const std::vector<std::int64_t>& masked, const std::vector<std::int64_t>& targets, int rows) {
  const int L = s.model->config().context;
  auto in = torch::from_blob(const_cast<std::int64_t*>(masked.data()), {rows, L}, torch::kInt64).to(s.device);
  auto tg = torch::from_blob(const_cast<std::int64_t*>(targets.data()), {rows, L}, torch::kInt64).to(s.device);
  auto& gb = *s.model->spot_backbone;
  torch::Tensor h = gb.hidden(in).states;
  const auto D = h.size(2);
  torch::Tensor flat = model::fitColumns(tg, h.size(1), -100).reshape({-1});
  torch::Tensor keep = (flat != -100).nonzero().squeeze(1);
  // Rows of padding only (no gene token to mask): cross-entropy over nothing would be NaN.
  if (keep.numel() == 0) return h.sum() * 0.0;
  return F::cross_entropy(gb.classifier_head(h.reshape({-1, D}).index_select(0, keep)), flat.index_select(0, keep));
}

Result<MetricsRow> validateCorpusMlm(Session& s, corpus::CorpusReader& val, const data::MaskOptions& mask) {
  ValidationPass pass(s);
  const int L = s.model->config().context;
  double sum = 0;
  std::int64_t n = 0, batches = 0;
  val.startEpoch(0);
  while (n < s.cfg.maxValSpots) {
    STAMP_ASSIGN(auto batch, val.next());
    if (!batch) break;
    STAMP_ASSIGN(auto tokens, tokensFromCorpus(*batch, val, L, s.model->config().nTokens()));
    std::vector<std::int64_t> masked, targets;
    maskRows(tokens, batch->rows, L, mask, data::mixSeed(s.cfg.seed ^ 0x5A5Aull, std::uint64_t(batches)), masked, targets);
    sum += mlmLoss(s, masked, targets, batch->rows).item<double>();
    n += batch->rows;
    ++batches;
  }
  MetricsRow row{0, "val", {}};
  row.values["loss_mlm"] = batches ? sum / double(batches) : 0.0;
  row.values["val_spots"] = double(n);
  return row;
}

}  // namespace

Status setupCorpusPretraining(Session& s) {
  const auto& c = s.cfg;
  if (s.message)
    s.message("pre-training from a corpus: its shards carry no neighbour groups (array coordinates), so the spatial loss is off "
              "and the gene encoder trains on the MLM loss alone");
  const data::MaskOptions mask{c.maskProbability, s.model->config().nTokens()};
  // batch_size counts groups of 9 in the sample path: the same number of spots per micro-batch.
  const int rows = c.batchSize * data::kGroupSize;
  STAMP_ASSIGN(CorpusSetup cs, openCorpus(s, rows, std::min(rows, c.maxValSpots), false));
  const int L = s.model->config().context;
  const std::int64_t nTokens = s.model->config().nTokens();
  struct Masked {
    std::vector<std::int64_t> masked, targets;
    int rows = 0;
    std::pair<std::int64_t, std::int64_t> pos;
  };
  auto stream = cs.stream;
  auto pre = std::make_shared<data::Prefetcher<Masked>>(
      [stream, mask, L, nTokens, seed = c.seed](std::int64_t j) -> Result<Masked> {
        STAMP_ASSIGN(CorpusStream::Item it, stream->get(j));
        STAMP_ASSIGN(auto tokens, tokensFromCorpus(it.batch, stream->reader(), L, nTokens));
        Masked m;
        m.rows = it.batch.rows;
        m.pos = {it.epoch, it.batchAfter};
        maskRows(tokens, m.rows, L, mask, data::mixSeed(seed, std::uint64_t(j) + 0x9000), m.masked, m.targets);
        return m;
      },
      1, c.prefetch);
  s.micro = [&s, pre](std::int64_t j, std::int64_t) -> Result<MicroLosses> {
    STAMP_ASSIGN(Masked b, pre->get(j));
    *s.corpusPosition = b.pos;
    MicroLosses m;
    m.total = mlmLoss(s, b.masked, b.targets, b.rows);
    m.terms = {{"loss_mlm", m.total.detach()}};
    m.rows = b.rows;
    return m;
  };
  if (cs.val) {
    auto val = cs.val;
    s.validate = [&s, val, mask]() { return validateCorpusMlm(s, *val, mask); };
  }
  return {};
}

}  // namespace stamp::core::engine
