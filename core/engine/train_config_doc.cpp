// The documented default run file printed by `stamp train --print-config`.
#include <nlohmann/json.hpp>

#include "engine/train_config.h"

namespace stamp::core::engine {

std::string documentedDefaultConfig(const std::string& mode) {
  TrainConfig c;
  c.mode = mode == "pretrain" ? "pretrain" : "align";
  c.samples = {{"path/to/sample/outs", "", std::nullopt, ""}};
  c.vocab = "path/to/stamp-vocab";
  c.output = "runs/my-run";
  if (c.mode == "pretrain") c.scope = TrainScope::GeneOnly;
  auto j = nlohmann::ordered_json::parse(trainConfigToJson(c));
  nlohmann::ordered_json doc;
  doc["_about"] = c.mode == "align"
                      ? "STAMP alignment fine-tuning (four-term loss). Keys starting with '_' are comments."
                      : "STAMP gene-encoder pre-training (MLM + spatial loss on groups of 9 neighbours). Keys starting with '_' are comments.";
  doc["_samples"] = "list of {st: Space Ranger outs/ | .h5ad | 10x .h5 | HEST root#id, slide: optional image, mpp: optional um/px, slide_id: optional}";
  doc["_corpus"] = "instead of samples: a folder of corpus shards (stamp build-corpus; --with-images for align) or published STAMP shards, "
                   "streamed (shuffled by shard and within corpus_shuffle_buffer rows, each rank reading its own shards); vocab is then "
                   "optional. Pre-training from a corpus uses the MLM loss only (a corpus carries no neighbour groups).";
  doc["_model"] = "config: a config object or config.json path. The default is the tiny structure with n_genes = 20310 "
                  "(the STAMP vocabulary size; preset tiny alone has n_genes 200 and cannot take real tokens) and context 128. "
                  "init_weights: optional .pt/.safetensors to start from (partial: load what fits).";
  doc["_batch_size"] = "align: spots per micro-batch per process, each paired with a random spot of the same slide (rows = 2 x); pretrain: groups of 9";
  doc["_schedule"] = "AdamW(lr, weight_decay); linear warm-up over warmup_steps then cosine to min_lr at `steps`, set every step";
  doc["_train"] = "all | heads (projections + logit_scale) | last_blocks (the last `last_blocks` blocks of both encoders + heads) | gene (gene encoder + spot projection)";
  doc["_mixed_precision"] = "bf16 autocast of the forward passes: on CUDA, and on a CPU with bf16 instructions "
                            "(AVX512_BF16 or AMX; elsewhere the run says so and stays fp32)";
  doc["_split"] = "blocks: square blocks of block_size array units validate (no neighbour leaks), slides: whole slides validate; with a corpus: slides (batch_slide_id) or shards (the last shards)";
  doc["_augment"] = "flips / 90-degree rotations (patch, region, reference and the cell label turn together), colour jitter";
  doc["_output"] = "run folder: checkpoints/step-N/, latest.json, metrics.csv, run.json, final model.safetensors + config.json";
  for (auto& [k, v] : j.items()) doc[k] = v;
  return doc.dump(1);
}

}  // namespace stamp::core::engine
