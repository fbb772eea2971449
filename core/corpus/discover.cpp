// Finding the samples under the build's inputs: HEST-1k roots, Space Ranger outs/ folders
// (found recursively), single sample paths, and list files of any of these.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/fs_util.h"
#include "corpus/corpus_internal.h"
#include "st/h5ad.h"

namespace stamp::core::corpus {
namespace fs = std::filesystem;

namespace {

using fsutil::isDir;

bool isHestRoot(const fs::path& d) { return isDir(d / "st") && !st::listHestSamples(d.string()).empty(); }

/// A Space Ranger-like folder: a feature matrix (10x .h5 or Matrix Market folder) beside spatial/.
bool isSpaceRangerDir(const fs::path& d) {
  if (!isDir(d / "spatial")) return false;
  for (const char* m : {"filtered_feature_bc_matrix", "raw_feature_bc_matrix"}) {
    std::error_code ec;
    if (fs::exists(d / (std::string(m) + ".h5"), ec) || isDir(d / m)) return true;
  }
  return false;
}

std::vector<fs::path> sortedChildren(const fs::path& d) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec)) out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

/// The dataset a Space Ranger sample belongs to: the folder holding the sample's folder.
std::string datasetOf(const fs::path& sampleDir) {
  fs::path d = sampleDir.filename() == "outs" ? sampleDir.parent_path() : sampleDir;
  return d.parent_path().lexically_normal().string();
}

void walk(const fs::path& d, int depth, std::vector<InputSample>& out) {
  if (depth > 12) return;  // symlink loops and absurd trees
  if (isHestRoot(d)) {
    for (const auto& id : st::listHestSamples(d.string())) out.push_back({d.string() + "#" + id, d.string()});
    return;
  }
  if (isSpaceRangerDir(d)) {
    out.push_back({d.string(), datasetOf(d)});
    return;
  }
  for (const auto& c : sortedChildren(d)) {
    const std::string ext = c.extension().string();
    if (isDir(c)) {
      walk(c, depth + 1, out);
    } else if (ext == ".h5ad" && c.parent_path().filename() != "st") {
      out.push_back({c.string(), d.string()});  // loose AnnData files (not a HEST st/ folder)
    }
  }
}

/// A text file of input paths, one per line ('#' comments, blank lines ignored); relative
/// paths are taken from the list's folder.
Result<std::vector<std::string>> readList(const fs::path& list) {
  std::ifstream in(list);
  if (!in) return makeError(ErrorCode::Io, "cannot read the input list", list.string());
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    fs::path p(line.substr(first));
    out.push_back((p.is_relative() ? list.parent_path() / p : p).string());
  }
  return out;
}

bool isListFile(const fs::path& p) {
  const auto ext = p.extension().string();
  return ext == ".txt" || ext == ".list" || ext == ".lst";
}

}  // namespace

Result<std::vector<InputSample>> discoverInputs(const std::vector<std::string>& inputs) {
  std::vector<InputSample> out;
  for (const auto& input : inputs) {
    const fs::path p(input);
    const std::string base = input.substr(0, input.find('#'));
    std::error_code ec;
    if (!fs::exists(base, ec)) return makeError(ErrorCode::NotFound, "input does not exist", input);
    if (input.find('#') != std::string::npos) {
      out.push_back({input, base});
    } else if (isDir(p)) {
      walk(p, 0, out);
    } else if (isListFile(p)) {
      STAMP_ASSIGN(auto lines, readList(p));
      for (const auto& line : lines) {
        const std::string lb = line.substr(0, line.find('#'));
        if (isDir(line) && !isHestRoot(line) && !isSpaceRangerDir(line) && !isSpaceRangerDir(fs::path(line) / "outs")) {
          walk(line, 0, out);  // a folder of samples
        } else {
          // Missing or odd entries still become samples, so they are reported as skipped.
          out.push_back({line, datasetOf(fs::path(lb))});
        }
      }
    } else {
      out.push_back({input, p.parent_path().string()});
    }
  }
  if (out.empty())
    return makeError(ErrorCode::NotFound,
                     "no spatial samples found (expected HEST-1k roots with st/*.h5ad, Space Ranger "
                     "outs/ folders, .h5ad files, or a .txt list of sample paths)");
  return out;
}

}  // namespace stamp::core::corpus
