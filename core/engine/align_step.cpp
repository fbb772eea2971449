// Alignment fine-tuning: the micro-batch step (four-term loss) and the validation pass.
#include <cstring>

#include "analysis/embedding_stats.h"
#include "engine/train_session.h"

namespace stamp::core::engine {

Result<std::vector<torch::Tensor>> selectTrainable(model::Stamp& m, TrainScope scope, int lastBlocks) {
  const auto& c = m->config();
  auto starts = [](const std::string& n, const std::string& p) { return n.rfind(p, 0) == 0; };
  auto inLastBlocks = [&](const std::string& n, const std::string& prefix, int depth) {
    for (int i = std::max(0, depth - lastBlocks); i < depth; ++i)
      if (starts(n, prefix + std::to_string(i) + ".")) return true;
    return false;
  };
  std::vector<torch::Tensor> out;
  for (auto& item : m->named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor p = item.value();
    const bool head = starts(name, "spot_projection.") || starts(name, "patch_projection.") || starts(name, "region_projection.") ||
                      starts(name, "positioning_projection.") || name == "logit_scale";
    bool on = true;
    switch (scope) {
      case TrainScope::All: on = true; break;
      case TrainScope::Heads: on = head; break;
      case TrainScope::GeneOnly: on = starts(name, "spot_backbone.") || starts(name, "spot_projection."); break;
      case TrainScope::LastBlocks:
        on = head || inLastBlocks(name, "visual_backbone.base_model.blocks.", c.visDepth) ||
             inLastBlocks(name, "spot_backbone.encoder.layers.", c.geneLayers) || starts(name, "visual_backbone.base_model.norm.") ||
             starts(name, "spot_backbone.classifier_head.") || starts(name, "spot_backbone.spatial_classifier_head.");
        break;
    }
    p.set_requires_grad(on);
    if (on) out.push_back(p);
  }
  if (out.empty()) return makeError(ErrorCode::InvalidArgument, std::string("field \"train\": \"") + toString(scope) + "\" selects no parameter");
  return out;
}

BatchTensors toTensors(const data::PairBatch& b, const torch::Device& dev) {
  const std::int64_t n = b.rows;
  const int P = data::kPatchPx, R = data::kRefPx;
  BatchTensors t;
  t.tokens = torch::from_blob(const_cast<std::int64_t*>(b.tokens.data()), {n, b.context}, torch::kInt64).to(dev, false, true);
  t.patches = torch::from_blob(const_cast<float*>(b.patches.data()), {n, 3, P, P}).to(dev, false, true);
  t.regions = torch::from_blob(const_cast<float*>(b.regions.data()), {n, 3, P, P}).to(dev, false, true);
  t.refs = torch::from_blob(const_cast<float*>(b.refs.data()), {n, 3, R, R}).to(dev, false, true);
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = b.hasCell[i] ? b.cells[i] : -100;
  t.labels = torch::tensor(labels, torch::kInt64).to(dev);
  return t;
}

model::AlignmentLosses alignmentLosses(model::Stamp& m, const BatchTensors& t) {
  const bool anyCell = (t.labels >= 0).any().item<bool>();
  // F::cross_entropy ignores label -100; a batch with no cell at all would give NaN, so its
  // positioning term is computed on dummy labels and then zeroed.
  auto l = m->losses(t.tokens, t.patches, t.regions, t.refs, anyCell ? t.labels : torch::zeros_like(t.labels));
  if (!anyCell) l.positioning = l.positioning * 0;
  l.total = l.patchSpot + l.patchRegion + l.regionSpot + l.positioning;
  return l;
}

Result<MetricsRow> alignmentMetrics(const std::vector<float>& patchEmb, const std::vector<float>& geneEmb, std::int64_t n,
                                    std::int64_t dim, std::int64_t hits, std::int64_t withCell) {
  st::DenseMatrix patch{n, dim, patchEmb}, gene{n, dim, geneEmb};
  STAMP_ASSIGN(auto p2s, analysis::recallAtK(patch, gene, {1, 5, 10}));
  STAMP_ASSIGN(auto s2p, analysis::recallAtK(gene, patch, {1, 5, 10}));
  MetricsRow row{0, "val", {}};
  const char* ks[] = {"1", "5", "10"};
  for (int i = 0; i < 3; ++i) {
    row.values[std::string("recall") + ks[i] + "_patch_to_spot"] = p2s[std::size_t(i)];
    row.values[std::string("recall") + ks[i] + "_spot_to_patch"] = s2p[std::size_t(i)];
  }
  if (withCell) row.values["localization_accuracy"] = double(hits) / double(withCell);
  row.values["val_spots"] = double(n);
  return row;
}

namespace {

/// Embeds the validation spots (no augmentation, fixed cells) and scores retrieval and
/// localisation.
Result<MetricsRow> validateAlignment(Session& s, const std::vector<data::SpotRef>& spots) {
  ValidationPass pass(s);
  const std::size_t n = spots.size(), bs = 16;
  std::vector<float> patch, gene;
  std::int64_t hits = 0, withCell = 0;
  data::PairOptions po;
  STAMP_ASSIGN(po.order, data::parseChannelOrder(s.model->config().channelOrder));
  for (std::size_t b = 0; b < n; b += bs) {
    std::vector<std::pair<data::SpotRef, std::uint64_t>> rows;
    for (std::size_t i = b; i < std::min(n, b + bs); ++i) rows.push_back({spots[i], data::mixSeed(s.cfg.seed ^ 0x5A5A, i)});
    STAMP_ASSIGN(data::PairBatch pb, data::buildPairBatch(s.sources, rows, po));
    scoreValidationBatch(s, pb, patch, gene, hits, withCell);
  }
  return alignmentMetrics(patch, gene, std::int64_t(n), s.model->config().outDim, hits, withCell);
}

}  // namespace

void scoreValidationBatch(Session& s, const data::PairBatch& pb, std::vector<float>& patch,
                          std::vector<float>& gene, std::int64_t& hits, std::int64_t& withCell) {
  auto t = toTensors(pb, s.device);
  auto append = [](const torch::Tensor& e, std::vector<float>& to) {
    auto c = e.to(torch::kCPU, torch::kFloat).contiguous();  // bf16 in a mixed-precision run
    to.insert(to.end(), c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  };
  append(s.model->encodeImages(t.patches).embedding, patch);
  append(s.model->encodeGenes(t.tokens).embedding, gene);
  auto pred = s.model->localize(t.regions, t.refs).argmax(1).to(torch::kCPU);
  for (std::int64_t i = 0; i < pb.rows; ++i)
    if (pb.hasCell[std::size_t(i)]) {
      ++withCell;
      hits += pred[i].item<std::int64_t>() == pb.cells[std::size_t(i)];
    }
}

MicroLosses alignmentMicro(Session& s, const data::PairBatch& b) {
  auto l = alignmentLosses(s.model, toTensors(b, s.device));
  MicroLosses m;
  m.total = l.total;
  m.terms = {{"loss_patch_spot", l.patchSpot.detach()}, {"loss_patch_region", l.patchRegion.detach()},
             {"loss_region_spot", l.regionSpot.detach()}, {"loss_positioning", l.positioning.detach()}};
  m.rows = b.rows;
  return m;
}

Status setupAlignment(Session& s) {
  const auto& c = s.cfg;
  data::PairOptions po;
  STAMP_ASSIGN(po.order, data::parseChannelOrder(s.model->config().channelOrder));
  po.augment = c.augment;
  auto sampler = std::make_shared<data::PairSampler>(s.sources, s.split.train, c.batchSize, c.seed);
  if (sampler->batchesPerEpoch() == 0)
    return makeError(ErrorCode::InvalidArgument, "field \"batch_size\": " + std::to_string(c.batchSize) + " is larger than the " +
                                                     std::to_string(s.split.train.size()) + " training spots");
  auto sources = s.sources;
  const int world = s.env.worldSize, rank = s.env.rank;
  auto pre = std::make_shared<data::Prefetcher<data::PairBatch>>(
      [sampler, sources, po, world, rank](std::int64_t j) { return data::buildPairBatch(sources, sampler->rows(j * world + rank), po); },
      c.workers, c.prefetch);
  s.micro = [&s, pre](std::int64_t j, std::int64_t) -> Result<MicroLosses> {
    STAMP_ASSIGN(data::PairBatch b, pre->get(j));
    return alignmentMicro(s, b);
  };
  auto val = evenSubset(s.split.val, std::size_t(c.maxValSpots));
  s.validate = [&s, val]() { return validateAlignment(s, val); };
  return {};
}

}  // namespace stamp::core::engine
