// The request registry. Feature modules register their handlers at startup:
//
//   dispatcher.add("invite.create", Access::authenticated,
//                  [&svc](const Context& ctx, const protocol::Request& req, Reply reply) {
//                    ... // read fields with JsonReader(req.body); do work anywhere
//                    reply.ok({{"invitation", ...}});  // or reply.fail(error), from any thread
//                  });
//
// The dispatcher itself enforces the connection rules of docs/protocol.md: parse errors
// (bad_request, re:null when no id), `hello` first and only once, unknown types, and
// authentication. A handler that throws answers `internal` (logged); a handler never needs to
// catch. Handlers are called on the connection's strand and must not block: hand slow work to
// the WorkerPool or the Writer and answer later through the Reply.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>

#include "../metrics.h"
#include "connection.h"
#include "rate_limiter.h"
#include "passerelle/shared/error.h"
#include "passerelle/shared/protocol.h"

namespace passerelle::server::net {

// The answer to one request. Copyable, thread-safe; the first ok()/fail() wins and later calls
// are ignored. If every copy is destroyed unanswered, the client gets `internal` (so a lost
// callback never leaves a request hanging). The answer is posted to the connection's strand;
// if the connection is gone it is dropped.
// While the database cannot be reached: the wait a client should observe before retrying.
using RetryHint = std::function<std::optional<std::chrono::milliseconds>()>;

class Reply {
 public:
  // `hint`, when given, adds "retry_after_ms" to every `internal` answer while it says so.
  Reply(std::weak_ptr<Connection> conn, std::int64_t id, std::string type, Metrics* metrics,
        std::shared_ptr<const RetryHint> hint = nullptr);

  // `change` runs on the strand before the answer is queued (e.g. login sets the user).
  void ok(boost::json::object fields = {}, StateChange change = {}) const;
  // The same answer from its members' JSON text, `"a":1,"b":[...]` (may be empty), written by
  // the caller: for answers made of stored JSON (pull) that would otherwise be parsed only to
  // be written again. The text must be valid JSON members; nothing checks it here.
  void ok_members(std::string_view members) const;
  void fail(Error error) const;
  void fail(ErrorCode code, std::string message) const { fail(Error{code, std::move(message)}); }
  // An error with extra members inside "error", e.g. {"retry_after_ms": 1200}.
  void fail(Error error, boost::json::object extra) const;
  // Convenience: ok(*r) or fail(r.error()).
  void operator()(Result<boost::json::object> r) const;

  std::int64_t id() const;
  const std::string& type() const;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

// What a handler knows about its caller (a snapshot taken when the request arrived).
struct Context {
  std::optional<protocol::UserInfo> user;  // set for Access::authenticated handlers
  std::string token_hash;
  std::string remote_address;  // IP address, for throttling and logs
};

enum class Access { anonymous, authenticated };

// The per-request abuse limits the dispatcher enforces (docs/limits.md); 0: no limit.
struct RequestLimits {
  std::size_t max_in_flight = 0;  // unanswered requests per connection
  double user_rate = 0, user_burst = 1;        // frames per second per signed-in user
  double address_rate = 0, address_burst = 1;  // frames per second per remote address
};

using Handler = std::function<void(const Context&, const protocol::Request&, Reply)>;

class Dispatcher {
 public:
  explicit Dispatcher(Metrics& metrics) : metrics_(metrics) {}

  // Before connections arrive (the Server sets them from its configuration).
  void set_limits(const RequestLimits& limits);
  // Before connections arrive: `internal` answers carry {"retry_after_ms": N} while `hint`
  // gives a wait (the database is unreachable; docs/protocol.md).
  void set_retry_hint(RetryHint hint) { retry_hint_ = std::make_shared<const RetryHint>(std::move(hint)); }

  // Registers `type`; registering a type twice is a programming error (throws logic_error).
  void add(std::string type, Access access, Handler handler);
  bool has(std::string_view type) const;

  // Handles one text frame. Called on `conn`'s strand with its state.
  void dispatch(std::string_view frame, SessionState& state, const std::string& remote_address,
                const std::shared_ptr<Connection>& conn) const;

  // An error answer outside any request (binary frame, too large): counted and logged.
  std::string protocol_error(std::optional<std::int64_t> re, Error error) const;

  // Spends one frame of the sender's message rates (its address, and its user when signed
  // in): nullopt when allowed, else the wait before the next frame is. Every frame counts,
  // whatever it holds, so that a flood of garbage is limited like a flood of requests.
  std::optional<std::chrono::milliseconds> take_frame(const SessionState& state, const std::string& remote_address) const;
  // The rate_limited error for such a wait.
  static Error rate_error(std::chrono::milliseconds wait);

 private:
  struct Route {
    Access access;
    Handler handler;
  };
  Metrics& metrics_;
  std::map<std::string, Route, std::less<>> routes_;
  RequestLimits limits_;
  std::shared_ptr<const RetryHint> retry_hint_;
  mutable RateLimiter per_user_, per_address_;
};

}  // namespace passerelle::server::net
