#include "dispatcher.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include "../log.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/sync/wire.h"
#include "../storage/db_error.h"

namespace passerelle::server::net {

namespace {
// The log fields of an error answered to a client. An answer may quote what the client sent
// ("'amina@...' is not a valid e-mail address", a message body): that is for the client, not
// for the log. So the log has the code and, for a refused field, its name (errors name it
// first: "field 'args.body' ..."); only `internal` texts, written by the server for the log
// (database errors reduced by db_error), are logged whole.
boost::json::object error_log_fields(const Error& error) {
  boost::json::object fields{{"code", to_string(error.code)}};
  if (error.code == ErrorCode::internal) {
    fields["message"] = error.message;
    return fields;
  }
  constexpr std::string_view kField = "field '";
  std::string_view m = error.message;
  if (m.substr(0, kField.size()) == kField) {
    auto end = m.find('\'', kField.size());
    if (end != std::string_view::npos) fields["field"] = m.substr(kField.size(), end - kField.size());
  }
  return fields;
}
}  // namespace

struct Reply::Core {
  std::weak_ptr<Connection> conn;
  std::int64_t id;
  std::string type;
  Metrics* metrics;
  std::shared_ptr<const RetryHint> hint;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::atomic<bool> answered{false};

  void send(std::string text, std::optional<Error> error, StateChange change) {
    if (answered.exchange(true)) return;
    auto c = conn.lock();
    if (c) c->requests_in_flight.fetch_sub(1);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (metrics) metrics->request_done(type, error ? std::optional(error->code) : std::nullopt, seconds);
    if (error) {
      auto level = error->code == ErrorCode::internal ? log::Level::error : log::Level::info;
      auto fields = error_log_fields(*error);
      fields["type"] = type;
      log::write(level, "request_failed", std::move(fields));
    }
    if (c) c->deliver(std::move(text), std::move(change));
  }

  // The error's text, with the retry hint when the error is `internal` and one is due.
  std::string error_text(const Error& error, boost::json::object extra) const {
    if (error.code == ErrorCode::internal && hint && *hint && !extra.contains("retry_after_ms"))
      if (auto wait = (*hint)()) extra["retry_after_ms"] = wait->count();
    if (extra.empty()) return protocol::serialize_error(id, error);
    boost::json::object err{{"code", to_string(error.code)}, {"message", error.message}};
    for (auto& kv : extra) err[kv.key()] = std::move(kv.value());
    return boost::json::serialize(boost::json::object{{"re", id}, {"ok", false}, {"error", std::move(err)}});
  }

  ~Core() {
    if (!answered.load())
      send(error_text(Error{ErrorCode::internal, "the server dropped this request; please retry"}, {}),
           Error{ErrorCode::internal, "request dropped without an answer"}, {});
  }
};

Reply::Reply(std::weak_ptr<Connection> conn, std::int64_t id, std::string type, Metrics* metrics,
             std::shared_ptr<const RetryHint> hint)
    : core_(std::make_shared<Core>()) {
  if (auto c = conn.lock()) c->requests_in_flight.fetch_add(1);
  core_->conn = std::move(conn);
  core_->id = id;
  core_->type = std::move(type);
  core_->metrics = metrics;
  core_->hint = std::move(hint);
}

void Reply::ok(boost::json::object fields, StateChange change) const {
  core_->send(protocol::serialize_ok(core_->id, std::move(fields)), std::nullopt, std::move(change));
}

void Reply::ok_members(std::string_view members) const {
  // protocol::serialize_ok's envelope and order: "re", "ok", then the fields.
  std::string text;
  text.reserve(members.size() + 32);
  text += "{\"re\":";
  text += std::to_string(core_->id);
  text += ",\"ok\":true";
  if (!members.empty()) {
    text += ',';
    text += members;
  }
  text += '}';
  core_->send(std::move(text), std::nullopt, {});
}

void Reply::fail(Error error) const { fail(std::move(error), {}); }

void Reply::fail(Error error, boost::json::object extra) const {
  std::string text = core_->error_text(error, std::move(extra));
  core_->send(std::move(text), std::move(error), {});
}

void Reply::operator()(Result<boost::json::object> r) const {
  if (r) ok(std::move(r.value()));
  else fail(r.error());
}

std::int64_t Reply::id() const { return core_->id; }
const std::string& Reply::type() const { return core_->type; }

void Dispatcher::set_limits(const RequestLimits& limits) {
  limits_ = limits;
  per_user_.set_limits({limits.user_rate, limits.user_burst});
  per_address_.set_limits({limits.address_rate, limits.address_burst});
}

std::optional<std::chrono::milliseconds> Dispatcher::take_frame(const SessionState& state,
                                                                const std::string& remote_address) const {
  if (auto wait = per_address_.take(remote_address)) return wait;
  if (state.user)
    if (auto wait = per_user_.take(state.user->id)) return wait;
  return std::nullopt;
}

Error Dispatcher::rate_error(std::chrono::milliseconds wait) {
  return Error{ErrorCode::rate_limited, "too many messages; slow down and retry in " + std::to_string(wait.count()) + " ms"};
}

namespace {
// {"re":..,"ok":false,"error":{"code":"rate_limited","message":..,"retry_after_ms":N}}
std::string rate_limited_answer(std::optional<std::int64_t> re, std::chrono::milliseconds wait) {
  Error error = Dispatcher::rate_error(wait);
  boost::json::object err{{"code", to_string(error.code)}, {"message", error.message}, {"retry_after_ms", wait.count()}};
  boost::json::object o{{"re", nullptr}, {"ok", false}, {"error", std::move(err)}};
  if (re) o["re"] = *re;
  return boost::json::serialize(o);
}
}  // namespace

void Dispatcher::add(std::string type, Access access, Handler handler) {
  if (routes_.count(type)) throw std::logic_error("request type registered twice: " + type);
  routes_.emplace(std::move(type), Route{access, std::move(handler)});
}

bool Dispatcher::has(std::string_view type) const { return routes_.find(type) != routes_.end(); }

std::string Dispatcher::protocol_error(std::optional<std::int64_t> re, Error error) const {
  metrics_.error(error.code);
  log::info("request_failed", error_log_fields(error));
  return protocol::serialize_error(re, error);
}

void Dispatcher::dispatch(std::string_view frame, SessionState& state, const std::string& remote_address,
                          const std::shared_ptr<Connection>& conn) const {
  auto wait = take_frame(state, remote_address);
  std::optional<std::int64_t> id_seen;
  auto parsed = protocol::parse_request(frame, &id_seen);
  if (wait) {
    // Not logged frame by frame: a flood would flood the log too. The metric counts them.
    metrics_.error(ErrorCode::rate_limited);
    conn->deliver(rate_limited_answer(id_seen, *wait), {});
    return;
  }
  if (!parsed) {
    conn->deliver(protocol_error(id_seen, parsed.error()), {});
    return;
  }
  protocol::Request& req = *parsed;
  // Metric label: registered types and hello by name, anything else "unknown" (bounded).
  std::string label = (req.type == "hello" || has(req.type)) ? req.type : "unknown";
  Reply reply(conn, req.id, label, &metrics_, retry_hint_);  // counts itself in conn->requests_in_flight
  if (limits_.max_in_flight != 0 && conn->requests_in_flight.load() > limits_.max_in_flight)
    return reply.fail(ErrorCode::rate_limited, "more than " + std::to_string(limits_.max_in_flight) +
                                                   " requests are waiting for an answer on this connection; "
                                                   "wait for some answers before sending more");

  if (req.type == "hello") {
    if (state.hello_done) return reply.fail(ErrorCode::unsupported, "hello was already sent on this connection");
    auto it = req.body.find("protocol");
    if (it == req.body.end()) return reply.fail(ErrorCode::bad_request, "field 'protocol' is missing");
    if (!it->value().is_int64())
      return reply.fail(ErrorCode::bad_request, "field 'protocol' must be an integer, got " +
                                                    std::string(json_type_name(it->value())));
    if (it->value().as_int64() != protocol::kVersion)
      return reply.fail(ErrorCode::unsupported, "protocol version " + std::to_string(it->value().as_int64()) +
                                                    " is not supported; this server speaks version 1");
    // A device that applies carried changes says so; one that does not (an older one) gets
    // plain pokes. Anything but `true` is "no".
    auto live = req.body.find(passerelle::sync::kLiveRowsField);
    bool live_rows = live != req.body.end() && live->value().is_bool() && live->value().get_bool();
    state.hello_done = true;  // on the strand, before any later frame is read
    boost::json::object answer{{"protocol", protocol::kVersion}, {"server", "passerelle/" PASSERELLE_VERSION}};
    // Pushes the push handler takes in flight at once, in order (sync/wire.h, docs/protocol.md),
    // within the connection's limit of unanswered requests.
    answer[passerelle::sync::kPushWindowField] =
        limits_.max_in_flight == 0 ? passerelle::sync::kPushWindow
                                   : std::min<std::int64_t>(passerelle::sync::kPushWindow, limits_.max_in_flight);
    if (live_rows) {
      conn->live_rows.store(true);
      answer[passerelle::sync::kLiveRowsField] = true;
    }
    return reply.ok(std::move(answer));
  }
  if (!state.hello_done) return reply.fail(ErrorCode::bad_request, "send hello first");
  auto route = routes_.find(req.type);
  if (route == routes_.end())
    return reply.fail(ErrorCode::bad_request, "unknown request type '" + req.type + "'");
  if (route->second.access == Access::authenticated && !state.user)
    return reply.fail(ErrorCode::unauthenticated, "sign in first (auth.login or auth.resume)");

  Context ctx{state.user, state.token_hash, remote_address};
  try {
    route->second.handler(ctx, req, reply);
  } catch (const std::exception& e) {
    log::error("handler_exception", storage::failure_fields(e, {{"type", req.type}}));
    reply.fail(ErrorCode::internal, "the server failed to handle this request; please retry");
  } catch (...) {
    log::error("handler_exception", {{"type", req.type}, {"what", "unknown exception"}});
    reply.fail(ErrorCode::internal, "the server failed to handle this request; please retry");
  }
}

}  // namespace passerelle::server::net
