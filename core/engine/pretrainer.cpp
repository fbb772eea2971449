// Gene-encoder pre-training (STAMP-SPEC §2): MLM + spatial loss on groups of 9 neighbours.
#include "engine/train_session.h"

namespace stamp::core::engine {

GroupTensors toTensors(const data::GroupBatch& b, const torch::Device& dev) {
  const std::int64_t rows = std::int64_t(b.groups) * data::kGroupSize;
  auto mk = [&](const std::vector<std::int64_t>& v) {
    return torch::from_blob(const_cast<std::int64_t*>(v.data()), {rows, b.context}, torch::kInt64).to(dev, false, true);
  };
  return {mk(b.tokens), mk(b.masked), mk(b.targets)};
}

namespace {

/// Mean MLM and spatial losses over the validation groups (fixed masks).
Result<MetricsRow> validatePretraining(Session& s, const std::shared_ptr<data::GroupSampler>& val, data::MaskOptions mask) {
  ValidationPass pass(s);
  double mlm = 0, spatial = 0;
  const std::int64_t n = std::max<std::int64_t>(1, val->batchesPerEpoch());
  for (std::int64_t k = 0; k < val->batchesPerEpoch(); ++k) {
    auto t = toTensors(data::buildGroupBatch(s.sources, val->groups(k), mask), s.device);
    auto l = s.model->pretrainLosses(t.tokens, t.masked, t.targets);
    mlm += l.mlm.item<double>();
    spatial += l.spatial.item<double>();
  }
  MetricsRow row{0, "val", {}};
  row.values["loss_mlm"] = mlm / double(n);
  row.values["loss_spatial"] = spatial / double(n);
  row.values["val_spots"] = double(val->batchesPerEpoch() * data::kGroupSize);
  return row;
}

}  // namespace

Status setupPretraining(Session& s) {
  const auto& c = s.cfg;
  data::MaskOptions mask{c.maskProbability, s.model->config().nTokens()};
  auto groups = data::groupSpots(s.sources, s.split.train, c.maxGroupDistance);
  auto sampler = std::make_shared<data::GroupSampler>(std::move(groups), c.batchSize, c.seed);
  if (sampler->batchesPerEpoch() == 0)
    return makeError(ErrorCode::InvalidArgument, "field \"batch_size\": " + std::to_string(c.batchSize) + " groups per batch, but only " +
                                                     std::to_string(sampler->groupCount()) + " neighbour groups of 9 were formed");
  auto sources = s.sources;
  const int world = s.env.worldSize, rank = s.env.rank;
  auto pre = std::make_shared<data::Prefetcher<data::GroupBatch>>(
      [sampler, sources, mask, world, rank](std::int64_t j) -> Result<data::GroupBatch> {
        return data::buildGroupBatch(sources, sampler->groups(j * world + rank), mask);
      },
      c.workers, c.prefetch);
  s.micro = [&s, pre](std::int64_t j, std::int64_t step) -> Result<MicroLosses> {
    STAMP_ASSIGN(data::GroupBatch b, pre->get(j));
    auto t = toTensors(b, s.device);
    auto l = s.model->pretrainLosses(t.tokens, t.masked, t.targets);
    MicroLosses m;
    // The paper's schedule: MLM alone first, then MLM + spatial.
    m.total = step < s.cfg.mlmOnlySteps ? l.mlm + 0 * l.spatial : l.mlm + l.spatial;
    m.terms = {{"loss_mlm", l.mlm.detach()}, {"loss_spatial", l.spatial.detach()}};
    m.rows = std::int64_t(b.groups) * data::kGroupSize;
    return m;
  };
  auto valGroups = evenSubset(data::groupSpots(s.sources, s.split.val, c.maxGroupDistance), std::size_t(std::max(1, c.maxValSpots / 9)));
  const int valPer = std::max(1, std::min(c.batchSize, int(valGroups.size())));
  auto valSampler = std::make_shared<data::GroupSampler>(std::move(valGroups), valPer, c.seed ^ 0x5A5Aull);
  s.validate = [&s, valSampler, mask]() { return validatePretraining(s, valSampler, mask); };
  return {};
}

}  // namespace stamp::core::engine
