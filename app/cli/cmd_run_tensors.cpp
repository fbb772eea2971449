// stamp run-tensors: runs the STAMP model on named input tensors (a parity fixture) and writes
// the named outputs, so that our numbers can be compared with the PyTorch reference.
#include <iostream>

#include "cli_common.h"
#include "commands.h"
#include "common/threads.h"
#include "engine/model_handle.h"
#include "model/model_runner.h"

namespace stamp::app::cli {
using namespace stamp::core;

static int runRunTensors(Args& a) {
  setupComputeThreads();
  std::optional<std::filesystem::path> config;
  if (auto c = a.get("config")) config = *c;
  model::LoadOptions opt;
  opt.partial = a.has("partial");
  auto device = engine::resolveDevice(a.getOr("device", "cpu"));
  if (!device) return fail(device.error().describe());
  auto precision = precisionFromArgs(a);
  if (!precision) return fail(precision.error().describe());
  auto m = model::loadModel(*a.get("weights"), config, opt);
  if (!m) return fail(m.error().describe());
  m->model->to(torch::Device(*device));
  if (!m->report.clean() || !m->report.optionalMissing.empty())
    std::cerr << "stamp: warning: " << m->report.summary() << "\n";
  auto inputs = model::readTensorFile(*a.get("inputs"));
  if (!inputs) return fail(inputs.error().describe());
  auto out = model::runTensors(m->model, *inputs, *precision);
  if (!out) return fail(out.error().within(*a.get("inputs")).describe());
  if (out->count("gene_invalid"))
    std::cerr << "stamp: warning: " << out->at("gene_invalid").sum().item<std::int64_t>()
              << " spot(s) have no expressed token: their gene rows are zero (see gene_invalid)\n";
  Status st = model::writeTensorFile(*a.get("out"), *out, {{"stamp_config", model::configToJson(m->config)}});
  if (!st) return fail(st.error().describe());
  std::cout << "wrote " << out->size() << " tensors to " << *a.get("out") << "\n";
  return kOk;
}

Command runTensorsCommand() {
  return {"run-tensors",
          "Run STAMP on named tensors (parity fixture) and write the outputs\n"
          "Inputs (any subset): tokens, images, regions, refs, pos_labels, pretrain_groups,\n"
          "pretrain_masked, pretrain_mlm_targets. Outputs: gene_features, image_features, gene_emb,\n"
          "image_emb, loc_logits, loss_* and pretrain_*_loss (shape [1]); gene_invalid when a spot\n"
          "has no expressed token. The config comes from --config, else the weights' safetensors\n"
          "metadata, else config.json beside the weights. --device cuda runs it on the GPU\n"
          "(parity of a CUDA build); --precision bf16/fp16 under autocast.",
          "--weights FILE --inputs FILE.safetensors --out FILE.safetensors [--config FILE] [--device D]",
          {{"weights", "FILE", "model weights (.pt torch.save archive or .safetensors)", true},
           {"config", "FILE", "model config JSON (keys of the reference config.json)", false},
           {"inputs", "FILE", "safetensors file with the input tensors", true},
           {"out", "FILE", "safetensors file to write the outputs to", true},
           {"partial", "", "load weights that do not fully fit the model (report, do not fail)", false},
           {"device", "D", "cpu, cuda or cuda:N (default cpu)", false},
           precisionOption()},
          0,
          0,
          runRunTensors};
}

}  // namespace stamp::app::cli
