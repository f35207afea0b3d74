// account.update (admin): disable or enable an account, or change its role (docs/protocol.md).
// Either change ends the person's sessions: every token is revoked in the same transaction and
// every open connection is closed, so nobody keeps working with an account or a role that is
// no longer theirs (docs/limits.md, "Ending sessions").
#include <soci/soci.h>

#include "../auth/accounts.h"
#include "../auth/password_resets.h"
#include "../log.h"
#include "../services.h"
#include "../storage/db_error.h"
#include "../storage/profiles.h"
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
    if (!u.role) return reply.fail(ErrorCode::bad_request, "field 'role' must be one of candidate, mentor, coach, admin, employer");
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

// accounts.search (admin): people by name or e-mail, with their role, state, coach and last
// sign-in, for the dashboard's Accounts page. Erased accounts are not people any more.
void search_accounts(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  const protocol::UserInfo& me = *ctx.user;
  if (me.role != Role::admin) return reply.fail(ErrorCode::forbidden, "only an admin may search accounts");
  JsonReader in(req.body);
  std::string query = in.optional_string("query").value_or("");
  std::string role = in.optional_string("role").value_or("");
  std::string state = in.optional_string("state").value_or("");
  auto limit = in.optional_integer("limit").value_or(100);
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (!role.empty() && !protocol::parse_role(role))
    return reply.fail(ErrorCode::bad_request, "field 'role' must be one of candidate, mentor, coach, admin, employer");
  if (!state.empty() && state != "active" && state != "disabled")
    return reply.fail(ErrorCode::bad_request, "field 'state' must be active or disabled");
  if (limit < 1 || limit > 1000) return reply.fail(ErrorCode::bad_request, "field 'limit' must be between 1 and 1000");
  if (query.size() > 200) return reply.fail(ErrorCode::too_large, "field 'query' is longer than 200 bytes");
  svc.workers.post([&svc, reply, query, role, state, limit] {
    try {
      auto answer = svc.db.read([&](soci::session& sql) {
        std::string pattern = "%";
        for (char c : query) {
          if (c == '%' || c == '_' || c == '\\') pattern += '\\';
          pattern += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        pattern += "%";
        int disabled = state == "disabled" ? 1 : 0;
        std::string any_state = state.empty() ? "1" : "0";
        int lim = static_cast<int>(limit);
        soci::rowset<soci::row> rs =
            (sql.prepare << "SELECT u.id, u.email, u.name, u.role, u.locale, u.disabled, u.created_at,"
                            " (SELECT MAX(s.created_at) FROM sessions s WHERE s.user_id = u.id),"
                            " (SELECT MAX(s.last_seen_at) FROM sessions s WHERE s.user_id = u.id)"
                            " FROM users u WHERE u.deleted_at IS NULL"
                            " AND (LOWER(u.name) LIKE :p1 ESCAPE '\\' OR LOWER(u.email) LIKE :p2 ESCAPE '\\')"
                            " AND (:r1 = '' OR u.role = :r2) AND (:any = '1' OR u.disabled = :d)"
                            " ORDER BY LOWER(u.name), u.id LIMIT :lim",
             soci::use(pattern, "p1"), soci::use(pattern, "p2"), soci::use(role, "r1"), soci::use(role, "r2"), soci::use(any_state, "any"), soci::use(disabled, "d"),
             soci::use(lim, "lim"));
        std::vector<boost::json::object> people;
        for (const soci::row& r : rs) {
          boost::json::object o{{"id", r.get<std::string>(0)},     {"email", r.get<std::string>(1)},
                                {"name", r.get<std::string>(2)},   {"role", r.get<std::string>(3)},
                                {"locale", r.get<std::string>(4)}, {"state", r.get<int>(5) ? "disabled" : "active"},
                                {"created_at", r.get<std::string>(6)}};
          std::string signed_in = r.get_indicator(7) == soci::i_ok ? r.get<std::string>(7) : "";
          std::string seen = r.get_indicator(8) == soci::i_ok ? r.get<std::string>(8) : "";
          std::string last = std::max(signed_in, seen);
          o["last_sign_in"] = last.empty() ? boost::json::value(nullptr) : boost::json::value(last);
          people.push_back(std::move(o));
        }
        // A candidate's coach is on their profile row (caseload.assign).
        std::map<std::string, std::string> coach_names;
        for (auto& o : people) {
          if (o["role"] != "candidate") continue;
          auto profile = storage::read_profile(sql, std::string(o["id"].as_string()));
          auto* coach = profile ? profile->if_contains("coach_id") : nullptr;
          if (!coach || !coach->is_string()) continue;
          std::string id(coach->get_string());
          if (!coach_names.count(id)) {
            auto u = auth::find_user_by_id(sql, id);
            coach_names[id] = u ? u->info.name : "";
          }
          o["coach_id"] = id;
          o["coach_name"] = coach_names[id];
        }
        boost::json::array list;
        for (auto& o : people) list.push_back(std::move(o));
        return boost::json::object{{"accounts", std::move(list)}};
      });
      reply.ok(std::move(answer));
    } catch (const std::exception& e) {
      log::error("accounts_search_failed", storage::failure_fields(e));
      reply.fail(ErrorCode::internal, "the accounts could not be read; try again");
    }
  });
}

}  // namespace

void register_account_admin_handlers(net::Dispatcher& d, Services& svc) {
  d.add("account.update", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { update_account(svc, c, r, std::move(reply)); });
  d.add("accounts.search", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { search_accounts(svc, c, r, std::move(reply)); });
}

}  // namespace passerelle::server::handlers
