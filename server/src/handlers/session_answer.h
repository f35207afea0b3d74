// The answer shared by auth.login, auth.resume and auth.accept_invite, and the state change
// that signs the connection in.
#pragma once

#include <boost/json/object.hpp>

#include "../net/connection.h"
#include "../net/hub.h"
#include "passerelle/shared/protocol.h"

namespace passerelle::server::handlers {

inline boost::json::object session_fields(const protocol::UserInfo& user, const std::string& expires_at,
                                          const std::string* token) {
  boost::json::object o;
  if (token) o["token"] = *token;
  o["expires_at"] = expires_at;
  o["user"] = protocol::to_json(user);
  return o;
}

inline net::StateChange sign_in(protocol::UserInfo user, std::string token_hash) {
  return [user = std::move(user), token_hash = std::move(token_hash)](net::SessionState& s) {
    s.user = user;
    s.token_hash = token_hash;
  };
}

}  // namespace passerelle::server::handlers
