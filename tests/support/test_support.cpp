#include "test_support.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace stamp::test {
namespace fs = std::filesystem;

fs::path sourceDir() { return fs::path(STAMP_SOURCE_DIR); }
fs::path binaryDir() { return fs::path(STAMP_BINARY_DIR); }

std::optional<fs::path> sharedDataDir() {
  if (const char* env = std::getenv("STAMP_TEST_DATA")) {
    if (fs::is_directory(env)) return fs::path(env);
  }
  fs::path p = sourceDir().parent_path() / "shared" / "data";
  if (fs::is_directory(p)) return p;
  return std::nullopt;
}

namespace {

// Scratch folders go when the test process ends: left behind, repeated runs filled a
// developer's disk (tens of GB of checkpoints and fixtures). STAMP_KEEP_TEST_FILES=1 keeps
// them to look at.
struct ScratchFolders {
  std::mutex mutex;
  std::vector<fs::path> paths;
  ~ScratchFolders() {
    const char* keep = std::getenv("STAMP_KEEP_TEST_FILES");
    if (keep && std::string(keep) == "1") return;
    std::error_code ec;
    for (const fs::path& p : paths) fs::remove_all(p, ec);
  }
};

ScratchFolders& scratchFolders() {
  static ScratchFolders folders;
  return folders;
}

}  // namespace

fs::path scratchDir(const std::string& name) {
  std::random_device rd;
  fs::path p = fs::temp_directory_path() /
               ("stamp-test-" + name + "-" + std::to_string(rd() % 1000000000u));
  fs::remove_all(p);
  fs::create_directories(p);
  ScratchFolders& folders = scratchFolders();
  std::lock_guard lock(folders.mutex);
  folders.paths.push_back(p);
  return p;
}

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int runCommand(const std::string& command, std::string* output) {
  std::string cmd = command + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return -1;
  std::array<char, 4096> buf{};
  std::string out;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = ::pclose(pipe);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool pythonHas(const std::string& modules) {
  return runCommand("/usr/bin/python3 -c 'import " + modules + "'") == 0;
}

}  // namespace stamp::test
