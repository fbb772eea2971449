#pragma once
/// A small RFC 4180 CSV reader (quoted fields, doubled quotes, CRLF, newlines inside quotes),
/// enough for tissue positions and HEST-1k metadata tables.
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace stamp::core::st {

using CsvRow = std::vector<std::string>;
struct CsvRecord {
  std::size_t line = 0;  // 1-based line where the record starts, for messages
  CsvRow fields;
};

/// Parses `text`; blank lines are skipped. Format error (naming `name`) on an unclosed quote.
Result<std::vector<CsvRecord>> parseCsv(std::string_view text, const std::string& name,
                                        char sep = ',');

}  // namespace stamp::core::st
