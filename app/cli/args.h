#pragma once
/// A small command-line parser for `stamp <command> [--flag value] [positional...]`.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace stamp::app::cli {

/// Exit statuses of the `stamp` tool.
enum Exit { kOk = 0, kFailure = 1, kUsage = 2 };

struct OptionSpec {
  std::string name;  // without dashes, e.g. "out"
  std::string valueName;  // empty for a boolean flag
  std::string help;
  bool required = false;
};

/// Parsed arguments of one command; `error` is set when the command line is malformed.
class Args {
 public:
  static Args parse(const std::vector<std::string>& argv, const std::vector<OptionSpec>& specs,
                    int minPositional, int maxPositional);
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::string getOr(const std::string& name, const std::string& fallback) const;
  /// Integer/double option; sets `error` and returns fallback when the value is not a number.
  long long getInt(const std::string& name, long long fallback);
  double getDouble(const std::string& name, double fallback);
  const std::vector<std::string>& positional() const { return positional_; }
  bool helpRequested() const { return help_; }
  const std::string& error() const { return error_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
  std::string error_;
  bool help_ = false;
};

struct Command {
  std::string name;
  std::string summary;
  std::string usage;  // e.g. "--st PATH --vocab DIR --out FILE"
  std::vector<OptionSpec> options;
  int minPositional = 0;
  int maxPositional = 0;
  int (*run)(Args& args) = nullptr;
};

/// Prints "usage: stamp NAME ..." with every option's help.
void printHelp(const Command& c, bool toStderr);
/// Prints "stamp: <message>" on stderr and returns kFailure.
int fail(const std::string& message);
/// Prints the usage error and returns kUsage.
int usageError(const Command& c, const std::string& message);

}  // namespace stamp::app::cli
