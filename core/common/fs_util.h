#pragma once
/// Small filesystem predicates that never throw: readers probe user-given paths that may be
/// unreadable, and a permission error must read as "not there", not abort the probe.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>

namespace stamp::core::fsutil {

inline bool isFile(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

inline bool isDir(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_directory(p, ec);
}

inline std::string lowered(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

inline bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace stamp::core::fsutil
