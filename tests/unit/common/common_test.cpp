#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/atomic_file.h"
#include "common/progress.h"
#include "common/safetensors.h"
#include "common/sha256.h"
#include "test_support.h"

using namespace stamp::core;
namespace fs = std::filesystem;

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(sha256Hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string million(1000000, 'a');
  EXPECT_EQ(sha256Hex(million.data(), million.size()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(AtomicFile, WritesCompletelyAndLeavesNoTempOnFailure) {
  fs::path dir = stamp::test::scratchDir("atomic");
  ASSERT_TRUE(writeFileAtomic(dir / "a.txt", std::string("hello")).ok());
  EXPECT_EQ(*readFile(dir / "a.txt"), "hello");
  ASSERT_TRUE(writeFileAtomic(dir / "a.txt", std::string("second")).ok());
  EXPECT_EQ(*readFile(dir / "a.txt"), "second");
  // A producer that fails leaves the old file and no temporary behind.
  auto st = writeViaTemp(dir / "a.txt", [](const fs::path& tmp) -> Status {
    std::ofstream(tmp) << "partial";
    return makeError(ErrorCode::Io, "disk full");
  });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(*readFile(dir / "a.txt"), "second");
  int files = 0;
  for (auto& e : fs::directory_iterator(dir)) { (void)e; ++files; }
  EXPECT_EQ(files, 1);
  auto missingDir = writeFileAtomic(dir / "no" / "such" / "f.txt", std::string("x"));
  ASSERT_FALSE(missingDir.ok());
  EXPECT_EQ(missingDir.error().code, ErrorCode::NotFound);
  fs::remove_all(dir);
}

TEST(Progress, ReportsEtaAndCancelsAcrossThreads) {
  std::vector<ProgressUpdate> seen;
  CancelToken token;
  ProgressReporter p([&](const ProgressUpdate& u) { seen.push_back(u); }, token, 0.0);
  p.begin("work", 10);
  for (int i = 0; i < 10; ++i) p.advance();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().done, 10);
  EXPECT_DOUBLE_EQ(seen.back().fraction(), 1.0);
  EXPECT_TRUE(p.check().ok());
  std::thread([token] { token.cancel(); }).join();
  ASSERT_FALSE(p.check().ok());
  EXPECT_EQ(p.check().error().code, ErrorCode::Cancelled);
}

TEST(Safetensors, RoundTripAndHostileHeaders) {
  fs::path dir = stamp::test::scratchDir("st");
  std::map<std::string, RawTensor> t = {{"a", makeI64Tensor({1, 2, 3, 4}, {2, 2})},
                                        {"b", makeF32Tensor({0.5f}, {1})}};
  ASSERT_TRUE(writeSafetensors((dir / "x.safetensors").string(), t, {{"k", "v"}}).ok());
  auto back = readSafetensors((dir / "x.safetensors").string());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->tensors.at("a").bytes, t["a"].bytes);
  EXPECT_EQ(back->metadata.at("k"), "v");
  auto bytes = *readFile(dir / "x.safetensors");
  auto header = [](const std::string& js) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[std::size_t(i)] = char((js.size() >> (8 * i)) & 0xff);
    return s + js;
  };
  EXPECT_FALSE(parseSafetensors(bytes.substr(0, bytes.size() - 3), "t").ok());  // truncated
  std::string huge(8, '\0');
  huge[3] = char(0x40);  // 1 GiB header length
  auto r = parseSafetensors(huge, "huge.safetensors");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("100 MB"), std::string::npos);
  std::string overlap = header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})") + std::string(8, '\0');
  EXPECT_NE(parseSafetensors(overlap, "o").error().message.find("overlaps"), std::string::npos);
  std::string hole = header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})") + std::string(8, '\0');
  EXPECT_NE(parseSafetensors(hole, "h").error().message.find("hole"), std::string::npos);
  EXPECT_FALSE(parseSafetensors(header("{not json"), "j").ok());
  EXPECT_FALSE(parseSafetensors(header(R"({"a":{"dtype":"X9","shape":[1],"data_offsets":[0,4]}})") + "abcd", "d").ok());
  fs::remove_all(dir);
}
