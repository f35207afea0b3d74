// auth.password.change, auth.reset.request and auth.reset.confirm (docs/protocol.md,
// docs/security.md "Passwords").
#include <soci/soci.h>

#include <chrono>
#include <memory>

#include "../auth/accounts.h"
#include "../auth/password_resets.h"
#include "../log.h"
#include "../net/rate_limiter.h"
#include "../services.h"
#include "audit/audit.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::handlers {
namespace {

using net::Access;
using net::Context;
using net::Reply;

constexpr std::size_t kMaxTokenLength = 128;  // new_token() makes 43 characters
constexpr std::size_t kMaxCodeLength = 32;    // XXXX-XXXX-XXXX with some spaces

// Reset requests per e-mail address and per remote address, per hour (--reset-requests-per-*).
struct ResetLimits {
  net::RateLimiter per_email, per_address;
  explicit ResetLimits(const ServeConfig& c)
      : per_email({c.reset_requests_per_email / 3600.0, static_cast<double>(c.reset_requests_per_email)}),
        per_address({c.reset_requests_per_address / 3600.0, static_cast<double>(c.reset_requests_per_address)}) {}
};

Error wrong_password_error() { return Error{ErrorCode::forbidden, "the current password is wrong"}; }

// Reads a password field that is checked against a stored hash, not against the new-password
// rules: present, not empty, not absurdly long.
Status check_given_password(std::string_view field, const std::string& password) {
  if (password.empty()) return Status(ErrorCode::bad_request, "field '" + std::string(field) + "' must not be empty");
  if (password.size() > auth::kMaxPasswordLength)
    return Status(ErrorCode::bad_request, "field '" + std::string(field) + "' is longer than " +
                                              std::to_string(auth::kMaxPasswordLength) + " bytes");
  return Status::Ok();
}

void change_password(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::string current = in.string("current");
  std::string next = in.string("new");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (auto st = check_given_password("current", current); !st) return reply.fail(st.error());
  if (auto st = auth::check_new_password("new", next); !st) return reply.fail(st.error());
  const protocol::UserInfo& me = *ctx.user;
  // A stolen session must not guess the password it does not know: wrong current passwords
  // count like failed sign-ins.
  if (auto wait = svc.throttle.check(me.email, ctx.remote_address))
    return reply.fail(Error{ErrorCode::rate_limited, "too many wrong passwords; try again later"},
                      {{"retry_after_ms", wait->count()}});

  audit::Entry entry = audit::make_entry(me.id, me.role, ctx.remote_address, "account.password_change", me.id);
  svc.workers.post([&svc, reply, me, current = std::move(current), next = std::move(next), entry,
                    keep = ctx.token_hash, remote = ctx.remote_address]() mutable {
    auto user = svc.db.read([&](soci::session& sql) { return auth::find_user_by_id(sql, me.id); });
    if (!user || user->disabled) return reply.fail(ErrorCode::unauthenticated, "this account is disabled");
    if (!auth::verify_password(current, user->password_hash)) {
      auto delay = svc.throttle.failed(me.email, remote);
      log::info("password_change_refused", {{"user_id", me.id}, {"remote", remote}});
      svc.schedule(delay, [reply] { reply.fail(wrong_password_error()); });
      return;
    }
    svc.throttle.succeeded(me.email);
    auto hash = auth::hash_password(next, svc.scrypt());
    if (!hash) return reply.fail(hash.error());
    auto ended = std::make_shared<std::vector<std::string>>();
    svc.db.writer().submit(
        [user_id = me.id, hash = *hash, keep, entry, ended](soci::session& sql) mutable -> Status {
          std::string now = format_rfc3339(now_utc());
          auth::set_password_hash(sql, user_id, hash);
          auth::end_password_resets(sql, user_id, now);
          *ended = auth::revoke_sessions_of(sql, user_id, now, keep);
          entry.details = {{"ended_sessions", static_cast<std::int64_t>(ended->size())}};
          audit::record(sql, entry);
          return Status::Ok();
        },
        [&svc, reply, user_id = me.id, ended](Status st) {
          if (!st) return reply.fail(st.error());
          for (const auto& h : *ended) svc.hub.disconnect_token(user_id, h, "password changed; sign in again");
          log::info("password_changed", {{"user_id", user_id}, {"ended_sessions", static_cast<std::int64_t>(ended->size())}});
          reply.ok({{"ended_sessions", static_cast<std::int64_t>(ended->size())}});
        });
  });
}

// Runs after the answer, so that whether the account exists changes neither the answer nor
// when it comes.
void send_reset_mail(Services& svc, const std::string& email, const std::string& remote) {
  auto user = svc.db.read([&](soci::session& sql) { return auth::find_user_by_email(sql, email); });
  if (!user || user->disabled) return;  // unknown, disabled or erased: nothing, and nothing said
  std::string token = new_token(), code = auth::new_reset_code();
  auth::PasswordReset r;
  r.id = new_id();
  r.user_id = user->info.id;
  r.token_hash = sha256_hex(token);
  r.code_hash = sha256_hex(auth::normalize_reset_code(code));
  Timestamp now = now_utc();
  r.created_at = format_rfc3339(now);
  r.expires_at = format_rfc3339(now + std::chrono::minutes(svc.config.reset_ttl_minutes));
  r.remote_address = remote;
  audit::Entry entry =
      audit::make_entry(user->info.id, user->info.role, remote, "account.password_reset_request", user->info.id);
  svc.db.writer().submit(
      [r, entry](soci::session& sql) -> Status {
        auth::replace_password_reset(sql, r);
        audit::record(sql, entry);
        return Status::Ok();
      },
      [&svc, info = user->info, r, token, code](Status st) {
        if (!st) return log::error("password_reset_failed", {{"user_id", info.id}, {"message", st.error().message}});
        svc.workers.post([&svc, info, r, token, code] {
          auto msg = mail::password_reset_message(info.locale, info.email, info.name, token, code,
                                                  svc.config.public_url, r.expires_at);
          auto sent = svc.mailer.send(msg);
          if (!sent)
            return log::error("password_reset_mail_failed", {{"user_id", info.id}, {"message", sent.error().message}});
          log::info("password_reset_mailed", {{"user_id", info.id}, {"reset_id", r.id}});
        });
      });
}

void request_reset(Services& svc, ResetLimits& limits, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::string email_raw = in.string("email");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  auto email = protocol::normalize_email(email_raw);
  if (!email) return reply.fail(ErrorCode::bad_request, "field 'email' " + email.error().message);
  auto wait = limits.per_address.take(ctx.remote_address);
  if (!wait) wait = limits.per_email.take(sha256_hex(*email));
  if (wait) {
    log::warn("password_reset_throttled", {{"remote", ctx.remote_address}, {"retry_after_ms", wait->count()}});
    return reply.fail(Error{ErrorCode::rate_limited, "too many password resets asked; try again later"},
                      {{"retry_after_ms", wait->count()}});
  }
  reply.ok({});
  svc.workers.post([&svc, email = *email, remote = ctx.remote_address] { send_reset_mail(svc, email, remote); });
}

void confirm_reset(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  auto token = in.optional_string("token");
  auto code = in.optional_string("code");
  std::string password = in.string("new_password");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (token.has_value() == code.has_value())
    return reply.fail(ErrorCode::bad_request, "give either field 'token' (from the link) or field 'code'");
  std::string secret_hash;
  if (token) {
    if (token->empty()) return reply.fail(ErrorCode::bad_request, "field 'token' must not be empty");
    if (token->size() > kMaxTokenLength) return reply.fail(ErrorCode::bad_request, "field 'token' is too long");
    secret_hash = sha256_hex(*token);
  } else {
    if (code->empty()) return reply.fail(ErrorCode::bad_request, "field 'code' must not be empty");
    std::string normalized = code->size() > kMaxCodeLength ? std::string() : auth::normalize_reset_code(*code);
    if (normalized.empty())
      return reply.fail(ErrorCode::bad_request, "field 'code' must be 12 letters and digits, like ABCD-EFGH-JKMN");
    secret_hash = sha256_hex(normalized);
  }
  if (auto st = auth::check_new_password("new_password", password); !st) return reply.fail(st.error());
  // Guessing codes costs like guessing passwords.
  std::string throttle_key = "password-reset@" + ctx.remote_address;
  if (auto wait = svc.throttle.check(throttle_key, ctx.remote_address))
    return reply.fail(Error{ErrorCode::rate_limited, "too many wrong reset codes; try again later"},
                      {{"retry_after_ms", wait->count()}});

  bool by_token = token.has_value();
  svc.workers.post([&svc, reply, secret_hash, by_token, password = std::move(password), throttle_key,
                    remote = ctx.remote_address] {
    auto find = [secret_hash, by_token](soci::session& sql, const std::string& now) {
      return by_token ? auth::find_live_reset_by_token(sql, secret_hash, now)
                      : auth::find_live_reset_by_code(sql, secret_hash, now);
    };
    auto refused = [&svc, reply, throttle_key, remote] {
      auto delay = svc.throttle.failed(throttle_key, remote);
      svc.schedule(delay, [reply] {
        reply.fail(ErrorCode::not_found, "unknown, used or expired reset link or code; ask for a new one");
      });
    };
    // Cheap check first, so that a wrong code never costs a password hash.
    auto reset = svc.db.read([&](soci::session& sql) { return find(sql, format_rfc3339(now_utc())); });
    if (!reset) return refused();
    auto hash = auth::hash_password(password, svc.scrypt());
    if (!hash) return reply.fail(hash.error());
    struct Outcome {
      std::string user_id;
      std::int64_t ended = 0;
    };
    auto out = std::make_shared<Outcome>();
    svc.db.writer().submit(
        [find, hash = *hash, out, remote](soci::session& sql) -> Status {
          std::string now = format_rfc3339(now_utc());
          auto current = find(sql, now);  // again, inside the transaction: used once only
          auto user = current ? auth::find_user_by_id(sql, current->user_id) : std::nullopt;
          // A disabled account's resets end with account.update; this is the race's guard.
          if (!user || user->disabled) {
            return Status(ErrorCode::not_found, "unknown, used or expired reset link or code; ask for a new one");
          }
          out->user_id = user->info.id;
          auth::set_password_hash(sql, user->info.id, hash);
          auth::end_password_resets(sql, user->info.id, now);
          out->ended = static_cast<std::int64_t>(auth::revoke_sessions_of(sql, user->info.id, now).size());
          audit::record(sql, audit::make_entry(user->info.id, user->info.role, remote, "account.password_reset",
                                               user->info.id, {{"ended_sessions", out->ended}}));
          return Status::Ok();
        },
        [&svc, reply, out, refused](Status st) {
          if (!st && st.error().code == ErrorCode::not_found) return refused();
          if (!st) return reply.fail(st.error());
          svc.hub.disconnect_user(out->user_id, "password reset; sign in again");
          log::info("password_reset", {{"user_id", out->user_id}, {"ended_sessions", out->ended}});
          reply.ok({{"ended_sessions", out->ended}});
        });
  });
}

}  // namespace

void register_password_handlers(net::Dispatcher& d, Services& svc) {
  auto limits = std::make_shared<ResetLimits>(svc.config);
  d.add("auth.password.change", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { change_password(svc, c, r, std::move(reply)); });
  d.add("auth.reset.request", Access::anonymous, [&svc, limits](const Context& c, const protocol::Request& r, Reply reply) {
    request_reset(svc, *limits, c, r, std::move(reply));
  });
  d.add("auth.reset.confirm", Access::anonymous,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { confirm_reset(svc, c, r, std::move(reply)); });
}

}  // namespace passerelle::server::handlers
