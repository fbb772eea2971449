#include "common/result.h"

namespace stamp::core {

const char* toString(ErrorCode c) {
  switch (c) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::NotFound: return "not found";
    case ErrorCode::Format: return "bad format";
    case ErrorCode::Mismatch: return "mismatch";
    case ErrorCode::OutOfRange: return "out of range";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Io: return "I/O error";
    case ErrorCode::Cancelled: return "cancelled";
    case ErrorCode::Numerical: return "numerical error";
    case ErrorCode::Internal: return "internal error";
  }
  return "error";
}

std::string Error::describe() const {
  return context.empty() ? message : context + ": " + message;
}

Error Error::within(const std::string& outer) const {
  Error e = *this;
  e.context = context.empty() ? outer : outer + ": " + context;
  return e;
}

}  // namespace stamp::core
