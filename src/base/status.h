// Status and Result: operating failures (disk, network, configuration, bad input) as values.
//
// A Status is either ok or carries a code and a message a person can act on. Result<T> is a T or
// the Status that explains why there is none. Bugs are not reported this way: they abort through
// NURI_CHECK (check.h). Rule rejections of the ledger have their own reason codes (core/reason.h).
// Values only; safe to share between threads once built.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace nuri::base {

enum class StatusCode : unsigned char {
  kOk = 0,
  kInvalidArgument = 1,  // input from outside is malformed or out of range
  kNotFound = 2,
  kAlreadyExists = 3,
  kCorruption = 4,  // stored or received bytes fail their own checks
  kIoError = 5,
  kUnavailable = 6,  // try again later: peer down, queue full, shutting down
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kInternal = 9,
  kFailedPrecondition = 10,  // the request is well formed, but the record's state forbids it now
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message));
  }
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status AlreadyExists(std::string message) {
    return Status(StatusCode::kAlreadyExists, std::move(message));
  }
  static Status Corruption(std::string message) {
    return Status(StatusCode::kCorruption, std::move(message));
  }
  static Status IoError(std::string message) {
    return Status(StatusCode::kIoError, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }
  static Status PermissionDenied(std::string message) {
    return Status(StatusCode::kPermissionDenied, std::move(message));
  }
  static Status ResourceExhausted(std::string message) {
    return Status(StatusCode::kResourceExhausted, std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(StatusCode::kInternal, std::move(message));
  }
  static Status FailedPrecondition(std::string message) {
    return Status(StatusCode::kFailedPrecondition, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Corruption: block 12 fails its checksum"
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
using Result = std::expected<T, Status>;

inline std::unexpected<Status> Error(Status status) { return std::unexpected(std::move(status)); }

}  // namespace nuri::base

// Returns the Status of `expr` from the enclosing function when it is not ok.
#define NURI_RETURN_IF_ERROR(expr)                    \
  do {                                                \
    ::nuri::base::Status nuri_status_ = (expr);       \
    if (!nuri_status_.ok()) return nuri_status_;      \
  } while (false)
