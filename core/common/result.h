#pragma once
/// Result<T>/Error: how core reports failures on user input across module boundaries.
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace stamp::core {

enum class ErrorCode {
  InvalidArgument,  // bad usage or option value
  NotFound,         // a file or a named item is missing
  Format,           // a file is not what it claims, truncated or corrupt
  Mismatch,         // inputs disagree (shapes, barcodes, keys)
  OutOfRange,       // coordinates or indices outside the data
  Unsupported,      // valid but not handled (format variant, device)
  Io,               // read/write failure of the OS
  Cancelled,        // the user asked to stop
  Numerical,        // NaN/Inf or a diverging computation
  Internal,         // a bug: should never reach a user
};

const char* toString(ErrorCode c);

/// What went wrong, with which file or item (`context`), in words a user can act on.
struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;
  std::string context;  // usually a file path; may be empty

  /// "context: message" (or just message), the one-line form shown to users.
  std::string describe() const;
  /// The same error with more context in front (e.g. the file that contained the bad entry).
  Error within(const std::string& outer) const;
};

inline Error makeError(ErrorCode code, std::string message, std::string context = {}) {
  return Error{code, std::move(message), std::move(context)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}  // NOLINT
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *e_; }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;

}  // namespace stamp::core

/// Propagates the error of an expression returning Result<...>; evaluates to nothing.
#define STAMP_CHECK(expr)                                   \
  do {                                                      \
    auto&& stamp_r_ = (expr);                               \
    if (!stamp_r_.ok()) return stamp_r_.error();            \
  } while (0)

#define STAMP_CONCAT_INNER(a, b) a##b
#define STAMP_CONCAT(a, b) STAMP_CONCAT_INNER(a, b)
/// `STAMP_ASSIGN(auto x, f());` declares x from f()'s value or returns its error.
#define STAMP_ASSIGN(decl, expr) STAMP_ASSIGN_IMPL(STAMP_CONCAT(stamp_r_, __LINE__), decl, expr)
#define STAMP_ASSIGN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                       \
  if (!tmp.ok()) return tmp.error();       \
  decl = std::move(tmp).value()
