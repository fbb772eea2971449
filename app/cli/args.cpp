#include "args.h"

#include <charconv>
#include <cstdio>
#include <iostream>

namespace stamp::app::cli {

static const OptionSpec* findSpec(const std::vector<OptionSpec>& specs, const std::string& n) {
  for (const auto& s : specs)
    if (s.name == n) return &s;
  return nullptr;
}

Args Args::parse(const std::vector<std::string>& argv, const std::vector<OptionSpec>& specs,
                 int minPositional, int maxPositional) {
  Args a;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& tok = argv[i];
    if (tok == "--help" || tok == "-h") {
      a.help_ = true;
      return a;
    }
    if (tok.rfind("--", 0) == 0 && tok.size() > 2) {
      std::string name = tok.substr(2), value;
      bool inlineValue = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inlineValue = true;
      }
      const OptionSpec* s = findSpec(specs, name);
      if (!s) {
        a.error_ = "unknown option --" + name;
        return a;
      }
      if (!s->valueName.empty() && !inlineValue) {
        if (i + 1 >= argv.size()) {
          a.error_ = "--" + name + " needs a value (" + s->valueName + ")";
          return a;
        }
        value = argv[++i];
      }
      a.values_[name] = s->valueName.empty() ? "1" : value;
    } else {
      a.positional_.push_back(tok);
    }
  }
  for (const auto& s : specs)
    if (s.required && !a.has(s.name)) {
      a.error_ = "missing --" + s.name;
      return a;
    }
  if (int(a.positional_.size()) < minPositional || int(a.positional_.size()) > maxPositional)
    a.error_ = "expected " + (minPositional == maxPositional
                                  ? std::to_string(minPositional)
                                  : std::to_string(minPositional) + " to " + std::to_string(maxPositional)) +
               " positional argument(s), got " + std::to_string(a.positional_.size());
  return a;
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::getOr(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

long long Args::getInt(const std::string& name, long long fallback) {
  auto v = get(name);
  if (!v) return fallback;
  long long out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size()) {
    error_ = "--" + name + " expects an integer, got '" + *v + "'";
    return fallback;
  }
  return out;
}

double Args::getDouble(const std::string& name, double fallback) {
  auto v = get(name);
  if (!v) return fallback;
  try {
    size_t used = 0;
    double d = std::stod(*v, &used);
    if (used == v->size()) return d;
  } catch (...) {
  }
  error_ = "--" + name + " expects a number, got '" + *v + "'";
  return fallback;
}

void printHelp(const Command& c, bool toStderr) {
  std::ostream& os = toStderr ? std::cerr : std::cout;
  os << "usage: stamp " << c.name << " " << c.usage << "\n\n" << c.summary << "\n";
  if (!c.options.empty()) os << "\noptions:\n";
  for (const auto& o : c.options) {
    std::string left = "  --" + o.name + (o.valueName.empty() ? "" : " " + o.valueName);
    if (left.size() < 28) left.resize(28, ' ');
    else left += "  ";
    os << left << o.help << (o.required ? " (required)" : "") << "\n";
  }
  os << "  --help                    show this help\n";
}

int fail(const std::string& message) {
  std::cerr << "stamp: " << message << "\n";
  return kFailure;
}

int usageError(const Command& c, const std::string& message) {
  std::cerr << "stamp " << c.name << ": " << message << "\n"
            << "usage: stamp " << c.name << " " << c.usage << "\n"
            << "(stamp " << c.name << " --help for details)\n";
  return kUsage;
}

}  // namespace stamp::app::cli
