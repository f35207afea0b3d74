// account.update (admin): disable or enable an account, or change its role (docs/protocol.md).
// Either change ends the person's sessions: every token is revoked in the same transaction and
// every open connection is closed, so nobody keeps working with an account or a role that is
// no longer theirs (docs/limits.md, "Ending sessions").
#include <soci/soci.h>

#include "../auth/accounts.h"
#include "../auth/password_resets.h"
#include "../log.h"
#include "../services.h"
#include "../sync/change_log.h"
#include "audit/audit.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/protocol.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::handlers {
namespace {

using net::Access;
using net::Context;
using net::Reply;
using protocol::Role;

struct Update {
  std::string user_id;
  std::optional<bool> disabled;
  std::optional<Role> role;
};

struct Outcome {
  protocol::UserInfo user;
  bool disabled = false;
  bool changed = false;
  long long revoked_sessions = 0;
  std::set<std::string> touched_users;  // the profile row changed: poke its readers
  std::int64_t last_seq = 0;
};

long long revoke_all_sessions(soci::session& sql, const std::string& user_id, const std::string& now) {
  soci::statement st = (sql.prepare << "UPDATE sessions SET revoked_at = :now WHERE user_id = :u AND revoked_at IS NULL",
                        soci::use(now), soci::use(user_id));
  st.execute(true);
  return st.get_affected_rows();
}

// The profile row carries the role that devices and the dashboard show.
void write_profile_role(sync::ChangeLog& log, const std::string& user_id, Role role, Timestamp now) {
  auto row = log.get(passerelle::sync::collection::profiles, user_id);
  if (!row) return;
  (*row)["role"] = protocol::to_string(role);
  (*row)["updated_at"] = format_rfc3339(now);
  log.put(passerelle::sync::collection::profiles, user_id, *row,
          log.audience(passerelle::sync::collection::profiles, user_id));
}

void update_account(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  const protocol::UserInfo& me = *ctx.user;
  if (me.role != Role::admin) return reply.fail(ErrorCode::forbidden, "only an admin may change accounts");
  JsonReader in(req.body);
  Update u;
  u.user_id = in.string("user_id");
  u.disabled = in.optional_boolean("disabled");
  auto role_text = in.optional_string("role");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (role_text) {
    u.role = protocol::parse_role(*role_text);
    if (!u.role) return reply.fail(ErrorCode::bad_request, "field 'role' must be one of candidate, mentor, coach, admin");
  }
  if (!u.disabled && !u.role) return reply.fail(ErrorCode::bad_request, "give 'disabled' or 'role' (or both)");
  // An admin who locked themselves out could leave the program without any admin.
  if (u.user_id == me.id) return reply.fail(ErrorCode::forbidden, "an admin cannot disable or change their own account");

  audit::Entry entry = audit::make_entry(me.id, me.role, ctx.remote_address, "account.update", u.user_id);
  auto out = std::make_shared<Outcome>();
  svc.db.writer().submit(
      [u, entry, out](soci::session& sql) mutable -> Status {
        auto user = auth::find_user_by_id(sql, u.user_id);
        if (!user) return Status(ErrorCode::not_found, "no such account");
        bool disabled = u.disabled.value_or(user->disabled);
        Role role = u.role.value_or(user->info.role);
        out->user = user->info;
        out->user.role = role;
        out->disabled = disabled;
        out->changed = disabled != user->disabled || role != user->info.role;
        if (!out->changed) return Status::Ok();
        Timestamp now = now_utc();
        std::string now_text = format_rfc3339(now);
        int disabled_int = disabled ? 1 : 0;
        std::string role_name(protocol::to_string(role));
        sql << "UPDATE users SET disabled = :d, role = :r WHERE id = :id", soci::use(disabled_int), soci::use(role_name),
            soci::use(u.user_id);
        out->revoked_sessions = revoke_all_sessions(sql, u.user_id, now_text);
        if (disabled) auth::end_password_resets(sql, u.user_id, now_text);  // a reset link dies too
        if (role != user->info.role) {
          sync::ChangeLog log(sql, now);
          write_profile_role(log, u.user_id, role, now);
          out->touched_users = log.touched_users();
          out->last_seq = log.last_seq();
        }
        entry.details = {{"revoked_sessions", out->revoked_sessions}};
        if (disabled != user->disabled) entry.details["disabled"] = disabled;
        if (role != user->info.role) {
          entry.details["role"] = role_name;
          entry.details["previous_role"] = protocol::to_string(user->info.role);
        }
        audit::record(sql, entry);
        return Status::Ok();
      },
      [&svc, reply, out, me_id = me.id](Status st) {
        if (!st) return reply.fail(st.error());
        std::size_t closed = 0;
        if (out->changed) {
          // After the commit: a closed device that reconnects finds its token revoked.
          std::string reason = out->disabled ? "account disabled" : "account changed; sign in again";
          closed = svc.hub.disconnect_user(out->user.id, reason);
          log::info("account_updated", {{"user_id", out->user.id},
                                        {"by", me_id},
                                        {"disabled", out->disabled},
                                        {"role", protocol::to_string(out->user.role)},
                                        {"revoked_sessions", out->revoked_sessions},
                                        {"closed_connections", static_cast<std::int64_t>(closed)}});
          if (out->last_seq > 0 && !out->touched_users.empty()) {
            std::vector<std::string> users(out->touched_users.begin(), out->touched_users.end());
            svc.hub.send_event(users, protocol::serialize_event("poke", {{"seq", out->last_seq}}));
          }
        }
        reply.ok({{"user", protocol::to_json(out->user)},
                  {"disabled", out->disabled},
                  {"changed", out->changed},
                  {"revoked_sessions", out->revoked_sessions},
                  {"closed_connections", static_cast<std::int64_t>(closed)}});
      });
}

}  // namespace

void register_account_admin_handlers(net::Dispatcher& d, Services& svc) {
  d.add("account.update", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { update_account(svc, c, r, std::move(reply)); });
}

}  // namespace passerelle::server::handlers
