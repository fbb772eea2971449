// safetensors: round trip, PyTorch-written half precision, and every header defect we refuse.
#include <gtest/gtest.h>

#include <fstream>

#include "model/weights.h"
#include "model_test_util.h"

using namespace stamp::core;
using namespace stamp::core::model;
namespace fs = std::filesystem;

namespace {

class Safetensors : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = stamp::test::scratchDir("safetensors"); }
  void TearDown() override { fs::remove_all(dir_); }

  // A file with the given JSON header (padded to 8 bytes) and `dataBytes` bytes of data.
  fs::path handMade(const std::string& header, std::size_t dataBytes, std::uint64_t claimedLength = 0) {
    std::string h = header;
    h.append((8 - h.size() % 8) % 8, ' ');
    std::uint64_t n = claimedLength ? claimedLength : h.size();
    std::string bytes(8, '\0');
    for (int k = 0; k < 8; ++k) bytes[std::size_t(k)] = char((n >> (8 * k)) & 0xFF);
    bytes += h + std::string(dataBytes, '\x01');
    fs::path p = dir_ / ("h" + std::to_string(counter_++) + ".safetensors");
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  std::string errorOf(const fs::path& p) {
    auto r = readSafetensors(p);
    EXPECT_FALSE(r.ok()) << p;
    return r.ok() ? std::string() : r.error().describe();
  }
  fs::path dir_;
  int counter_ = 0;
};

}  // namespace

TEST_F(Safetensors, RoundTripWithMetadata) {
  StateDict sd = {{"b", torch::randn({2, 3})}, {"a", torch::tensor({4, 5}, torch::kLong)},
                  {"h", torch::tensor({1.5f, -2.0f}).to(torch::kBFloat16)}, {"s", torch::full({}, 7.0f)}};
  ASSERT_TRUE(writeSafetensors(dir_ / "x.safetensors", sd, {{"stamp_config", "{}"}, {"k", "v"}}).ok());
  auto r = readSafetensors(dir_ / "x.safetensors");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->metadata.at("k"), "v");
  EXPECT_EQ(r->metadata.at("stamp_config"), "{}");
  ASSERT_EQ(r->tensors.size(), 4u);
  std::map<std::string, torch::Tensor> m(r->tensors.begin(), r->tensors.end());
  EXPECT_TRUE(torch::equal(m["b"], sd[0].second));
  EXPECT_EQ(m["a"].scalar_type(), torch::kLong);
  EXPECT_EQ(m["h"].scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(m["h"], torch::tensor({1.5f, -2.0f})));
  EXPECT_EQ(m["s"].dim(), 0);
}

TEST_F(Safetensors, HandMadeValidFileReads) {
  auto p = handMade(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}})", 11);
  auto r = readSafetensors(p);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->tensors.size(), 2u);
}

TEST_F(Safetensors, OverlappingOffsetsAreRefused) {
  auto p = handMade(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12);
  EXPECT_NE(errorOf(p).find("overlaps"), std::string::npos);
}

TEST_F(Safetensors, HolesAreRefused) {
  auto gap = handMade(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})", 12);
  EXPECT_NE(errorOf(gap).find("hole"), std::string::npos);
  auto tail = handMade(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 16);
  EXPECT_NE(errorOf(tail).find("not owned"), std::string::npos);
}

TEST_F(Safetensors, HugeHeaderLengthIsRefused) {
  auto p = handMade(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4, 1ull << 30);
  EXPECT_NE(errorOf(p).find("100 MB"), std::string::npos);
  auto beyond = handMade(R"({})", 0, 4096);
  EXPECT_NE(errorOf(beyond).find("beyond the end"), std::string::npos);
}

TEST_F(Safetensors, BadJsonAndBadEntriesAreRefused) {
  EXPECT_NE(errorOf(handMade(R"({"x":{"dtype":"F32",)", 0)).find("JSON"), std::string::npos);
  EXPECT_NE(errorOf(handMade(R"([1,2])", 0)).find("JSON object"), std::string::npos);
  EXPECT_NE(errorOf(handMade(R"({"x":{"dtype":"F8_E9","shape":[1],"data_offsets":[0,1]}})", 1)).find("dtype"),
            std::string::npos);
  EXPECT_NE(errorOf(handMade(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8)).find("extent"),
            std::string::npos);
  EXPECT_NE(errorOf(handMade(R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4)).find("shape"),
            std::string::npos);
  EXPECT_NE(errorOf(handMade(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4)).find("outside"),
            std::string::npos);
  EXPECT_NE(errorOf(handMade(R"({"x":{"dtype":"F32","shape":[1]}})", 4)).find("data_offsets"), std::string::npos);
  EXPECT_NE(errorOf(handMade(R"({"__metadata__":{"a":1}})", 0)).find("__metadata__"), std::string::npos);
}

TEST_F(Safetensors, TruncatedFileIsRefused) {
  ASSERT_TRUE(writeSafetensors(dir_ / "x.safetensors", {{"w", torch::randn({100})}}).ok());
  fs::resize_file(dir_ / "x.safetensors", fs::file_size(dir_ / "x.safetensors") - 10);
  EXPECT_FALSE(readSafetensors(dir_ / "x.safetensors").ok());
  fs::resize_file(dir_ / "x.safetensors", 5);
  EXPECT_FALSE(readSafetensors(dir_ / "x.safetensors").ok());
}

TEST_F(Safetensors, ReadsHalfPrecisionWrittenByPython) {
  STAMP_REQUIRE_PYTORCH();
  std::string log;
  int rc = stamp::test::runPython(dir_, "gen", R"PY(
import json, struct, torch
torch.manual_seed(1)
ts = {'f16': torch.randn(3, 4).half(), 'bf16': torch.randn(5).bfloat16(), 'f64': torch.randn(2).double()}
names = {torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64'}
hdr, blobs, off = {}, [], 0
for k, t in ts.items():
    b = t.contiguous().view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
    hdr[k] = {'dtype': names[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
    blobs.append(b); off += len(b)
js = json.dumps(hdr).encode()
open('half.safetensors', 'wb').write(struct.pack('<Q', len(js)) + js + b''.join(blobs))
for k, t in ts.items():
    t.float().numpy().tofile(k + '.f32')
)PY", &log);
  ASSERT_EQ(rc, 0) << log;
  auto r = readSafetensors(dir_ / "half.safetensors");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  std::map<std::string, torch::Tensor> m(r->tensors.begin(), r->tensors.end());
  EXPECT_TRUE(torch::equal(m["f16"], torch::from_file((dir_ / "f16.f32").string(), false, 12, torch::kFloat).reshape({3, 4})));
  EXPECT_TRUE(torch::equal(m["bf16"], torch::from_file((dir_ / "bf16.f32").string(), false, 5, torch::kFloat)));
  EXPECT_TRUE(torch::equal(m["f64"], torch::from_file((dir_ / "f64.f32").string(), false, 2, torch::kFloat)));
}
