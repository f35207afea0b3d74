// auth.login, auth.resume, auth.logout (docs/protocol.md).
#include <soci/soci.h>

#include <chrono>

#include "../auth/accounts.h"
#include "../log.h"
#include "../services.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/text.h"
#include "passerelle/shared/time.h"
#include "privacy/account_data.h"
#include "session_answer.h"

namespace passerelle::server::handlers {
namespace {

using net::Access;
using net::Context;
using net::Reply;

constexpr std::size_t kMaxDeviceLength = 100;
// auth.resume records when and from where a session was last used, at most this often, so
// that reconnecting devices do not each cost a write.
constexpr auto kLastSeenResolution = std::chrono::minutes(5);

// --max-connections-per-user, checked when a connection signs in (the user is not known
// before). Sign-ins racing each other may pass it together: a bound, not an exact count.
std::optional<Error> too_many_connections(Services& svc, const std::string& user_id) {
  auto limit = svc.config.max_connections_per_user;
  if (limit == 0 || svc.hub.connections_of(user_id) < limit) return std::nullopt;
  log::warn("too_many_connections", {{"user_id", user_id}, {"limit", static_cast<std::int64_t>(limit)}});
  return Error{ErrorCode::rate_limited, "this account already has " + std::to_string(limit) +
                                            " open connections; close one (or wait for it to time out) and retry"};
}

// The device name a client gives at sign-in (sessions.list shows it): optional, short text.
Status check_device(const std::string& device) {
  if (device.size() > kMaxDeviceLength)
    return Status(ErrorCode::bad_request, "field 'device' is longer than " + std::to_string(kMaxDeviceLength) + " bytes");
  if (!is_valid_utf8(device)) return Status(ErrorCode::bad_request, "field 'device' is not valid UTF-8");
  return Status::Ok();
}

std::string expiry_after_days(double days) {
  auto ms = static_cast<std::int64_t>(days * 86400.0 * 1000.0);
  return format_rfc3339(now_utc() + std::chrono::milliseconds(ms));
}

void login(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::string email_raw = in.string("email");
  std::string password = in.string("password");
  std::string device = in.optional_string("device").value_or("");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (auto st = check_device(device); !st) return reply.fail(st.error());
  auto normalized = protocol::normalize_email(email_raw);
  // An address that cannot exist still costs a hash and answers like a wrong password.
  std::string email = normalized ? *normalized : email_raw;

  if (auto wait = svc.throttle.check(email, ctx.remote_address)) {
    log::warn("login_throttled", {{"remote", ctx.remote_address}, {"retry_after_ms", wait->count()}});
    return reply.fail(Error{ErrorCode::rate_limited, "too many failed sign-in attempts; try again later"},
                      {{"retry_after_ms", wait->count()}});
  }
  svc.workers.post([&svc, reply, email, password = std::move(password), remote = ctx.remote_address,
                    valid = normalized.ok(), device] {
    std::optional<auth::UserRecord> user;
    if (valid) user = svc.db.read([&](soci::session& sql) { return auth::find_user_by_email(sql, email); });
    bool ok = false;
    if (user && !user->disabled) ok = auth::verify_password(password, user->password_hash);
    else (void)auth::verify_password(password, svc.decoy_hash);  // same cost as a real account
    if (!ok) {
      auto delay = svc.throttle.failed(email, remote);
      svc.metrics.login(false);
      log::info("login_failed", {{"remote", remote}});
      svc.schedule(delay, [reply] { reply.fail(ErrorCode::unauthenticated, "wrong e-mail or password"); });
      return;
    }
    svc.throttle.succeeded(email);
    if (auto full = too_many_connections(svc, user->info.id)) return reply.fail(*full);
    std::string token = new_token();
    std::string token_hash = sha256_hex(token);
    std::string now = format_rfc3339(now_utc());
    std::string expires = expiry_after_days(svc.config.token_ttl_days);
    protocol::UserInfo info = user->info;
    svc.db.writer().submit(
        [=](soci::session& sql) {
          auth::insert_session(sql, {token_hash, info.id, now, expires, device, remote});
          return Status::Ok();
        },
        [&svc, reply, info, token, token_hash, expires, remote](Status st) {
          if (!st) return reply.fail(st.error());
          svc.metrics.login(true);
          log::info("login_ok", {{"user_id", info.id}, {"remote", remote}});
          reply.ok(session_fields(info, expires, &token), sign_in(info, token_hash));
        });
  });
}

void resume(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::string token = in.string("token");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  svc.workers.post([&svc, reply, token_hash = sha256_hex(token), remote = ctx.remote_address] {
    std::string now = format_rfc3339(now_utc());
    auto session = svc.db.read([&](soci::session& sql) { return auth::find_session(sql, token_hash, now); });
    if (!session) {
      // A device of an erased account is told so, and wipes its copy (docs/security.md).
      if (svc.db.read([&](soci::session& sql) { return privacy::token_of_deleted_account(sql, token_hash); }))
        return reply.fail(Error{ErrorCode::unauthenticated, std::string(protocol::kAccountDeletedMessage)},
                          {{"account_deleted", true}});
      return reply.fail(ErrorCode::unauthenticated, "unknown, expired or revoked token; sign in again");
    }
    if (auto full = too_many_connections(svc, session->user.id)) return reply.fail(*full);
    if (session->last_seen_at < format_rfc3339(now_utc() - kLastSeenResolution))
      svc.db.writer().submit(
          [token_hash, now, remote](soci::session& sql) {
            auth::touch_session(sql, token_hash, now, remote);
            return Status::Ok();
          },
          [](Status) {});
    log::info("resume_ok", {{"user_id", session->user.id}, {"remote", remote}});
    reply.ok(session_fields(session->user, session->expires_at, nullptr), sign_in(session->user, token_hash));
  });
}

void logout(Services& svc, const Context& ctx, const protocol::Request&, Reply reply) {
  std::string token_hash = ctx.token_hash;
  std::string user_id = ctx.user ? ctx.user->id : "";
  svc.db.writer().submit(
      [token_hash](soci::session& sql) {
        auth::revoke_session(sql, token_hash, format_rfc3339(now_utc()));
        return Status::Ok();
      },
      [&svc, reply, user_id, token_hash](Status st) {
        if (!st) return reply.fail(st.error());
        log::info("logout", {{"user_id", user_id}});
        // This connection stays open, signed out (the answer's state change, queued first on
        // its strand); other connections signed in with this token (the same device
        // reconnected, another tab) are closed. The user's other tokens are not touched.
        reply.ok({}, [](net::SessionState& s) {
          s.user.reset();
          s.token_hash.clear();
        });
        svc.hub.disconnect_token(user_id, token_hash, "signed out");
      });
}

}  // namespace

void register_auth_handlers(net::Dispatcher& d, Services& svc) {
  d.add("auth.login", Access::anonymous,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { login(svc, c, r, std::move(reply)); });
  d.add("auth.resume", Access::anonymous,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { resume(svc, c, r, std::move(reply)); });
  d.add("auth.logout", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { logout(svc, c, r, std::move(reply)); });
}

}  // namespace passerelle::server::handlers
