// The wire envelope of the WebSocket protocol (docs/protocol.md), shared by server and client.
//
// Request : {"id": <int>, "type": "<name>", ...fields}
// Answer  : {"re": <id>, "ok": true, ...fields}
//           {"re": <id>, "ok": false, "error": {"code": "<code>", "message": "<text>"}}
// Event   : {"type": "poke", "seq": N}   (server to client, no "re")
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "passerelle/shared/error.h"

namespace passerelle::protocol {

inline constexpr int kVersion = 1;
// Largest text frame either side accepts by default (64 KiB).
inline constexpr std::size_t kDefaultMaxFrame = 64 * 1024;
// auth.resume's `unauthenticated` message for a token of an erased account (docs/security.md);
// the answer also carries "account_deleted": true. A device that reads it wipes the account's
// local data.
inline constexpr std::string_view kAccountDeletedMessage = "this account was deleted";

struct Request {
  std::int64_t id = 0;
  std::string type;
  boost::json::object body;  // the whole frame; fields are read from here
};

// Decodes one text frame into a Request. On failure `id_seen` receives the request id when the
// frame had a readable one, so the error can still be correlated.
Result<Request> parse_request(std::string_view frame, std::optional<std::int64_t>* id_seen = nullptr);

std::string serialize_request(std::int64_t id, std::string_view type, boost::json::object fields = {});
std::string serialize_ok(std::int64_t id, boost::json::object fields = {});
// `id` is empty when the frame could not be read far enough to know it ("re": null).
std::string serialize_error(std::optional<std::int64_t> id, const Error& error);
std::string serialize_event(std::string_view type, boost::json::object fields = {});

// A frame as the client sees it: an answer (re set) or a server event (type set).
struct ServerMessage {
  std::optional<std::int64_t> re;
  std::string type;           // events only
  bool ok = false;            // answers only
  std::optional<Error> error; // answers with ok=false
  boost::json::object body;   // the whole frame
};
Result<ServerMessage> parse_server_message(std::string_view frame);

// Account roles and their wire spelling. An employer is an organization's contact, invited by
// program staff (docs/employers.md).
enum class Role { candidate, mentor, coach, admin, employer };
std::string_view to_string(Role role) noexcept;
std::optional<Role> parse_role(std::string_view text) noexcept;

// User interface language; every person-facing text exists in both.
enum class Locale { fr, en };
std::string_view to_string(Locale locale) noexcept;
std::optional<Locale> parse_locale(std::string_view text) noexcept;

// The user as the protocol shows it to the user themself (auth answers).
struct UserInfo {
  std::string id;
  Role role = Role::candidate;
  std::string email;
  std::string name;
  Locale locale = Locale::fr;
};
boost::json::object to_json(const UserInfo& user);
Result<UserInfo> user_from_json(const boost::json::value& v, std::string path = "user");

// Normalizes an e-mail address for lookups (trim, lower-case) and checks its basic shape.
Result<std::string> normalize_email(std::string_view email);

}  // namespace passerelle::protocol
