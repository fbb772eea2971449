// One alignment step against the reference (../shared/reference/stamp_ref.py): the four losses
// and every parameter's gradient of loss_total.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/model_handle_impl.h"
#include "engine/train_steps.h"
#include "model/weights.h"
#include "test_support.h"

using namespace stamp::core;
namespace fs = std::filesystem;

TEST(TrainingParity, LossesAndGradientsMatchReference) {
  const fs::path ref = stamp::test::sourceDir().parent_path() / "shared/reference/stamp_ref.py";
  if (!fs::exists(ref)) GTEST_SKIP() << "reference not found: " << ref;
  if (!stamp::test::pythonHas("torch,numpy")) GTEST_SKIP() << "/usr/bin/python3 lacks torch/numpy";
  const fs::path dir = stamp::test::scratchDir("train-parity");
  std::string log;
  ASSERT_EQ(stamp::test::runCommand("/usr/bin/python3 " + ref.string() + " fixture --preset tiny --batch 6 --seed 3 --out " + dir.string(), &log), 0) << log;
  std::ofstream(dir / "grads.py") << R"PY(
import sys, importlib.util, torch
spec = importlib.util.spec_from_file_location("ref", sys.argv[1]); ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)
d = sys.argv[2]
m = ref.Stamp(ref.PRESETS["tiny"]); m.load_state_dict(torch.load(d + "/model.pt")); m.train()
import json, struct
def load(path):
    b = open(path, "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8+n]); out = {}
    for k, v in h.items():
        if k == "__metadata__": continue
        dt = {"F32": torch.float32, "I64": torch.int64}[v["dtype"]]; s, e = v["data_offsets"]
        out[k] = torch.frombuffer(bytearray(b[8+n+s:8+n+e]), dtype=dt).reshape(v["shape"])
    return out
x = load(d + "/fixture.safetensors")
l = m.losses(x["tokens"], x["images"], x["regions"], x["refs"], x["pos_labels"])
l["loss_total"].backward()
out = {k: v.detach().reshape(1) for k, v in l.items()}
for k, p in m.named_parameters():
    if p.grad is not None: out["grad." + k] = p.grad
ref.save_safetensors(out, d + "/grads.safetensors")
)PY";
  ASSERT_EQ(stamp::test::runCommand("/usr/bin/python3 " + (dir / "grads.py").string() + " " + ref.string() + " " + dir.string(), &log), 0) << log;
  auto handle = engine::ModelHandle::fromFiles((dir / "model.safetensors").string(), (dir / "config.json").string());
  ASSERT_TRUE(handle.ok()) << handle.error().describe();
  auto m = (*handle)->impl().module;
  m->train();
  auto x = model::readWeights(dir / "fixture.safetensors").value();
  std::map<std::string, torch::Tensor> in(x.tensors.begin(), x.tensors.end());
  engine::BatchTensors t{in["tokens"].to(torch::kLong), in["images"], in["regions"], in["refs"], in["pos_labels"].to(torch::kLong)};
  auto l = engine::alignmentLosses(m, t);
  l.total.backward();
  auto g = model::readWeights(dir / "grads.safetensors").value();
  std::map<std::string, torch::Tensor> want(g.tensors.begin(), g.tensors.end());
  EXPECT_NEAR(l.total.item<double>(), want["loss_total"].item<double>(), 1e-4 * std::abs(want["loss_total"].item<double>()));
  EXPECT_NEAR(l.positioning.item<double>(), want["loss_positioning"].item<double>(), 1e-4 * std::abs(want["loss_positioning"].item<double>()));
  int compared = 0;
  for (auto& item : m->named_parameters()) {
    auto it = want.find("grad." + item.key());
    if (it == want.end()) continue;
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
    const double scale = it->second.abs().max().item<double>() + 1e-8;
    const double diff = (item.value().grad() - it->second).abs().max().item<double>();
    EXPECT_LT(diff / scale, 1e-4) << item.key();
    ++compared;
  }
  EXPECT_GT(compared, 40);
}
