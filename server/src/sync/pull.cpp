#include "sync/pull.h"

#include <boost/json/parse.hpp>

#include "passerelle/shared/ids.h"
#include "sync/change_log.h"

namespace passerelle::server::sync {
namespace json = boost::json;
using passerelle::sync::Change;
using passerelle::sync::PullPage;

void init_sync_state(soci::session& sql) {
  long long n = 0;
  sql << "SELECT COUNT(*) FROM sync_epoch", soci::into(n);
  if (n == 0) {
    std::string epoch = new_id();
    sql << "INSERT INTO sync_epoch (epoch) VALUES (:e)", soci::use(epoch);
  }
}

std::string sync_epoch(soci::session& sql) {
  std::string epoch;
  sql << "SELECT epoch FROM sync_epoch", soci::into(epoch);
  return epoch;
}

PullPage run_pull(soci::session& sql, const std::string& user_id, std::int64_t cursor, std::int64_t limit,
                  std::optional<std::int64_t> full_horizon, const std::string& group) {
  PullPage page;
  page.epoch = sync_epoch(sql);
  // Read the end of the log first: every change at or below it is already committed, so a
  // final page may move the cursor up to it without skipping anything.
  std::int64_t end = current_seq(sql);
  std::int64_t horizon = compaction_horizon(sql);
  page.horizon = horizon;
  bool stale = cursor > 0 && cursor < horizon && full_horizon != horizon;
  if (stale || cursor > end) {
    page.resync = true;
    page.cursor = 0;
    page.more = true;
    return page;
  }

  // Each reader (the user, the role group) is read in seq order from its index and cut at the
  // page size BEFORE the two are merged and joined to the rows. A plain `user_id IN (:u, :g)`
  // made SQLite join and sort every remaining change on each page, so a fresh device's pull
  // of N rows cost O(N^2) (50,000 rows took 42 s; docs/benchmarks.md).
  long long after = cursor, take = limit + 1;
  std::string reader_group = group.empty() ? user_id : group;
  static const std::string kReader =
      "SELECT collection, row_id, seq, visible FROM sync_audience WHERE user_id = :u AND seq > :c ORDER BY seq LIMIT :n";
  static const std::string kColumns = "SELECT a.collection, a.row_id, a.seq, a.visible, r.deleted, r.data FROM (";
  static const std::string kJoin =
      ") AS a LEFT JOIN sync_rows r ON r.collection = a.collection AND r.id = a.row_id ORDER BY a.seq LIMIT :take";
  static const std::string kOne = kColumns + kReader + kJoin;
  static const std::string kTwo = kColumns + "SELECT * FROM (" + kReader + ") AS mine UNION ALL SELECT * FROM (" +
                                  "SELECT collection, row_id, seq, visible FROM sync_audience WHERE user_id = :g AND"
                                  " seq > :c2 ORDER BY seq LIMIT :n2) AS theirs" + kJoin;
  soci::rowset<soci::row> rs =
      group.empty() ? (sql.prepare << kOne, soci::use(user_id), soci::use(after), soci::use(take), soci::use(take))
                    : (sql.prepare << kTwo, soci::use(user_id), soci::use(after), soci::use(take), soci::use(reader_group),
                       soci::use(after), soci::use(take), soci::use(take));
  std::size_t bytes = 0;
  for (const soci::row& row : rs) {
    std::string data = row.get_indicator(5) == soci::i_ok ? row.get<std::string>(5) : std::string();
    std::size_t row_bytes = data.size();
    if (static_cast<std::int64_t>(page.changes.size()) == limit ||
        (!page.changes.empty() && bytes + row_bytes > passerelle::sync::kPullPageBytes)) {
      page.more = true;
      break;
    }
    bytes += row_bytes + 128;  // the row's envelope: collection, id, seq
    Change c;
    c.collection = row.get<std::string>(0);
    c.id = row.get<std::string>(1);
    c.seq = row.get<long long>(2);
    bool visible = row.get<int>(3) != 0;
    bool row_deleted = row.get_indicator(4) != soci::i_ok || row.get<int>(4) != 0;
    c.deleted = !visible || row_deleted;
    if (!c.deleted) {
      json::value v = json::parse(data);
      if (v.is_object()) c.data = std::move(v.get_object());
    }
    page.changes.push_back(std::move(c));
  }
  page.cursor = page.changes.empty() ? cursor : page.changes.back().seq;
  if (!page.more) page.cursor = std::max(page.cursor, end);
  return page;
}

std::int64_t compact_change_log(soci::session& sql, Timestamp older_than) {
  long long cutoff = to_unix_ms(older_than);
  long long top = 0;
  soci::indicator ind = soci::i_null;
  sql << "SELECT MAX(seq) FROM sync_audience WHERE visible = 0 AND changed_at_ms < :t", soci::use(cutoff),
      soci::into(top, ind);
  std::int64_t horizon = compaction_horizon(sql);
  if (ind != soci::i_ok || top <= horizon) return horizon;
  sql << "DELETE FROM sync_audience WHERE visible = 0 AND seq <= :h", soci::use(top);
  sql << "DELETE FROM sync_rows WHERE deleted = 1 AND seq <= :h AND NOT EXISTS"
         " (SELECT 1 FROM sync_audience a WHERE a.collection = sync_rows.collection AND a.row_id = sync_rows.id)",
      soci::use(top);
  sql << "UPDATE sync_meta SET value = :h WHERE key = 'horizon'", soci::use(top);
  return top;
}

}  // namespace passerelle::server::sync
