// sessions.list, sessions.end and account.end_sessions (docs/protocol.md): a person sees where
// they are signed in and ends any of those sessions; an admin ends all of someone's.
#include <soci/soci.h>

#include <memory>

#include "../auth/accounts.h"
#include "../log.h"
#include "../services.h"
#include "audit/audit.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::handlers {
namespace {

using net::Access;
using net::Context;
using net::Reply;

constexpr std::size_t kMaxIdLength = 64;

Status check_id(std::string_view field, const std::string& id) {
  if (id.empty()) return Status(ErrorCode::bad_request, "field '" + std::string(field) + "' must not be empty");
  if (id.size() > kMaxIdLength) return Status(ErrorCode::bad_request, "field '" + std::string(field) + "' is too long");
  return Status::Ok();
}

void list_sessions(Services& svc, const Context& ctx, const protocol::Request&, Reply reply) {
  svc.workers.post([&svc, reply, user_id = ctx.user->id, mine = ctx.token_hash] {
    auto sessions = svc.db.read(
        [&](soci::session& sql) { return auth::live_sessions(sql, user_id, format_rfc3339(now_utc())); });
    boost::json::array list;
    for (const auto& s : sessions)
      list.push_back({{"id", s.id},
                      {"device", s.device},
                      {"address", s.address},
                      {"first_seen_at", s.created_at},
                      {"last_seen_at", s.last_seen_at},
                      {"expires_at", s.expires_at},
                      {"current", s.token_hash == mine}});
    reply.ok({{"sessions", std::move(list)}});
  });
}

void end_session(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::string session_id = in.string("session_id");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (auto st = check_id("session_id", session_id); !st) return reply.fail(st.error());
  const protocol::UserInfo& me = *ctx.user;
  audit::Entry entry = audit::make_entry(me.id, me.role, ctx.remote_address, "account.session_end", me.id,
                                         {{"session_id", session_id}});
  auto ended = std::make_shared<std::string>();
  svc.db.writer().submit(
      [user_id = me.id, session_id, entry, ended](soci::session& sql) -> Status {
        auto hash = auth::revoke_session_by_id(sql, user_id, session_id, format_rfc3339(now_utc()));
        if (!hash) return Status(ErrorCode::not_found, "no such session");
        *ended = *hash;
        audit::record(sql, entry);
        return Status::Ok();
      },
      [&svc, reply, user_id = me.id, mine = ctx.token_hash, ended](Status st) {
        if (!st) return reply.fail(st.error());
        log::info("session_ended", {{"user_id", user_id}});
        bool current = *ended == mine;
        // Ending the session this connection uses signs it out, like auth.logout (the answer's
        // state change is queued first on its strand); every other connection of it closes.
        reply.ok({{"current", current}}, current ? net::StateChange([](net::SessionState& s) {
          s.user.reset();
          s.token_hash.clear();
        })
                                                 : net::StateChange());
        svc.hub.disconnect_token(user_id, *ended, "session ended");
      });
}

void end_all_sessions(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  const protocol::UserInfo& me = *ctx.user;
  if (me.role != protocol::Role::admin) return reply.fail(ErrorCode::forbidden, "only an admin may end someone's sessions");
  JsonReader in(req.body);
  std::string user_id = in.string("user_id");
  if (auto st = in.status(); !st) return reply.fail(st.error());
  if (auto st = check_id("user_id", user_id); !st) return reply.fail(st.error());
  audit::Entry entry = audit::make_entry(me.id, me.role, ctx.remote_address, "account.end_sessions", user_id);
  auto ended = std::make_shared<std::int64_t>(0);
  svc.db.writer().submit(
      [user_id, entry, ended](soci::session& sql) mutable -> Status {
        if (!auth::find_user_by_id(sql, user_id)) return Status(ErrorCode::not_found, "no such account");
        *ended = static_cast<std::int64_t>(auth::revoke_sessions_of(sql, user_id, format_rfc3339(now_utc())).size());
        entry.details = {{"ended_sessions", *ended}};
        audit::record(sql, entry);
        return Status::Ok();
      },
      [&svc, reply, user_id, ended, by = me.id](Status st) {
        if (!st) return reply.fail(st.error());
        auto closed = svc.hub.disconnect_user(user_id, "sessions ended by an administrator; sign in again");
        log::info("sessions_ended", {{"user_id", user_id}, {"by", by}, {"ended_sessions", *ended}});
        reply.ok({{"ended_sessions", *ended}, {"closed_connections", static_cast<std::int64_t>(closed)}});
      });
}

}  // namespace

void register_session_handlers(net::Dispatcher& d, Services& svc) {
  d.add("sessions.list", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { list_sessions(svc, c, r, std::move(reply)); });
  d.add("sessions.end", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { end_session(svc, c, r, std::move(reply)); });
  d.add("account.end_sessions", Access::authenticated,
        [&svc](const Context& c, const protocol::Request& r, Reply reply) { end_all_sessions(svc, c, r, std::move(reply)); });
}

}  // namespace passerelle::server::handlers
