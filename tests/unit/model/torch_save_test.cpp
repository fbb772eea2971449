// torch.save archives: our writer/reader round trip, files written by PyTorch itself, and broken
// or malicious archives.
#include <gtest/gtest.h>

#include <fstream>

#include "model/weights.h"
#include "model/weights_pickle.h"
#include "model/weights_zip.h"
#include "model_test_util.h"

using namespace stamp::core;
using namespace stamp::core::model;
namespace fs = std::filesystem;

namespace {

class TorchSave : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = stamp::test::scratchDir("torchsave"); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

const torch::Tensor* get(const WeightsFile& w, const std::string& name) {
  for (const auto& [k, t] : w.tensors)
    if (k == name) return &t;
  return nullptr;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spit(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

// A zip holding the given entries, written with our own ZipWriter.
void writeZip(const fs::path& p, const std::vector<std::pair<std::string, std::string>>& entries) {
  std::FILE* f = std::fopen(p.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ZipWriter w(f, p.string());
  for (const auto& [name, bytes] : entries) ASSERT_TRUE(w.add(name, bytes.data(), bytes.size()).ok());
  ASSERT_TRUE(w.finish().ok());
  std::fclose(f);
}

}  // namespace

TEST(Crc32, KnownValues) {
  EXPECT_EQ(crc32("123456789", 9), 0xCBF43926u);
  EXPECT_EQ(crc32("", 0), 0u);
  std::string big(1000, 'a');
  EXPECT_EQ(crc32(big.data() + 100, 900, crc32(big.data(), 100)), crc32(big.data(), 1000));
}

TEST_F(TorchSave, OurArchiveRoundTrips) {
  StateDict sd = {{"w", torch::randn({3, 5})},
                  {"scale", torch::full({}, 2.5f)},
                  {"ids", torch::tensor({1, 2, 3}, torch::kLong)},
                  {"half", torch::tensor({0.5f, -1.25f}).to(torch::kHalf)}};
  ASSERT_TRUE(writeTorchSave(dir_ / "m.pt", sd).ok());
  auto w = readTorchSave(dir_ / "m.pt");
  ASSERT_TRUE(w.ok()) << w.error().describe();
  ASSERT_EQ(w->tensors.size(), 4u);
  EXPECT_EQ(w->tensors[0].first, "w");  // file order is kept
  EXPECT_TRUE(torch::equal(*get(*w, "w"), sd[0].second));
  EXPECT_EQ(get(*w, "scale")->dim(), 0);
  EXPECT_EQ(get(*w, "ids")->scalar_type(), torch::kLong);
  EXPECT_EQ(get(*w, "half")->scalar_type(), torch::kFloat);  // converted on reading
  EXPECT_TRUE(torch::equal(*get(*w, "half"), torch::tensor({0.5f, -1.25f})));
}

TEST_F(TorchSave, TruncatedArchivesAreRefused) {
  ASSERT_TRUE(writeTorchSave(dir_ / "m.pt", {{"w", torch::randn({64, 64})}}).ok());
  std::string full = slurp(dir_ / "m.pt");
  for (std::size_t keep : {full.size() - 1, full.size() - 30, full.size() / 2, std::size_t(100), std::size_t(3)}) {
    spit(dir_ / "cut.pt", full.substr(0, keep));
    auto w = readTorchSave(dir_ / "cut.pt");
    ASSERT_FALSE(w.ok()) << "kept " << keep << " bytes";
    EXPECT_EQ(w.error().code, ErrorCode::Format) << w.error().describe();
    EXPECT_NE(w.error().describe().find("cut.pt"), std::string::npos);
  }
}

TEST_F(TorchSave, CorruptStorageFailsItsCrc) {
  ASSERT_TRUE(writeTorchSave(dir_ / "m.pt", {{"w", torch::zeros({256})}}).ok());
  std::string bytes = slurp(dir_ / "m.pt");
  std::size_t at = bytes.find("m/data/0");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 200] ^= 0x40;  // inside the aligned storage bytes that follow the local header
  spit(dir_ / "bad.pt", bytes);
  auto w = readTorchSave(dir_ / "bad.pt");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("CRC"), std::string::npos) << w.error().describe();
}

TEST_F(TorchSave, MaliciousDataPklIsRefused) {
  using namespace std::string_literals;
  std::string evil = "\x80\x02" "cposix\nsystem\nX\x08\x00\x00\x00touch xx\x85R."s;
  writeZip(dir_ / "evil.pt", {{"evil/data.pkl", evil}, {"evil/version", "3\n"}});
  auto w = readTorchSave(dir_ / "evil.pt");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("posix.system"), std::string::npos) << w.error().describe();
  EXPECT_FALSE(fs::exists(dir_ / "xx"));
}

TEST_F(TorchSave, MissingStorageEntryAndNonDictAreErrors) {
  std::string pkl = pickleStateDict({{"w", torch::ones({4})}});
  writeZip(dir_ / "nostorage.pt", {{"a/data.pkl", pkl}, {"a/version", "3\n"}});
  auto w = readTorchSave(dir_ / "nostorage.pt");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("data/0"), std::string::npos) << w.error().describe();
  std::string shortStorage(8, '\0');  // 2 floats where the pickle says 4
  writeZip(dir_ / "short.pt", {{"a/data.pkl", pkl}, {"a/data/0", shortStorage}, {"a/version", "3\n"}});
  EXPECT_FALSE(readTorchSave(dir_ / "short.pt").ok());
  writeZip(dir_ / "plain.zip", {{"readme.txt", "hello"}});
  EXPECT_FALSE(readTorchSave(dir_ / "plain.zip").ok());
  spit(dir_ / "empty.pt", "");
  EXPECT_FALSE(readWeights(dir_ / "empty.pt").ok());
  EXPECT_EQ(readWeights(dir_ / "absent.pt").error().code, ErrorCode::NotFound);
}

TEST_F(TorchSave, ReadsWhatPyTorchWrites) {
  STAMP_REQUIRE_PYTORCH();
  std::string log;
  int rc = stamp::test::runPython(dir_, "gen", R"PY(
import collections, os, torch
torch.manual_seed(0)
base = torch.randn(4, 6)
sd = collections.OrderedDict()
sd['module.a.weight'] = base
sd['module.a.slice'] = base[1:3, 2:5]          # a view with offset and strides, shared storage
sd['module.a.t'] = base.t()                     # a transposed view
sd['module.b.bias'] = torch.randn(5)
sd['module.c.ids'] = torch.arange(3)
torch.save({'state_dict': sd, 'epoch': 7}, 'wrapped.pt')
torch.save({'model': {'x': torch.randn(3).half(), 'y': torch.randn(2, 2).bfloat16(),
                      'z': torch.randn(2).double()}}, 'dtypes.pt')
p = torch.nn.Parameter(torch.randn(2, 2))
torch.save({'p': p}, 'param.pt')
torch.save(sd, 'legacy.pt', _use_new_zipfile_serialization=False)
class Evil:
    def __reduce__(self):
        return (os.system, ('touch PWNED',))
torch.save({'w': torch.ones(2), 'x': Evil()}, 'evil.pt')
for name, t in [('base', base), ('x', torch.load('dtypes.pt')['model']['x']), ('y', torch.load('dtypes.pt')['model']['y'])]:
    t.float().numpy().tofile(name + '.f32')
)PY", &log);
  ASSERT_EQ(rc, 0) << log;
  torch::Tensor base = torch::from_file((dir_ / "base.f32").string(), false, 24, torch::kFloat).reshape({4, 6});

  auto w = readTorchSave(dir_ / "wrapped.pt");
  ASSERT_TRUE(w.ok()) << w.error().describe();
  ASSERT_EQ(w->tensors.size(), 5u);
  EXPECT_EQ(w->tensors[0].first, "module.a.weight");  // prefix handling is the loader's job
  EXPECT_TRUE(torch::equal(*get(*w, "module.a.weight"), base));
  EXPECT_TRUE(torch::equal(*get(*w, "module.a.slice"), base.slice(0, 1, 3).slice(1, 2, 5)));
  EXPECT_TRUE(torch::equal(*get(*w, "module.a.t"), base.t()));
  EXPECT_EQ(get(*w, "module.c.ids")->scalar_type(), torch::kLong);
  EXPECT_TRUE(w->skipped.empty());

  auto d = readTorchSave(dir_ / "dtypes.pt");
  ASSERT_TRUE(d.ok()) << d.error().describe();
  for (const char* k : {"x", "y", "z"}) EXPECT_EQ(get(*d, k)->scalar_type(), torch::kFloat) << k;
  EXPECT_TRUE(torch::equal(*get(*d, "x"), torch::from_file((dir_ / "x.f32").string(), false, 3, torch::kFloat)));
  EXPECT_TRUE(torch::equal(*get(*d, "y"), torch::from_file((dir_ / "y.f32").string(), false, 4, torch::kFloat).reshape({2, 2})));

  auto p = readTorchSave(dir_ / "param.pt");
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(get(*p, "p")->sizes(), torch::IntArrayRef({2, 2}));

  auto legacy = readWeights(dir_ / "legacy.pt");
  ASSERT_FALSE(legacy.ok());
  EXPECT_EQ(legacy.error().code, ErrorCode::Unsupported);

  auto evil = readTorchSave(dir_ / "evil.pt");
  ASSERT_FALSE(evil.ok());
  EXPECT_NE(evil.error().message.find("posix.system"), std::string::npos) << evil.error().describe();
  EXPECT_FALSE(fs::exists(dir_ / "PWNED"));
}

TEST_F(TorchSave, PyTorchReadsWhatWeWrite) {
  STAMP_REQUIRE_PYTORCH();
  torch::Tensor a = torch::arange(12, torch::kFloat).reshape({3, 4});
  ASSERT_TRUE(writeTorchSave(dir_ / "ours.pt", {{"a", a}, {"s", torch::full({}, 3.0f)}, {"i", torch::tensor({5, 6}, torch::kLong)}}).ok());
  std::string log;
  int rc = stamp::test::runPython(dir_, "check", R"PY(
import torch
d = torch.load('ours.pt')
assert type(d).__name__ == 'OrderedDict' and list(d) == ['a', 's', 'i'], d
assert torch.equal(d['a'], torch.arange(12.).reshape(3, 4))
assert d['s'].dim() == 0 and d['s'].item() == 3.0
assert d['i'].dtype == torch.int64 and d['i'].tolist() == [5, 6]
print('ok')
)PY", &log);
  EXPECT_EQ(rc, 0) << log;
}

namespace {

void le(std::string& s, std::uint64_t v, int bytes) {
  for (int k = 0; k < bytes; ++k) s += char((v >> (8 * k)) & 0xFF);
}

// A zip64 archive (all sizes and offsets in zip64 extra fields, zip64 end record + locator), as
// written for archives over 4 GB; built by hand because a real one would be too large.
std::string zip64Archive(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out, cd;
  for (const auto& [name, data] : entries) {
    std::uint64_t offset = out.size();
    std::uint32_t crc = crc32(data.data(), data.size());
    le(out, 0x04034b50, 4), le(out, 45, 2), le(out, 0, 2), le(out, 0, 2), le(out, 0, 4), le(out, crc, 4);
    le(out, 0xFFFFFFFF, 4), le(out, 0xFFFFFFFF, 4), le(out, name.size(), 2), le(out, 20, 2);
    out += name;
    le(out, 1, 2), le(out, 16, 2), le(out, data.size(), 8), le(out, data.size(), 8);
    out += data;
    le(cd, 0x02014b50, 4), le(cd, 45, 2), le(cd, 45, 2), le(cd, 0, 2), le(cd, 0, 2), le(cd, 0, 4), le(cd, crc, 4);
    le(cd, 0xFFFFFFFF, 4), le(cd, 0xFFFFFFFF, 4), le(cd, name.size(), 2), le(cd, 28, 2), le(cd, 0, 2);
    le(cd, 0, 2), le(cd, 0, 2), le(cd, 0, 4), le(cd, 0xFFFFFFFF, 4);
    cd += name;
    le(cd, 1, 2), le(cd, 24, 2), le(cd, data.size(), 8), le(cd, data.size(), 8), le(cd, offset, 8);
  }
  std::uint64_t cdOffset = out.size();
  out += cd;
  std::uint64_t recordOffset = out.size();
  le(out, 0x06064b50, 4), le(out, 44, 8), le(out, 45, 2), le(out, 45, 2), le(out, 0, 4), le(out, 0, 4);
  le(out, entries.size(), 8), le(out, entries.size(), 8), le(out, cd.size(), 8), le(out, cdOffset, 8);
  le(out, 0x07064b50, 4), le(out, 0, 4), le(out, recordOffset, 8), le(out, 1, 4);
  le(out, 0x06054b50, 4), le(out, 0, 2), le(out, 0, 2), le(out, 0xFFFF, 2), le(out, 0xFFFF, 2);
  le(out, 0xFFFFFFFF, 4), le(out, 0xFFFFFFFF, 4), le(out, 0, 2);
  return out;
}

}  // namespace

TEST_F(TorchSave, ReadsZip64Archives) {
  torch::Tensor w = torch::arange(10, torch::kFloat);
  std::string storage(reinterpret_cast<const char*>(w.data_ptr()), 40);
  std::string zip = zip64Archive({{"big/data.pkl", pickleStateDict({{"w", w}})}, {"big/data/0", storage},
                                  {"big/version", "3\n"}});
  spit(dir_ / "big.pt", zip);
  auto r = readTorchSave(dir_ / "big.pt");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->tensors.size(), 1u);
  EXPECT_TRUE(torch::equal(r->tensors[0].second, w));
  spit(dir_ / "cut.pt", zip.substr(0, zip.size() - 40));  // zip64 locator cut off
  EXPECT_FALSE(readTorchSave(dir_ / "cut.pt").ok());
}
