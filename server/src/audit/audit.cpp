#include "audit/audit.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <climits>

#include "passerelle/shared/ids.h"

namespace passerelle::server::audit {

Entry make_entry(std::string actor_id, protocol::Role actor_role, std::string remote, std::string action,
                 std::string target_id, boost::json::object details) {
  Entry e;
  e.actor_id = std::move(actor_id);
  e.actor_role = std::string(protocol::to_string(actor_role));
  e.action = std::move(action);
  e.target_id = std::move(target_id);
  e.remote_address = std::move(remote);
  e.details = std::move(details);
  return e;
}

void record(soci::session& sql, Entry e) {
  if (e.id.empty()) e.id = new_id();
  if (e.at == Timestamp{}) e.at = now_utc();
  long long at_ms = to_unix_ms(e.at);
  std::string details = boost::json::serialize(e.details);
  sql << "INSERT INTO audit_log (id, at_ms, actor_id, actor_role, action, target_id, remote_address, details)"
         " VALUES (:i, :a, :u, :r, :c, :t, :ra, :d)",
      soci::use(e.id), soci::use(at_ms), soci::use(e.actor_id), soci::use(e.actor_role), soci::use(e.action),
      soci::use(e.target_id), soci::use(e.remote_address), soci::use(details);
}

std::vector<Entry> list(soci::session& sql, const Filter& f) {
  // Every bound is always bound (a disabled one matches everything) so the statement is fixed.
  std::string actor = f.actor_id.value_or(""), action = f.action.value_or(""), target = f.target_id.value_or("");
  long long from = f.from ? to_unix_ms(*f.from) : LLONG_MIN;
  long long to = f.to ? to_unix_ms(*f.to) : LLONG_MAX;
  long long before = f.before_ms.value_or(LLONG_MAX);
  int limit = std::clamp(f.limit, 1, 500);
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT a.id, a.at_ms, a.actor_id, a.actor_role, a.action, a.target_id, a.remote_address,"
                      " a.details, COALESCE(u.name, ''), COALESCE(u.email, '')"
                      " FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id"
                      " WHERE (:actor1 = '' OR a.actor_id = :actor2) AND (:action1 = '' OR a.action = :action2)"
                      " AND (:target1 = '' OR a.target_id = :target2) AND a.at_ms >= :from AND a.at_ms <= :to"
                      " AND a.at_ms < :before ORDER BY a.at_ms DESC, a.id DESC LIMIT :limit",
       soci::use(actor, "actor1"), soci::use(actor, "actor2"), soci::use(action, "action1"),
       soci::use(action, "action2"), soci::use(target, "target1"), soci::use(target, "target2"),
       soci::use(from, "from"), soci::use(to, "to"), soci::use(before, "before"), soci::use(limit, "limit"));
  std::vector<Entry> out;
  for (const auto& r : rs) {
    Entry e;
    e.id = r.get<std::string>(0);
    e.at = from_unix_ms(r.get<long long>(1));
    e.actor_id = r.get<std::string>(2);
    e.actor_role = r.get<std::string>(3);
    e.action = r.get<std::string>(4);
    e.target_id = r.get<std::string>(5);
    e.remote_address = r.get<std::string>(6);
    boost::system::error_code ec;
    auto d = boost::json::parse(r.get<std::string>(7), ec);
    if (!ec && d.is_object()) e.details = d.as_object();
    e.actor_name = r.get<std::string>(8);
    e.actor_email = r.get<std::string>(9);
    out.push_back(std::move(e));
  }
  return out;
}

boost::json::object to_json(const Entry& e) {
  return {{"id", e.id},
          {"at", format_rfc3339(e.at)},
          {"actor_id", e.actor_id},
          {"actor_role", e.actor_role},
          {"actor_name", e.actor_name},
          {"actor_email", e.actor_email},
          {"action", e.action},
          {"target_id", e.target_id},
          {"remote_address", e.remote_address},
          {"details", e.details}};
}

}  // namespace passerelle::server::audit
