#include "passerelle/shared/protocol.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

#include "passerelle/shared/json_reader.h"

namespace passerelle::protocol {
namespace json = boost::json;

Result<Request> parse_request(std::string_view frame, std::optional<std::int64_t>* id_seen) {
  auto parsed = parse_json(frame);
  if (!parsed) return parsed.error();
  if (!parsed->is_object())
    return Error{ErrorCode::bad_request,
                 "a request must be a JSON object, got " + std::string(json_type_name(*parsed))};
  JsonReader in(*parsed);
  Request req;
  req.id = in.integer("id");
  if (in.ok() && id_seen) *id_seen = req.id;
  req.type = in.string("type");
  if (in.ok() && req.type.empty()) in.fail("type", "must not be empty");
  if (auto st = in.status(); !st) return st.error();
  req.body = std::move(parsed->get_object());
  return req;
}

std::string serialize_request(std::int64_t id, std::string_view type, json::object fields) {
  json::object o;
  o["id"] = id;
  o["type"] = type;
  for (auto& kv : fields) o[kv.key()] = std::move(kv.value());
  return json::serialize(o);
}

std::string serialize_ok(std::int64_t id, json::object fields) {
  json::object o;
  o["re"] = id;
  o["ok"] = true;
  for (auto& kv : fields) o[kv.key()] = std::move(kv.value());
  return json::serialize(o);
}

std::string serialize_error(std::optional<std::int64_t> id, const Error& error) {
  json::object o;
  if (id)
    o["re"] = *id;
  else
    o["re"] = nullptr;
  o["ok"] = false;
  o["error"] = json::object{{"code", to_string(error.code)}, {"message", error.message}};
  return json::serialize(o);
}

std::string serialize_event(std::string_view type, json::object fields) {
  json::object o;
  o["type"] = type;
  for (auto& kv : fields) o[kv.key()] = std::move(kv.value());
  return json::serialize(o);
}

Result<ServerMessage> parse_server_message(std::string_view frame) {
  auto parsed = parse_json(frame);
  if (!parsed) return parsed.error();
  JsonReader in(*parsed);
  if (!in.ok()) return in.status().error();
  ServerMessage m;
  // An answer has "re", which is null when the server could not read the request's id (an
  // unreadable frame, one too large, a binary one): still an answer, not an event.
  if (parsed->get_object().contains("re")) {
    m.re = in.optional_integer("re");
    m.ok = in.boolean("ok");
    if (in.ok() && !m.ok) {
      JsonReader err = in.nested("error");
      std::string code = err.string("code");
      std::string message = err.string("message");
      if (auto st = err.status(); !st) return st.error();
      m.error = Error{parse_error_code(code).value_or(ErrorCode::internal), message};
    }
  } else {
    m.type = in.string("type");
  }
  if (auto st = in.status(); !st) return st.error();
  m.body = std::move(parsed->get_object());
  return m;
}

std::string_view to_string(Role role) noexcept {
  switch (role) {
    case Role::candidate: return "candidate";
    case Role::mentor: return "mentor";
    case Role::coach: return "coach";
    case Role::admin: return "admin";
    case Role::employer: return "employer";
  }
  return "candidate";
}

std::optional<Role> parse_role(std::string_view t) noexcept {
  if (t == "candidate") return Role::candidate;
  if (t == "mentor") return Role::mentor;
  if (t == "coach") return Role::coach;
  if (t == "admin") return Role::admin;
  if (t == "employer") return Role::employer;
  return std::nullopt;
}

std::string_view to_string(Locale l) noexcept { return l == Locale::en ? "en" : "fr"; }

std::optional<Locale> parse_locale(std::string_view t) noexcept {
  if (t == "fr") return Locale::fr;
  if (t == "en") return Locale::en;
  return std::nullopt;
}

json::object to_json(const UserInfo& u) {
  return json::object{{"id", u.id},
                      {"role", to_string(u.role)},
                      {"email", u.email},
                      {"name", u.name},
                      {"locale", to_string(u.locale)}};
}

Result<UserInfo> user_from_json(const json::value& v, std::string path) {
  JsonReader in(v, std::move(path));
  UserInfo u;
  u.id = in.string("id");
  std::string role = in.string("role");
  u.email = in.string("email");
  u.name = in.string("name");
  std::string locale = in.optional_string("locale").value_or("fr");
  if (in.ok() && !parse_role(role)) in.fail("role", "is not a known role");
  if (in.ok() && !parse_locale(locale)) in.fail("locale", "must be \"fr\" or \"en\"");
  if (auto st = in.status(); !st) return st.error();
  u.role = *parse_role(role);
  u.locale = *parse_locale(locale);
  return u;
}

Result<std::string> normalize_email(std::string_view email) {
  auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!email.empty() && is_space(email.front())) email.remove_prefix(1);
  while (!email.empty() && is_space(email.back())) email.remove_suffix(1);
  std::string e(email);
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  auto at = e.find('@');
  bool ok = e.size() <= 254 && at != std::string::npos && at > 0 && at == e.rfind('@') &&
            e.find('.', at) != std::string::npos && e.back() != '.' &&
            std::none_of(e.begin(), e.end(), [](unsigned char c) { return std::isspace(c) || c < 0x20 || c == '<' || c == '>' || c == ','; });
  if (!ok) return Error{ErrorCode::bad_request, "'" + std::string(email) + "' is not a valid e-mail address"};
  return e;
}

}  // namespace passerelle::protocol
