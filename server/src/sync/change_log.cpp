#include "sync/change_log.h"

#include "sync/projections.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <stdexcept>

namespace passerelle::server::sync {
namespace json = boost::json;

std::optional<json::object> ChangeLog::get(std::string_view collection, std::string_view id) {
  std::string data;
  soci::indicator ind = soci::i_null;
  std::string c(collection), i(id);
  sql_ << "SELECT data FROM sync_rows WHERE collection = :c AND id = :i AND deleted = 0", soci::use(c),
      soci::use(i), soci::into(data, ind);
  if (!sql_.got_data() || ind != soci::i_ok) return std::nullopt;
  json::value v = json::parse(data);
  if (!v.is_object()) throw std::runtime_error("sync_rows holds a non-object row " + c + "/" + i);
  return std::move(v.get_object());
}

std::vector<std::string> ChangeLog::audience(std::string_view collection, std::string_view id) {
  std::string c(collection), i(id);
  std::vector<std::string> users;
  soci::rowset<std::string> rs =
      (sql_.prepare << "SELECT user_id FROM sync_audience WHERE collection = :c AND row_id = :i AND visible = 1"
                       " ORDER BY user_id",
       soci::use(c), soci::use(i));
  for (const auto& u : rs) users.push_back(u);
  return users;
}

std::int64_t ChangeLog::next_seq() {
  long long seq = 0;
  sql_ << "UPDATE sync_meta SET value = value + 1 WHERE key = 'seq' RETURNING value", soci::into(seq);
  if (!sql_.got_data()) throw std::runtime_error("sync_meta has no 'seq' counter");
  last_seq_ = seq;
  return seq;
}

void ChangeLog::set_reader(const std::string& user, const std::string& collection, const std::string& id,
                           std::int64_t seq, bool visible) {
  long long s = seq, at = to_unix_ms(now_);
  int vis = visible ? 1 : 0;
  sql_ << "INSERT INTO sync_audience (user_id, collection, row_id, seq, visible, changed_at_ms)"
          " VALUES (:u, :c, :i, :s, :v, :t)"
          " ON CONFLICT (user_id, collection, row_id) DO UPDATE SET"
          " seq = excluded.seq, visible = excluded.visible, changed_at_ms = excluded.changed_at_ms",
      soci::use(user), soci::use(collection), soci::use(id), soci::use(s), soci::use(vis), soci::use(at);
  touched_.insert(user);
}

void ChangeLog::put(std::string_view collection, std::string_view id, const json::object& data,
                    const std::vector<std::string>& audience_after) {
  std::string c(collection), i(id);
  std::vector<std::string> before = audience(collection, id);
  long long seq = next_seq();
  std::string text = json::serialize(data);
  sql_ << "INSERT INTO sync_rows (collection, id, data, deleted, seq) VALUES (:c, :i, :d, 0, :s)"
          " ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data, deleted = 0, seq = excluded.seq",
      soci::use(c), soci::use(i), soci::use(text), soci::use(seq);
  for (const auto& u : audience_after) set_reader(u, c, i, seq, true);
  for (const auto& u : before)
    if (std::find(audience_after.begin(), audience_after.end(), u) == audience_after.end())
      set_reader(u, c, i, seq, false);
  project_put(sql_, *this, collection, id, data, now_);
}

void ChangeLog::remove(std::string_view collection, std::string_view id) {
  std::string c(collection), i(id);
  std::vector<std::string> before = audience(collection, id);
  long long seq = next_seq();
  // The content goes now; only the fact that the row existed stays until compaction.
  sql_ << "UPDATE sync_rows SET data = '{}', deleted = 1, seq = :s WHERE collection = :c AND id = :i",
      soci::use(seq), soci::use(c), soci::use(i);
  for (const auto& u : before) set_reader(u, c, i, seq, false);
  project_remove(sql_, collection, id);
}

std::optional<json::object> find_row(soci::session& sql, std::string_view collection, const std::string& id) {
  std::string data, c(collection);
  sql << "SELECT data FROM sync_rows WHERE collection = :c AND id = :i AND deleted = 0", soci::use(c), soci::use(id),
      soci::into(data);
  if (!sql.got_data()) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(data, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::int64_t current_seq(soci::session& sql) {
  long long v = 0;
  sql << "SELECT value FROM sync_meta WHERE key = 'seq'", soci::into(v);
  return v;
}

std::int64_t compaction_horizon(soci::session& sql) {
  long long v = 0;
  sql << "SELECT value FROM sync_meta WHERE key = 'horizon'", soci::into(v);
  return v;
}

}  // namespace passerelle::server::sync
