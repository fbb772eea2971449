#include "engine/query.h"

#include "engine/model_handle_impl.h"
#include "st/tokenizer.h"

namespace stamp::core::engine {
namespace {

/// One embedding of the model, as floats.
template <typename Forward>
Result<std::vector<float>> embedOne(const ModelHandle& model, Forward forward) {
  STAMP_ASSIGN(torch::Tensor c, inferOnCpu(model.impl(), "the query embedding", forward));
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

Result<std::vector<float>> embedPatch(const ModelHandle& model, const data::RgbImage& patch) {
  if (patch.width < 1 || patch.height < 1) return makeError(ErrorCode::InvalidArgument, "the query patch is empty");
  STAMP_ASSIGN(data::ChannelOrder order, data::parseChannelOrder(model.config().channelOrder));
  auto img = data::resizeRgb(patch, data::kPatchPx, data::kPatchPx);
  auto t = torch::empty({1, 3, data::kPatchPx, data::kPatchPx});
  data::normalizeToChw(img, order, t.data_ptr<float>());
  return embedOne(model, [&](ModelHandle::Impl& impl) { return impl.module->encodeImages(t.to(impl.device)).embedding[0]; });
}

Result<std::vector<float>> embedGenes(const ModelHandle& model, const st::Vocabulary& vocab,
                                      const std::vector<std::pair<std::string, double>>& genes,
                                      std::vector<std::string>* unknown) {
  if (int(vocab.size()) > model.config().nGenes)
    return makeError(ErrorCode::Mismatch, "the model was built for fewer genes than the vocabulary holds");
  std::vector<std::pair<int, double>> entries;
  std::vector<std::string> missing;
  for (const auto& [name, w] : genes) {
    int idx = vocab.indexOf({name, name});
    if (idx < 0 || !(w > 0)) missing.push_back(name);
    else entries.emplace_back(idx, w);
  }
  if (unknown) *unknown = missing;
  if (entries.empty()) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 5; ++i) list += (i ? ", " : "") + missing[i];
    return makeError(ErrorCode::InvalidArgument, "none of the query genes is in the STAMP vocabulary" + (list.empty() ? std::string() : " (" + list + ")"));
  }
  const int context = model.config().context;
  std::vector<st::TokenId> row(std::size_t(context), 0);
  st::tokenizeSpot(entries, vocab.roundedMeans(), context, row.data());
  return embedOne(model, [&](ModelHandle::Impl& impl) {
    auto tokens = torch::from_blob(row.data(), {1, context}, torch::kInt32).to(impl.device, torch::kInt64);
    return impl.module->encodeGenes(tokens).embedding[0];
  });
}

}  // namespace stamp::core::engine
