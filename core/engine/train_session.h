#pragma once
// Internal to the trainer: the state of one run and the per-mode hooks of the shared loop.
#include <functional>
#include <map>
#include <memory>

#include <torch/torch.h>

#include "engine/checkpoint.h"
#include "engine/model_handle.h"
#include "engine/train_steps.h"
#include "engine/trainer.h"
#include "model/autocast.h"

namespace stamp::core::engine {

/// Loss terms of one micro-batch (0-dim tensors; `total` is what backward runs on).
struct MicroLosses {
  torch::Tensor total;
  std::map<std::string, torch::Tensor> terms;  // metric name -> value
  std::int64_t rows = 0;                        // model inputs (for samples/s)
};

struct Session {
  TrainConfig cfg;
  DistEnv env;
  std::unique_ptr<Communicator> comm;
  std::shared_ptr<ModelHandle> handle;
  model::Stamp model{nullptr};
  torch::Device device{torch::kCPU};
  std::vector<torch::Tensor> params;
  std::unique_ptr<torch::optim::AdamW> opt;
  data::Sources sources;
  data::Split split;
  TrainState state;
  std::unique_ptr<MetricsLog> log;
  bool autocast = false;
  /// Micro-batch `j` of this rank (j = step * grad_accum + a) -> losses.
  std::function<Result<MicroLosses>(std::int64_t j, std::int64_t step)> micro;
  /// A validation pass on rank 0 (eval mode, no grad); run only when `hasValidation`.
  std::function<Result<MetricsRow>()> validate;
  bool hasValidation = false;
  std::size_t trainRows = 0, valRows = 0;  // spots (or corpus rows) that train / validate
  /// Streamed corpus runs: put the data position into the state before a checkpoint, and take
  /// it back after loading one (so a resumed run reads on from where the checkpoint stood).
  std::function<void(TrainState&)> saveDataState;
  std::function<Status(const TrainState&)> restoreDataState;
  std::shared_ptr<std::pair<std::int64_t, std::int64_t>> corpusPosition;  // after the last micro-batch
  std::function<void(const std::string&)> message;  // notices for the user (rank 0)
  bool isRoot() const { return env.rank == 0; }
  /// The precision of the forward passes: bf16 in a mixed-precision run.
  model::Precision precision() const { return autocast ? model::Precision::Bf16 : model::Precision::Fp32; }
};

/// What every validation pass holds: no autograd, eval mode, and the run's autocast (a
/// mixed-precision run validates in bf16, as fast as it trains).
class ValidationPass {
 public:
  explicit ValidationPass(Session& s) : autocast_(s.device, s.precision()) { s.model->eval(); }

 private:
  torch::NoGradGuard noGrad_;
  model::AutocastScope autocast_;
};

/// Embeds a validation batch's patches and spots (appended to `patch` and `gene`, float rows)
/// and counts the localisation hits among its rows that have a cell.
void scoreValidationBatch(Session& s, const data::PairBatch& pb, std::vector<float>& patch,
                          std::vector<float>& gene, std::int64_t& hits, std::int64_t& withCell);

/// The alignment losses of one pair batch on the session's device (align_step.cpp); both the
/// in-memory and the corpus alignment runs use it.
MicroLosses alignmentMicro(Session& s, const data::PairBatch& b);

/// Mode set-up (defined in align_step.cpp / pretrainer.cpp): fills micro/validate.
Status setupAlignment(Session& s);
Status setupPretraining(Session& s);
/// The same from a corpus folder (corpus_train.cpp): batches streamed through CorpusReader.
Status setupCorpusAlignment(Session& s);
Status setupCorpusPretraining(Session& s);

/// Validation figures from the embeddings of n spots (rows of `patch`/`gene`, out_dim wide)
/// and the localisation hits among the spots with a cell.
Result<MetricsRow> alignmentMetrics(const std::vector<float>& patch, const std::vector<float>& gene, std::int64_t n,
                                    std::int64_t dim, std::int64_t hits, std::int64_t withCell);

/// Up to `n` items spread evenly over `items` (deterministic).
template <class T>
std::vector<T> evenSubset(const std::vector<T>& items, std::size_t n) {
  if (items.size() <= n) return items;
  std::vector<T> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(items[i * items.size() / n]);
  return out;
}

}  // namespace stamp::core::engine
