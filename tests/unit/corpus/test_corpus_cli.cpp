// `stamp build-corpus` as a child process: SIGKILL mid-build, resume, compare with an
// uninterrupted build byte for byte; h5py reads the shards with the documented layout.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "corpus_fixture.h"

namespace stamp::test::corpustest {
namespace {

fs::path cli() { return binaryDir() / "app" / "cli" / "stamp"; }

/// Writes the inputs list: the two real subsets and the demo sample twice (outs/ and HEST).
fs::path writeList(const fs::path& dir, const fs::path& visium) {
  std::ofstream list(dir / "inputs.txt");
  // The quick real subsets first, so that the kill after the first record lands mid-build.
  list << (visium / "human-heart-v1-subset").string() << "\n" << (visium / "mouse-brain-mtx-subset").string() << "\n"
       << demoSample().outsDir << "\n" << demoSample().hestRoot << "\n";
  return dir / "inputs.txt";
}

std::vector<std::string> buildArgs(const fs::path& list, const fs::path& out) {
  return {cli().string(), "build-corpus", "--inputs", list.string(), "--out", out.string(), "--vocab",
          vocabDir()->string(), "--with-images", "--mpp", "2.0", "--shard-size", "50", "--workers", "1", "--seed", "9"};
}

std::string joined(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += shellQuote(a) + " ";
  return s;
}

int countRecords(const fs::path& work) {
  int n = 0;
  std::error_code ec;
  for (fs::directory_iterator it(work, ec), end; !ec && it != end; it.increment(ec))
    n += it->path().extension() == ".json" && it->path().filename() != "build.json";
  return n;
}

/// Starts the build as a child and SIGKILLs it once it has completed `records` samples.
void killMidway(const std::vector<std::string>& args, const fs::path& out, int records) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    (void)!::freopen("/dev/null", "w", stderr);
    (void)!::freopen("/dev/null", "w", stdout);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  for (int i = 0; i < 6000; ++i) {  // at most 10 minutes; never a timing assertion
    if (countRecords(out / ".corpus") >= records) break;
    if (::waitpid(pid, &status, WNOHANG) == pid) FAIL() << "the build ended before it could be killed";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
}

}  // namespace

TEST(CorpusCli, KilledBuildResumesToTheSameFiles) {
  STAMP_REQUIRE_VOCAB();
  STAMP_REQUIRE_DATA("visium");
  if (!fs::exists(cli())) GTEST_SKIP() << "build the `stamp` target first: " << cli();
  const fs::path dir = scratchDir("corpus-cli");
  const fs::path list = writeList(dir, dataPath);
  std::string log;
  ASSERT_EQ(runCommand(joined(buildArgs(list, dir / "a")), &log), 0) << log;

  killMidway(buildArgs(list, dir / "b"), dir / "b", 1);
  ASSERT_FALSE(fs::exists(dir / "b" / "manifest.json")) << "killed before completion";
  ASSERT_EQ(runCommand(joined(buildArgs(list, dir / "b")), &log), 0) << log;
  EXPECT_NE(log.find("(resumed)"), std::string::npos) << log;

  auto manifest = readJson(dir / "a" / "manifest.json");
  ASSERT_GE(manifest["shards"].size(), 2u);
  for (const auto& s : manifest["shards"]) {
    const std::string f = s["file"].get<std::string>();
    EXPECT_EQ(slurp(dir / "a" / f), slurp(dir / "b" / f)) << f << " differs after the resume";
  }
  EXPECT_EQ(slurp(dir / "a" / "manifest.json"), slurp(dir / "b" / "manifest.json"));
  EXPECT_EQ(slurp(dir / "a" / "summary.txt"), slurp(dir / "b" / "summary.txt"));
  EXPECT_FALSE(fs::exists(dir / "b" / ".corpus"));
  if (!HasFailure()) fs::remove_all(dir);  // two corpora with images; kept when failing
}

TEST(CorpusCli, H5pyReadsTheDocumentedLayout) {
  STAMP_REQUIRE_VOCAB();
  if (!fs::exists(cli())) GTEST_SKIP() << "build the `stamp` target first: " << cli();
  if (!pythonHas("h5py,numpy")) GTEST_SKIP() << "/usr/bin/python3 lacks h5py";
  const fs::path dir = scratchDir("corpus-h5py");
  std::string log;
  ASSERT_EQ(runCommand(joined({cli().string(), "build-corpus", "--inputs", demoSample().outsDir, "--out",
                               (dir / "c").string(), "--vocab", vocabDir()->string(), "--with-images"}), &log), 0)
      << log;
  const std::string script =
      "import h5py, json, sys\n"
      "f = h5py.File(sys.argv[1], 'r')\n"
      "out = {k: [str(f[k].dtype), list(f[k].shape)] for k in f.keys()}\n"
      "out['pos_range'] = [int(f['pos_label'][:].min()), int(f['pos_label'][:].max())]\n"
      "out['token_max'] = int(f['tokenized_gene'][:].max())\n"
      "out['compression'] = f['images'].compression\n"
      "print(json.dumps(out))\n";
  { std::ofstream(dir / "read.py") << script; }
  ASSERT_EQ(runCommand("/usr/bin/python3 " + shellQuote((dir / "read.py").string()) + " " +
                           shellQuote((dir / "c" / "tokens-0.h5").string()), &log), 0) << log;
  auto j = nlohmann::json::parse(log.substr(log.find('{')), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << log;
  const long long n = j["tokenized_gene"][1][0].get<long long>();
  ASSERT_GT(n, 0);
  EXPECT_EQ(j["tokenized_gene"], nlohmann::json::array({"int32", {n, 4096}}));
  EXPECT_EQ(j["images"], nlohmann::json::array({"uint8", {n, 3, 224, 224}}));
  EXPECT_EQ(j["images_aug"], nlohmann::json::array({"uint8", {n, 3, 224, 224}}));
  for (const char* k : {"pos_label", "batch_slide_id", "batch_dataset_id"})
    EXPECT_EQ(j[k], nlohmann::json::array({"int32", {n}})) << k;
  EXPECT_GE(j["pos_range"][0].get<int>(), -1);
  EXPECT_LE(j["pos_range"][1].get<int>(), 8);
  EXPECT_LT(j["token_max"].get<int>(), 20340);
  EXPECT_EQ(j["compression"], "gzip");
  if (!HasFailure()) fs::remove_all(dir);
}

TEST(CorpusCli, UsageErrors) {
  if (!fs::exists(cli())) GTEST_SKIP() << "build the `stamp` target first: " << cli();
  const fs::path dir = scratchDir("corpus-usage");
  const std::string out = shellQuote((dir / "c").string());
  std::string log;
  EXPECT_EQ(runCommand(cli().string() + " build-corpus --out " + out, &log), 2) << log;
  EXPECT_EQ(runCommand(cli().string() + " build-corpus --inputs /nonexistent --out " + out + " --vocab /nonexistent", &log), 1) << log;
  EXPECT_NE(log.find("stamp:"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir / "c")) << "nothing is created for a build that cannot start";
}

}  // namespace stamp::test::corpustest
