// spatial/tissue_positions(.csv|_list.csv) and spatial/scalefactors_json.json.
#include <charconv>
#include <cmath>
#include <set>
#include <unordered_set>

#include "common/atomic_file.h"
#include "st/csv.h"
#include "st/space_ranger.h"

namespace stamp::core::st {
namespace {

const char* const kColumns[6] = {"barcode",    "in_tissue",          "array_row",
                                 "array_col",  "pxl_row_in_fullres", "pxl_col_in_fullres"};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool parseDouble(const std::string& s, double& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(v);
}

bool parseInt(const std::string& s, int& v) {
  double d = 0;  // "12.0" is written by some pandas exports
  if (!parseDouble(s, d) || d != std::floor(d) || std::fabs(d) > 1e9) return false;
  v = int(d);
  return true;
}

/// Column indexes of the six fields: from the header when there is one, else the 1.x order.
Result<std::vector<size_t>> columnMap(const CsvRow& first, bool header, const std::string& name) {
  std::vector<size_t> idx{0, 1, 2, 3, 4, 5};
  if (!header) return idx;
  for (size_t k = 0; k < 6; ++k) {
    size_t found = SIZE_MAX;
    for (size_t j = 0; j < first.size(); ++j)
      if (trim(first[j]) == kColumns[k]) found = j;
    if (found == SIZE_MAX)
      return makeError(ErrorCode::Format, std::string("header lacks column '") + kColumns[k] + "'",
                       name);
    idx[k] = found;
  }
  return idx;
}

Result<Spot> parseSpot(const CsvRecord& rec, const std::vector<size_t>& col,
                       const std::string& name) {
  std::string where = "line " + std::to_string(rec.line) + ": ";
  size_t need = 0;
  for (size_t c : col) need = std::max(need, c + 1);
  if (rec.fields.size() < need)
    return makeError(ErrorCode::Format,
                     where + "expected " + std::to_string(need) + " fields, found " +
                         std::to_string(rec.fields.size()),
                     name);
  auto field = [&](int k) { return trim(rec.fields[col[size_t(k)]]); };
  Spot s;
  s.barcode = field(0);
  if (s.barcode.empty()) return makeError(ErrorCode::Format, where + "empty barcode", name);
  int inTissue = 0;
  auto badNumber = [&](int k) {
    return makeError(ErrorCode::Format,
                     where + kColumns[k] + ": '" + field(k) + "' is not a valid number", name);
  };
  if (!parseInt(field(1), inTissue) || (inTissue != 0 && inTissue != 1)) return badNumber(1);
  s.inTissue = inTissue == 1;
  if (!parseInt(field(2), s.arrayRow)) return badNumber(2);
  if (!parseInt(field(3), s.arrayCol)) return badNumber(3);
  if (!parseDouble(field(4), s.y)) return badNumber(4);  // pxl_row is y
  if (!parseDouble(field(5), s.x)) return badNumber(5);  // pxl_col is x
  return s;
}

std::string number(double v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, p);
}
}  // namespace

Result<std::vector<Spot>> parseTissuePositions(std::string_view text, const std::string& name) {
  STAMP_ASSIGN(auto records, parseCsv(text, name));
  if (records.empty()) return makeError(ErrorCode::Format, "empty file, no spot positions", name);
  const CsvRow& first = records.front().fields;
  // A header names the columns; a 1.x data row never holds a column name.
  bool header = false;
  for (const auto& f : first)
    for (const char* c : kColumns) header = header || trim(f) == c;
  STAMP_ASSIGN(auto col, columnMap(first, header, name));
  std::vector<Spot> spots;
  spots.reserve(records.size());
  std::unordered_set<std::string> seen;
  for (size_t i = header ? 1 : 0; i < records.size(); ++i) {
    STAMP_ASSIGN(Spot s, parseSpot(records[i], col, name));
    if (!seen.insert(s.barcode).second)
      return makeError(ErrorCode::Format,
                       "line " + std::to_string(records[i].line) + ": barcode " + s.barcode +
                           " appears twice",
                       name);
    spots.push_back(std::move(s));
  }
  if (spots.empty()) return makeError(ErrorCode::Format, "no spot positions after the header", name);
  return spots;
}

Result<std::vector<Spot>> readTissuePositions(const std::string& path) {
  STAMP_ASSIGN(std::string text, readFile(path));
  return parseTissuePositions(text, path);
}

std::string formatTissuePositions(const std::vector<Spot>& spots) {
  std::string out = "barcode,in_tissue,array_row,array_col,pxl_row_in_fullres,pxl_col_in_fullres\n";
  for (const Spot& s : spots)
    out += s.barcode + "," + (s.inTissue ? "1" : "0") + "," + std::to_string(s.arrayRow) + "," +
           std::to_string(s.arrayCol) + "," + number(s.y) + "," + number(s.x) + "\n";
  return out;
}

Result<ScaleFactors> parseScaleFactors(std::string_view text, const std::string& name) {
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return makeError(ErrorCode::Format, "not valid JSON", name);
  if (!j.is_object()) return makeError(ErrorCode::Format, "expected a JSON object", name);
  ScaleFactors sf;
  const std::pair<const char*, double*> known[] = {
      {"tissue_hires_scalef", &sf.hiresScalef},
      {"tissue_lowres_scalef", &sf.lowresScalef},
      {"spot_diameter_fullres", &sf.spotDiameterFullres},
      {"fiducial_diameter_fullres", &sf.fiducialDiameterFullres}};
  for (auto it = j.begin(); it != j.end(); ++it) {
    double* target = nullptr;
    for (const auto& [key, ptr] : known)
      if (it.key() == key) target = ptr;
    if (!it.value().is_number()) {
      if (target)
        return makeError(ErrorCode::Format, "'" + it.key() + "' must be a number", name);
      continue;  // e.g. strings some pipelines add; not ours to judge
    }
    double v = it.value().get<double>();
    if (!std::isfinite(v) || (target && v < 0))
      return makeError(ErrorCode::Format, "'" + it.key() + "' must be a finite, non-negative number",
                       name);
    if (target) *target = v;
    else sf.extra[it.key()] = v;
  }
  return sf;
}

Result<ScaleFactors> readScaleFactors(const std::string& path) {
  STAMP_ASSIGN(std::string text, readFile(path));
  return parseScaleFactors(text, path);
}

std::string formatScaleFactors(const ScaleFactors& s) {
  nlohmann::json j = nlohmann::json::object();
  j["tissue_hires_scalef"] = s.hiresScalef;
  j["tissue_lowres_scalef"] = s.lowresScalef;
  j["spot_diameter_fullres"] = s.spotDiameterFullres;
  j["fiducial_diameter_fullres"] = s.fiducialDiameterFullres;
  for (const auto& [k, v] : s.extra) j[k] = v;
  return j.dump(4) + "\n";
}

}  // namespace stamp::core::st
