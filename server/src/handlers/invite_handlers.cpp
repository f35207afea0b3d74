// invite.create and auth.accept_invite (docs/protocol.md).
#include <soci/soci.h>

#include <chrono>

#include "../auth/accounts.h"
#include "../log.h"
#include "../services.h"
#include "audit/audit.h"
#include "../storage/profiles.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/text.h"
#include "passerelle/shared/time.h"
#include "session_answer.h"

namespace passerelle::server::handlers {
namespace {

using net::Access;
using net::Context;
using net::Reply;
using protocol::Role;

std::string after_days(double days) {
  return format_rfc3339(now_utc() + std::chrono::milliseconds(static_cast<std::int64_t>(days * 86400000.0)));
}

bool may_invite(Role inviter, Role invitee) {
  if (inviter == Role::admin) return true;
  if (inviter == Role::coach) return invitee == Role::candidate || invitee == Role::mentor;
  return false;
}

void create_invite(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::string email_raw = in.string("email");
  std::string role_text = in.string("role");
  auto locale_text = in.optional_string("locale");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  auto email = protocol::normalize_email(email_raw);
  if (!email) return reply.fail(ErrorCode::bad_request, "field 'email' " + email.error().message);
  auto role = protocol::parse_role(role_text);
  if (!role) return reply.fail(ErrorCode::bad_request, "field 'role' must be one of candidate, mentor, coach, admin");
  auto locale = locale_text ? protocol::parse_locale(*locale_text) : ctx.user->locale;
  if (!locale) return reply.fail(ErrorCode::bad_request, "field 'locale' must be fr or en");
  const protocol::UserInfo& me = *ctx.user;
  if (!may_invite(me.role, *role))
    return reply.fail(ErrorCode::forbidden, "a " + std::string(protocol::to_string(me.role)) +
                                                " cannot invite a " + std::string(protocol::to_string(*role)));

  auto token = new_token();
  auth::InvitationRecord inv;
  inv.id = new_id();
  inv.token_hash = sha256_hex(token);
  inv.email = *email;
  inv.role = std::string(protocol::to_string(*role));
  inv.locale = std::string(protocol::to_string(*locale));
  inv.invited_by = me.id;
  inv.created_at = format_rfc3339(now_utc());
  inv.expires_at = after_days(svc.config.invite_ttl_days);

  // Inviting someone is an account change: audited in the same transaction (docs/dashboard.md).
  audit::Entry entry = audit::make_entry(me.id, me.role, ctx.remote_address, "account.invite", inv.id, {{"role", inv.role}});
  svc.db.writer().submit(
      [inv, entry](soci::session& sql) -> Status {
        if (auth::email_taken(sql, inv.email))
          return Status(ErrorCode::conflict, "an account already uses this e-mail");
        auth::insert_invitation(sql, inv);
        audit::record(sql, entry);
        return Status::Ok();
      },
      [&svc, reply, inv, token, inviter = me.name, role = *role, locale = *locale](Status st) {
        if (!st) return reply.fail(st.error());
        svc.workers.post([&svc, reply, inv, token, inviter, role, locale] {
          auto msg = mail::invitation_message(locale, inv.email, token, svc.config.public_url, inviter, role,
                                              inv.expires_at);
          auto sent = svc.mailer.send(msg);
          if (!sent) {
            log::error("invitation_mail_failed", {{"invitation_id", inv.id}, {"message", sent.error().message}});
            return reply.fail(ErrorCode::internal, "the invitation was saved but its e-mail could not be sent");
          }
          log::info("invitation_created", {{"invitation_id", inv.id}, {"invited_by", inv.invited_by}, {"role", inv.role}});
          reply.ok({{"invitation",
                     {{"id", inv.id}, {"email", inv.email}, {"role", inv.role}, {"locale", inv.locale},
                      {"expires_at", inv.expires_at}}}});
        });
      });
}

// Checks an invitation as it is now; the writer re-checks inside the transaction.
Status check_invitation(const std::optional<auth::InvitationRecord>& inv, const std::string& now) {
  if (!inv || inv->expires_at <= now) return Status(ErrorCode::not_found, "unknown or expired invitation");
  if (inv->used_at) return Status(ErrorCode::conflict, "this invitation was already used");
  return Status::Ok();
}

void accept_invite(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::string token = in.string("token");
  std::string name = in.string("name");
  std::string password = in.string("password");
  std::string device = in.optional_string("device").value_or("");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (device.size() > 100 || !is_valid_utf8(device))
    return reply.fail(ErrorCode::bad_request, "field 'device' must be UTF-8 text of at most 100 bytes");
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) name.erase(0, 1);
  if (name.empty()) return reply.fail(ErrorCode::bad_request, "field 'name' must not be empty");
  if (name.size() > 200) return reply.fail(ErrorCode::too_large, "field 'name' is longer than 200 bytes");
  if (auto st = auth::check_new_password("password", password); !st) return reply.fail(st.error());

  svc.workers.post([&svc, reply, token_hash = sha256_hex(token), name, password, remote = ctx.remote_address, device] {
    // Cheap check first so that a bad token never costs a password hash.
    auto inv = svc.db.read([&](soci::session& sql) { return auth::find_invitation(sql, token_hash); });
    if (auto st = check_invitation(inv, format_rfc3339(now_utc())); !st) return reply.fail(st.error());
    auto hash = auth::hash_password(password, svc.scrypt());
    if (!hash) return reply.fail(hash.error());

    auth::UserRecord user;
    user.info.id = new_id();
    user.info.email = inv->email;
    user.info.name = name;
    user.info.role = protocol::parse_role(inv->role).value_or(Role::candidate);
    user.info.locale = protocol::parse_locale(inv->locale).value_or(protocol::Locale::fr);
    user.password_hash = *hash;
    std::string session_token = new_token();
    std::string session_hash = sha256_hex(session_token);
    std::string expires = after_days(svc.config.token_ttl_days);
    svc.db.writer().submit(
        [user, token_hash, session_hash, expires, remote, device](soci::session& sql) mutable -> Status {
          Timestamp now_ts = now_utc();
          std::string now = format_rfc3339(now_ts);
          auto current = auth::find_invitation(sql, token_hash);
          if (auto st = check_invitation(current, now); !st) return st;
          if (auth::email_taken(sql, user.info.email))
            return Status(ErrorCode::conflict, "an account already uses this e-mail");
          user.created_at = now;
          auth::insert_user(sql, user);
          storage::write_new_profile(sql, user.info, now_ts);
          auth::mark_invitation_used(sql, current->id, now);
          auth::insert_session(sql, {session_hash, user.info.id, now, expires, device, remote});
          return Status::Ok();
        },
        [&svc, reply, info = user.info, session_token, session_hash, expires, remote](Status st) {
          if (!st) return reply.fail(st.error());
          svc.metrics.login(true);
          log::info("invitation_accepted", {{"user_id", info.id}, {"role", protocol::to_string(info.role)}, {"remote", remote}});
          reply.ok(session_fields(info, expires, &session_token), sign_in(info, session_hash));
        });
  });
}

}  // namespace

void register_invite_handlers(net::Dispatcher& d, Services& svc) {
  d.add("invite.create", Access::authenticated, [&svc](const Context& c, const protocol::Request& r, Reply reply) {
    create_invite(svc, c, r, std::move(reply));
  });
  d.add("auth.accept_invite", Access::anonymous, [&svc](const Context& c, const protocol::Request& r, Reply reply) {
    accept_invite(svc, c, r, std::move(reply));
  });
}

}  // namespace passerelle::server::handlers
