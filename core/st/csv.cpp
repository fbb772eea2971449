#include "st/csv.h"

namespace stamp::core::st {

namespace {
struct CsvState {
  std::vector<CsvRecord> records;
  CsvRecord current;
  std::string field;
  bool fieldStarted = false;  // distinguishes a blank line from a line with one empty field

  void endField() {
    current.fields.push_back(std::move(field));
    field.clear();
  }
  void endRecord(std::size_t nextLine) {
    if (fieldStarted || !current.fields.empty()) {
      endField();
      records.push_back(std::move(current));
    }
    current = CsvRecord{nextLine, {}};
    fieldStarted = false;
  }
};
}  // namespace

Result<std::vector<CsvRecord>> parseCsv(std::string_view text, const std::string& name, char sep) {
  CsvState s;
  std::size_t line = 1;
  s.current.line = 1;
  bool inQuotes = false;
  std::size_t quoteLine = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inQuotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        s.field += '"';
        ++i;
      } else if (c == '"') {
        inQuotes = false;
      } else {
        if (c == '\n') ++line;
        s.field += c;
      }
      continue;
    }
    if (c == '"') {
      inQuotes = true;
      quoteLine = line;
      s.fieldStarted = true;
    } else if (c == sep) {
      s.endField();
      s.fieldStarted = true;
    } else if (c == '\n') {
      s.endRecord(++line);
    } else if (c == '\r') {
      // dropped: CRLF line ends
    } else {
      s.field += c;
      s.fieldStarted = true;
    }
  }
  if (inQuotes)
    return makeError(ErrorCode::Format,
                     "line " + std::to_string(quoteLine) + ": quoted field never closed", name);
  s.endRecord(line);
  return std::move(s.records);
}

}  // namespace stamp::core::st
