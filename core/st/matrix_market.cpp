// Matrix Market feature-barcode folders (matrix.mtx, barcodes.tsv, features.tsv; gzip or not).
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

#include "common/atomic_file.h"
#include "st/space_ranger.h"

namespace stamp::core::st {
namespace fs = std::filesystem;

namespace {
Error bad(const std::string& name, const std::string& msg) {
  return makeError(ErrorCode::Format, msg, name);
}

/// Splits into lines without copying; drops a trailing '\r' (files edited on Windows).
std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// Whitespace-separated tokens of one line.
std::vector<std::string_view> tokens(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

template <class T>
bool parseNumber(std::string_view s, T& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

struct MtxHeader {
  std::int64_t rows = 0, cols = 0, nnz = 0;
  bool pattern = false, integer = false;
  size_t firstEntryLine = 0;
};

Result<MtxHeader> parseHeader(const std::vector<std::string_view>& lines, const std::string& name) {
  if (lines.empty()) return bad(name, "empty file, expected a Matrix Market header");
  auto head = tokens(lines[0]);
  if (head.size() < 5 || lower(head[0]) != "%%matrixmarket" || lower(head[1]) != "matrix")
    return bad(name, "not a Matrix Market file (first line must be '%%MatrixMarket matrix ...')");
  MtxHeader h;
  std::string layout = lower(head[2]), field = lower(head[3]), sym = lower(head[4]);
  if (layout != "coordinate")
    return makeError(ErrorCode::Unsupported, "only 'coordinate' Matrix Market files are read", name);
  if (field != "integer" && field != "real" && field != "pattern" && field != "double")
    return makeError(ErrorCode::Unsupported, "unsupported value field '" + field + "'", name);
  if (sym != "general")
    return makeError(ErrorCode::Unsupported, "only 'general' (not " + sym + ") matrices are read", name);
  h.pattern = field == "pattern";
  h.integer = field == "integer";
  size_t i = 1;
  while (i < lines.size() && (lines[i].empty() || lines[i][0] == '%')) ++i;
  if (i == lines.size()) return bad(name, "missing the size line (rows columns entries)");
  auto sz = tokens(lines[i]);
  if (sz.size() != 3 || !parseNumber(sz[0], h.rows) || !parseNumber(sz[1], h.cols) ||
      !parseNumber(sz[2], h.nnz) || h.rows < 0 || h.cols < 0 || h.nnz < 0)
    return bad(name, "line " + std::to_string(i + 1) + ": bad size line, expected 3 counts");
  h.firstEntryLine = i + 1;
  return h;
}

struct Entry {
  std::int32_t barcode, gene;
  float value;
};

Result<Entry> parseEntry(std::string_view line, const MtxHeader& h, size_t lineNo,
                         const std::string& name) {
  auto t = tokens(line);
  std::string where = "line " + std::to_string(lineNo) + ": ";
  if (t.size() != (h.pattern ? 2u : 3u))
    return bad(name, where + "expected " + std::string(h.pattern ? "2" : "3") + " fields");
  std::int64_t gene = 0, barcode = 0;
  if (!parseNumber(t[0], gene) || !parseNumber(t[1], barcode))
    return bad(name, where + "row/column are not integers");
  if (gene < 1 || gene > h.rows || barcode < 1 || barcode > h.cols)
    return makeError(ErrorCode::OutOfRange, where + "entry outside the declared " +
                                                std::to_string(h.rows) + " x " +
                                                std::to_string(h.cols) + " matrix", name);
  double v = 1;
  if (!h.pattern && !parseNumber(t[2], v)) return bad(name, where + "value is not a number");
  if (!std::isfinite(v) || !std::isfinite(float(v)))
    return makeError(ErrorCode::Numerical, where + "non-finite value", name);
  return Entry{std::int32_t(barcode - 1), std::int32_t(gene - 1), float(v)};
}

/// Entries sorted by (barcode, gene), duplicates summed as scipy does, into CSR.
CsrMatrix toCsr(std::vector<Entry>& e, std::int64_t barcodes, std::int64_t genes) {
  std::sort(e.begin(), e.end(), [](const Entry& a, const Entry& b) {
    return a.barcode != b.barcode ? a.barcode < b.barcode : a.gene < b.gene;
  });
  CsrMatrix m;
  m.rows = barcodes;
  m.cols = genes;
  m.indptr.assign(std::size_t(barcodes) + 1, 0);
  for (size_t i = 0; i < e.size(); ++i) {
    if (i > 0 && e[i].barcode == e[i - 1].barcode && e[i].gene == e[i - 1].gene) {
      m.data.back() += e[i].value;
      continue;
    }
    m.indices.push_back(e[i].gene);
    m.data.push_back(e[i].value);
    m.indptr[std::size_t(e[i].barcode) + 1]++;
  }
  for (std::int64_t r = 0; r < barcodes; ++r) m.indptr[std::size_t(r) + 1] += m.indptr[std::size_t(r)];
  return m;
}

Result<CsrMatrix> parseBody(const std::vector<std::string_view>& lines, const MtxHeader& h,
                            const std::string& name) {
  std::vector<Entry> entries;
  entries.reserve(std::size_t(h.nnz));
  for (size_t i = h.firstEntryLine; i < lines.size(); ++i) {
    if (lines[i].empty() || lines[i][0] == '%') continue;
    if (std::int64_t(entries.size()) == h.nnz)
      return bad(name, "more entries than the " + std::to_string(h.nnz) + " declared");
    STAMP_ASSIGN(Entry e, parseEntry(lines[i], h, i + 1, name));
    entries.push_back(e);
  }
  if (std::int64_t(entries.size()) != h.nnz)
    return bad(name, "declares " + std::to_string(h.nnz) + " entries but holds " +
                         std::to_string(entries.size()) + " (truncated?)");
  return toCsr(entries, h.cols, h.rows);
}

Result<fs::path> findOne(const fs::path& dir, std::initializer_list<const char*> names) {
  std::error_code ec;
  for (const char* n : names)
    if (fs::is_regular_file(dir / n, ec)) return dir / n;
  std::string list;
  for (const char* n : names) list += (list.empty() ? "" : " or ") + std::string(n);
  return makeError(ErrorCode::NotFound, "missing " + list, dir.string());
}
}  // namespace

Result<std::string> gunzipIfNeeded(std::string_view bytes, const std::string& name,
                                   std::size_t maxBytes) {
  if (bytes.size() < 2 || uint8_t(bytes[0]) != 0x1f || uint8_t(bytes[1]) != 0x8b)
    return std::string(bytes);
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return bad(name, "cannot start gzip decoder");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = uInt(std::min<size_t>(bytes.size(), UINT32_MAX));
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > maxBytes) {
      inflateEnd(&zs);
      return makeError(ErrorCode::Unsupported, "decompressed data too large", name);
    }
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // concatenated gzip members (what bgzip and `cat a.gz b.gz` make)
    } else if (zs.avail_in == 0 && zs.avail_out != 0) {
      break;  // input ended inside a member
    }
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return bad(name, "corrupt or truncated gzip data");
  return out;
}

Result<std::string> readMaybeGzip(const std::string& path) {
  STAMP_ASSIGN(std::string raw, readFile(path));
  return gunzipIfNeeded(raw, path);
}

Result<CsrMatrix> parseMatrixMarket(std::string_view text, const std::string& name,
                                    std::int64_t maxDim) {
  auto lines = splitLines(text);
  STAMP_ASSIGN(MtxHeader h, parseHeader(lines, name));
  if (h.rows > maxDim || h.cols > maxDim)
    return makeError(ErrorCode::Unsupported, "matrix dimensions too large", name);
  // Every entry needs at least "i j\n": refuse counts the text cannot hold before reserving.
  if (h.nnz > std::int64_t(text.size() / 4) + 1)
    return bad(name, "declares " + std::to_string(h.nnz) + " entries, more than the file can hold");
  return parseBody(lines, h, name);
}

Result<std::vector<std::string>> parseBarcodes(std::string_view text, const std::string& name) {
  auto lines = splitLines(text);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return bad(name, "no barcodes (empty file)");
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view b = lines[i].substr(0, lines[i].find('\t'));
    if (b.empty()) return bad(name, "line " + std::to_string(i + 1) + ": empty barcode");
    out.emplace_back(b);
  }
  return out;
}

Result<std::vector<Gene>> parseFeatures(std::string_view text, const std::string& name) {
  auto lines = splitLines(text);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return bad(name, "no features (empty file)");
  std::vector<Gene> out;
  out.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    size_t tab = l.find('\t');
    std::string_view id = l.substr(0, tab);
    std::string_view sym = tab == std::string_view::npos ? id : l.substr(tab + 1);
    sym = sym.substr(0, sym.find('\t'));
    if (id.empty()) return bad(name, "line " + std::to_string(i + 1) + ": empty feature id");
    out.push_back(Gene{std::string(id), std::string(sym.empty() ? id : sym)});
  }
  return out;
}

Result<FeatureMatrix> readMatrixMarketDir(const std::string& dirPath) {
  fs::path dir(dirPath);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return makeError(ErrorCode::NotFound, "folder not found", dirPath);
  STAMP_ASSIGN(fs::path mtx, findOne(dir, {"matrix.mtx.gz", "matrix.mtx"}));
  STAMP_ASSIGN(fs::path bc, findOne(dir, {"barcodes.tsv.gz", "barcodes.tsv"}));
  STAMP_ASSIGN(fs::path ft, findOne(dir, {"features.tsv.gz", "features.tsv", "genes.tsv.gz",
                                          "genes.tsv"}));
  FeatureMatrix fm;
  STAMP_ASSIGN(std::string bcText, readMaybeGzip(bc.string()));
  STAMP_ASSIGN(fm.barcodes, parseBarcodes(bcText, bc.string()));
  STAMP_ASSIGN(std::string ftText, readMaybeGzip(ft.string()));
  STAMP_ASSIGN(fm.genes, parseFeatures(ftText, ft.string()));
  STAMP_ASSIGN(std::string mtxText, readMaybeGzip(mtx.string()));
  auto lines = splitLines(mtxText);
  STAMP_ASSIGN(MtxHeader h, parseHeader(lines, mtx.string()));
  if (std::size_t(h.rows) != fm.genes.size() || std::size_t(h.cols) != fm.barcodes.size())
    return makeError(ErrorCode::Mismatch,
                     "matrix is " + std::to_string(h.rows) + " features x " +
                         std::to_string(h.cols) + " barcodes but " + ft.filename().string() +
                         " lists " + std::to_string(fm.genes.size()) + " and " +
                         bc.filename().string() + " " + std::to_string(fm.barcodes.size()),
                     mtx.string());
  STAMP_ASSIGN(fm.counts, parseMatrixMarket(mtxText, mtx.string(), std::max(h.rows, h.cols)));
  return fm;
}

}  // namespace stamp::core::st
