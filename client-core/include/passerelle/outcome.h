// What a client-core call returns: a value, or a Failure = the shared Error plus where it came
// from. The origin is what a caller acts on (show the server's refusal, retry later when the
// network is back, report damaged local data, fix the input); the shared Error alone cannot
// say it because a server answer and a local failure may carry the same code. The future C API
// maps (origin, code) to its error domain/code pair, in the spirit of couchbase-lite's C4Error.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "passerelle/shared/error.h"

namespace passerelle::client {

enum class Origin {
  server,   // the server answered with an error (wrong password, conflict, forbidden ...)
  network,  // the server could not be reached or the connection failed (DNS, TCP, TLS, timeout)
  local,    // the device's own data (SQLite files, data directory) failed
  usage,    // the caller's input was refused before anything was sent (bad URL, empty field)
};

std::string_view to_string(Origin origin) noexcept;

struct Failure {
  Origin origin = Origin::local;
  Error error;

  const std::string& message() const { return error.message; }
  ErrorCode code() const { return error.code; }
};

inline Failure server_failure(Error e) { return Failure{Origin::server, std::move(e)}; }
inline Failure network_failure(std::string message) {
  return Failure{Origin::network, Error{ErrorCode::internal, std::move(message)}};
}
inline Failure local_failure(Error e) { return Failure{Origin::local, std::move(e)}; }
inline Failure usage_failure(std::string message) {
  return Failure{Origin::usage, Error{ErrorCode::bad_request, std::move(message)}};
}

// The value of a call that returns nothing but success.
struct Done {};

template <class T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}      // NOLINT: implicit on purpose
  Outcome(Failure failure) : v_(std::move(failure)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }

  const Failure& failure() const& { return std::get<1>(v_); }
  Failure&& failure() && { return std::get<1>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_).error; }
  Origin origin() const { return std::get<1>(v_).origin; }

 private:
  std::variant<T, Failure> v_;
};

}  // namespace passerelle::client
