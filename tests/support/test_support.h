#pragma once
/// Helpers shared by the tests: where the real data is, scratch folders, running Python.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

namespace stamp::test {

/// ../shared/data next to the project, or $STAMP_TEST_DATA; nullopt when absent.
std::optional<std::filesystem::path> sharedDataDir();
/// The project source folder.
std::filesystem::path sourceDir();
/// The build folder (where the `stamp` CLI lives under app/cli/).
std::filesystem::path binaryDir();
/// A fresh empty folder under the system temp dir, removed when the test process ends
/// (STAMP_KEEP_TEST_FILES=1 keeps it).
std::filesystem::path scratchDir(const std::string& name);
/// Runs a shell command, returns its exit status and captures stdout+stderr into `output`.
int runCommand(const std::string& command, std::string* output = nullptr);
/// True when /usr/bin/python3 can import all the given modules (comma-separated).
bool pythonHas(const std::string& modules);
/// Single-quotes a string for the shell.
std::string shellQuote(const std::string& s);

}  // namespace stamp::test

/// Skips the current test with a clear message when ../shared/data (or a file in it) is absent.
#define STAMP_REQUIRE_DATA(relpath)                                                     \
  auto stamp_data_dir_ = ::stamp::test::sharedDataDir();                                \
  if (!stamp_data_dir_ || !std::filesystem::exists(*stamp_data_dir_ / (relpath)))       \
    GTEST_SKIP() << "real test data not found: ../shared/data/" << (relpath)            \
                 << " (set STAMP_TEST_DATA to the folder)";                             \
  const std::filesystem::path dataPath = *stamp_data_dir_ / (relpath)
