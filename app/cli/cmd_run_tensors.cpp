// stamp run-tensors: runs the STAMP model on named input tensors (a parity fixture) and writes
// the named outputs, so that our numbers can be compared with the PyTorch reference.
#include <cstdio>
#include <iostream>

#include "cli_common.h"
#include "commands.h"
#include "common/threads.h"
#include "engine/model_handle.h"
#include "model/model_runner.h"

namespace stamp::app::cli {
using namespace stamp::core;

/// Compares the outputs with the same-named tensors of `expectPath` (a reference fixture) and
/// prints one line each; kOk when all are within `rtol` relative, 1 otherwise.
static int checkParity(const model::NamedTensors& out, const std::string& expectPath, double rtol) {
  auto expected = model::readTensorFile(expectPath);
  if (!expected) return fail(expected.error().describe());
  const auto checks = model::compareOutputs(out, *expected);
  if (checks.empty()) return fail(expectPath + ": holds no output tensor to compare with (only inputs)");
  int bad = 0;
  for (const auto& c : checks) {
    const bool ok = !c.missing && c.shapeMatches && c.worstRelative <= rtol;
    bad += !ok;
    if (c.missing) std::printf("%-22s MISSING (the reference has it, this run did not compute it)\n", c.name.c_str());
    else std::printf("%-22s max |diff| %.3e  relative %.3e  %s\n", c.name.c_str(), c.maxAbsDiff, c.worstRelative,
                     !c.shapeMatches ? "SHAPE DIFFERS" : ok ? "ok" : "BEYOND TOLERANCE");
  }
  std::printf("parity with %s: %s (%zu outputs, tolerance %g relative)\n", expectPath.c_str(),
              bad ? "FAILED" : "ok", checks.size(), rtol);
  return bad ? 1 : kOk;
}

static int runRunTensors(Args& a) {
  const double rtol = a.getDouble("rtol", 1e-4);
  if (!a.error().empty()) return fail(a.error());
  if (!(rtol > 0)) return fail("--rtol must be positive");
  if (a.has("rtol") && !a.has("expect")) return fail("--rtol is the tolerance of --expect: give --expect FILE too");
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
  if (auto expect = a.get("expect")) return checkParity(*out, *expect, rtol);
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
          "(parity of a CUDA build); --precision bf16/fp16 under autocast. --expect compares the\n"
          "outputs with a reference fixture's (exit 1 beyond --rtol).",
          "--weights FILE --inputs FILE.safetensors --out FILE.safetensors [--config FILE] [--device D]\n"
          "  [--precision P] [--expect FILE [--rtol R]]",
          {{"weights", "FILE", "model weights (.pt torch.save archive or .safetensors)", true},
           {"config", "FILE", "model config JSON (keys of the reference config.json)", false},
           {"inputs", "FILE", "safetensors file with the input tensors", true},
           {"out", "FILE", "safetensors file to write the outputs to", true},
           {"partial", "", "load weights that do not fully fit the model (report, do not fail)", false},
           {"device", "D", "cpu, cuda or cuda:N (default cpu)", false},
           precisionOption(),
           {"expect", "FILE", "safetensors with the reference's outputs (e.g. the fixture itself) to compare with", false},
           {"rtol", "R", "tolerance of --expect, relative to |ref| + mean |ref| (default 1e-4; ~3e-2 for bf16)", false}},
          0,
          0,
          runRunTensors};
}

}  // namespace stamp::app::cli
