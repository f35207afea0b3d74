// Password change, reset by e-mail, and sessions (docs/protocol.md): online requests, not
// mutators. Each checks what it can on the device, then asks the server.
#include <boost/json.hpp>

#include "passerelle/client.h"
#include "passerelle/shared/json_reader.h"

namespace passerelle::client {
namespace {

namespace json = boost::json;

// The same rule the server applies (auth/password.h), checked here to answer at once offline.
constexpr std::size_t kMinPasswordLength = 10;

std::optional<Failure> check_new_password(std::string_view password) {
  if (password.size() < kMinPasswordLength)
    return usage_failure("the new password must be at least " + std::to_string(kMinPasswordLength) + " characters");
  return std::nullopt;
}

Failure unexpected(const Error& e) {
  return Failure{Origin::server, Error{ErrorCode::internal, "the server sent an unexpected answer: " + e.message}};
}

std::int64_t count_field(const json::object& answer, std::string_view key) {
  auto* v = answer.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : 0;
}

}  // namespace

Outcome<std::int64_t> Client::change_password(std::string_view current, std::string_view new_password) {
  if (current.empty()) return usage_failure("the current password is empty");
  if (auto bad = check_new_password(new_password)) return *bad;
  auto answer = signed_in_request("auth.password.change", {{"current", current}, {"new", new_password}});
  if (!answer) return std::move(answer).failure();
  return count_field(*answer, "ended_sessions");
}

Outcome<Done> Client::request_password_reset(std::string_view email) {
  auto normalized = protocol::normalize_email(email);
  if (!normalized) return usage_failure(normalized.error().message);
  auto answer = request("auth.reset.request", {{"email", *normalized}});
  if (!answer) return std::move(answer).failure();
  return Done{};
}

Outcome<Done> Client::reset_password_with_code(std::string_view code, std::string_view new_password) {
  if (code.empty()) return usage_failure("the reset code is empty");
  if (auto bad = check_new_password(new_password)) return *bad;
  auto answer = request("auth.reset.confirm", {{"code", code}, {"new_password", new_password}});
  if (!answer) return std::move(answer).failure();
  return Done{};
}

Outcome<Done> Client::reset_password_with_token(std::string_view token, std::string_view new_password) {
  if (token.empty()) return usage_failure("the reset token is empty");
  if (auto bad = check_new_password(new_password)) return *bad;
  auto answer = request("auth.reset.confirm", {{"token", token}, {"new_password", new_password}});
  if (!answer) return std::move(answer).failure();
  return Done{};
}

Outcome<std::vector<SessionInfo>> Client::sessions() {
  auto answer = signed_in_request("sessions.list", {});
  if (!answer) return std::move(answer).failure();
  auto* list = answer->if_contains("sessions");
  if (!list || !list->is_array()) return unexpected(Error{ErrorCode::internal, "no 'sessions' list"});
  std::vector<SessionInfo> out;
  for (const auto& item : list->as_array()) {
    JsonReader in(item);
    SessionInfo s;
    s.id = in.string("id");
    s.device = in.optional_string("device").value_or("");
    s.address = in.optional_string("address").value_or("");
    s.first_seen_at = in.optional_string("first_seen_at").value_or("");
    s.last_seen_at = in.optional_string("last_seen_at").value_or("");
    s.expires_at = in.optional_string("expires_at").value_or("");
    s.current = in.optional_boolean("current").value_or(false);
    if (auto st = in.status(); !st) return unexpected(st.error());
    out.push_back(std::move(s));
  }
  return out;
}

Outcome<Done> Client::end_session(std::string_view session_id) {
  if (session_id.empty()) return usage_failure("the session id is empty");
  auto answer = signed_in_request("sessions.end", {{"session_id", session_id}});
  if (!answer) return std::move(answer).failure();
  // The server signed this connection out: this device is no longer signed in.
  if (auto* current = answer->if_contains("current"); current && current->is_bool() && current->as_bool())
    return forget_session();
  return Done{};
}

Outcome<std::int64_t> Client::end_all_sessions(std::string_view user_id) {
  if (user_id.empty()) return usage_failure("the user id is empty");
  auto answer = signed_in_request("account.end_sessions", {{"user_id", user_id}});
  if (!answer) return std::move(answer).failure();
  return count_field(*answer, "ended_sessions");
}

Outcome<boost::json::object> Client::invite(std::string_view email, std::string_view role, std::string_view name,
                                            std::string_view locale) {
  if (email.empty()) return usage_failure("the e-mail is empty");
  if (role.empty()) return usage_failure("the role is empty");
  boost::json::object fields{{"email", email}, {"role", role}};
  if (!name.empty()) fields["name"] = name;
  if (!locale.empty()) fields["locale"] = locale;
  auto answer = signed_in_request("invite.create", std::move(fields));
  if (!answer) return std::move(answer).failure();
  auto* inv = answer->if_contains("invitation");
  if (!inv || !inv->is_object()) return usage_failure("the server's answer holds no invitation");
  return inv->as_object();
}

}  // namespace passerelle::client
