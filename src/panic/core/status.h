// Status and Result<T>: the one error type that crosses layer boundaries.
//
// A Status is either OK (no message) or a code plus a human-readable message that
// names what was wrong (the field, the value, what is allowed). Result<T> holds
// either a T or a non-OK Status. Exceptions never cross a layer boundary: code that
// calls something that may throw converts it at the edge of its layer.
//
// Thread safety: values; safe to copy between threads.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace panic {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input from the user: config, CLI argument, file contents
  kNotFound,         // an id, file or model that does not exist
  kAlreadyExists,
  kCorruption,       // stored data that cannot be decoded or is inconsistent
  kIOError,          // filesystem or database failure
  kModelFailed,      // a model call failed (after retries)
  kCancelled,        // stopped by a signal or a caller
  kInternal,         // a bug: an invariant did not hold
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status ModelFailed(std::string msg) { return {StatusCode::kModelFailed, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidArgument: <message>", or "OK".
  std::string ToString() const;
  // A copy with "context: " put in front of the message; OK stays OK.
  Status WithContext(const std::string& context) const;

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  // REQUIRES: !status.ok()
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  // By value, so that `for (auto& x : F().value())` does not dangle.
  T value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace panic

#define PANIC_CONCAT_INNER(a, b) a##b
#define PANIC_CONCAT(a, b) PANIC_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define PANIC_RETURN_IF_ERROR(expr)          \
  do {                                       \
    ::panic::Status panic_status_ = (expr);  \
    if (!panic_status_.ok()) return panic_status_; \
  } while (0)

// `lhs = value of expr`, or returns its Status from the enclosing function.
#define PANIC_ASSIGN_OR_RETURN(lhs, expr) \
  PANIC_ASSIGN_OR_RETURN_IMPL(PANIC_CONCAT(panic_result_, __LINE__), lhs, expr)
#define PANIC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
