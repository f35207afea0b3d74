// Error values shared by server and client. Every failure that reaches a user carries one of
// the protocol's codes and a message a person can read; nothing else crosses the wire.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace passerelle {

// The protocol's fixed list of error codes (docs/protocol.md). Order is not significant.
enum class ErrorCode {
  bad_request,
  unauthenticated,
  forbidden,
  not_found,
  conflict,
  rate_limited,
  too_large,
  unsupported,
  internal,
};

// The wire spelling, e.g. "bad_request".
std::string_view to_string(ErrorCode code) noexcept;
// Inverse of to_string; nullopt for anything not in the list.
std::optional<ErrorCode> parse_error_code(std::string_view text) noexcept;

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;

  friend bool operator==(const Error&, const Error&) = default;
};

inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

// A value or an Error. Inspired by LevelDB's Status: cheap to pass, checked by the caller.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}      // NOLINT
  Result(ErrorCode code, std::string message) : v_(Error{code, std::move(message)}) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Success or an Error, for operations without a value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT
  Status(ErrorCode code, std::string message) : error_(Error{code, std::move(message)}) {}
  static Status Ok() { return Status(); }

  bool ok() const noexcept { return !error_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace passerelle
