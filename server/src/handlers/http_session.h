// The signed-in person behind an HTTP request's "Authorization: Bearer <token>" (uploads,
// exports, the cohort upload): one rule for every route. Reads the database: call on a worker.
#pragma once

#include <soci/soci.h>

#include "../auth/accounts.h"
#include "../net/http_routes.h"
#include "../services.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::handlers {

inline Result<protocol::UserInfo> authenticate_http(Services& svc, const net::HttpRequest& req) {
  std::string token = net::bearer_token(req.authorization);
  if (token.empty())
    return Error{ErrorCode::unauthenticated, "send the session token as 'Authorization: Bearer <token>'"};
  auto session = svc.db.read(
      [&](soci::session& sql) { return auth::find_session(sql, sha256_hex(token), format_rfc3339(now_utc())); });
  if (!session) return Error{ErrorCode::unauthenticated, "the session token is unknown or expired; sign in again"};
  return session->user;
}

}  // namespace passerelle::server::handlers
