#pragma once
/// Pieces shared by the .h5ad reader and writer; not a public interface.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "st/hdf5_util.h"
#include "st/spatial_sample.h"

namespace stamp::core::st::h5ad {

/// An obs/var table: its index and columns, in file order.
struct Frame {
  std::vector<std::string> index;
  std::vector<std::string> order;
  std::map<std::string, ObsColumn> columns;
  std::string skipped;  // columns left out as unsupported, with why ("a (2-D); b (...)")
};

/// Reads obs or var (`name`) of file `f`: a dataframe group or an old compound dataset.
/// `uns` (may be -1) supplies `<col>_categories` for the compound form.
Result<Frame> readFrame(hid_t f, const std::string& name, const std::string& ctx);

/// The column as numbers when it is numeric or its values parse as numbers.
std::optional<std::vector<double>> numericValues(const ObsColumn& c);

/// uns (minus "spatial") as JSON, as far as it is simple; depth-limited (files may hold cycles).
nlohmann::json readUnsJson(hid_t group, int depth = 0);
/// Writes a JSON object's members into `group` as anndata dict entries.
Status writeUnsJson(hid_t group, const nlohmann::json& obj);

/// Adds a dataframe group (`_index` + columns) below `loc`.
Status writeFrame(hid_t loc, const std::string& name, const Frame& frame);

}  // namespace stamp::core::st::h5ad
