#include "sync/pull.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <stdexcept>

#include "passerelle/shared/ids.h"
#include "storage/connection_cache.h"
#include "storage/dialect.h"
#include "sync/change_log.h"
#include "sync/change_text.h"

namespace passerelle::server::sync {
namespace json = boost::json;
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

namespace {

// A pull's statements, kept for the read connection's life (storage::ConnectionCache): a pull
// after every poke made compiling them the server's largest cost under chat.
struct PullStatements {
  explicit PullStatements(soci::session& sql)
      // The epoch and the log's end and horizon in one statement: on PostgreSQL each statement
      // is a round trip, and a pull follows every poke.
      : meta((sql.prepare << "SELECT (SELECT epoch FROM sync_epoch LIMIT 1),"
                             " (SELECT value FROM sync_meta WHERE key = 'seq'),"
                             " (SELECT value FROM sync_meta WHERE key = 'horizon')",
              soci::into(epoch_value, epoch_ind), soci::into(end, end_ind), soci::into(horizon, horizon_ind))),
        one((sql.prepare << storage::pull_page_sql(sql, 1), soci::use(user), soci::use(after), soci::use(take), soci::use(user),
             soci::use(after), soci::use(take), soci::use(take), soci::into(collection), soci::into(row_id),
             soci::into(seq), soci::into(visible), soci::into(deleted, deleted_ind), soci::into(data, data_ind))),
        two((sql.prepare << storage::pull_page_sql(sql, 2), soci::use(user), soci::use(after), soci::use(take), soci::use(user),
             soci::use(after), soci::use(take), soci::use(group), soci::use(after), soci::use(take),
             soci::use(group), soci::use(after), soci::use(take), soci::use(take), soci::into(collection),
             soci::into(row_id), soci::into(seq), soci::into(visible), soci::into(deleted, deleted_ind),
             soci::into(data, data_ind))) {}

  // Bound variables, declared before the statements that refer to them.
  std::string epoch_value, user, group, collection, row_id, data;
  long long end = 0, horizon = 0, after = 0, take = 0, seq = 0;
  int visible = 0, deleted = 0;
  soci::indicator epoch_ind = soci::i_null, end_ind = soci::i_null, horizon_ind = soci::i_null;
  soci::indicator deleted_ind = soci::i_null, data_ind = soci::i_null;
  soci::statement meta, one, two;
};

}  // namespace

PullAnswer read_pull(soci::session& sql, const std::string& user_id, std::int64_t cursor, std::int64_t limit,
                     std::optional<std::int64_t> full_horizon, const std::string& group) {
  storage::Cached<PullStatements> st(sql);
  PullAnswer page;
  // Read the end of the log first: every change at or below it is already committed, so a
  // final page may move the cursor up to it without skipping anything.
  std::int64_t end = 0, horizon = 0;
  st->epoch_ind = st->end_ind = st->horizon_ind = soci::i_null;
  if (st->meta.execute(true)) {  // one row always
    if (st->epoch_ind == soci::i_ok) page.epoch = st->epoch_value;
    if (st->end_ind == soci::i_ok) end = st->end;
    if (st->horizon_ind == soci::i_ok) horizon = st->horizon;
    storage::finish(st->meta);
  }
  page.horizon = horizon;
  bool stale = cursor > 0 && cursor < horizon && full_horizon != horizon;
  if (stale || cursor > end) {
    page.resync = true;
    page.cursor = 0;
    page.more = true;
    return page;
  }

  st->user = user_id;
  st->group = group.empty() ? user_id : group;
  st->after = cursor;
  st->take = limit + 1;
  soci::statement& rows = group.empty() ? st->one : st->two;
  // However the loop ends (a full page, a damaged row), the statement is left finished for
  // the connection's next user.
  struct Finish {
    soci::session& sql;
    soci::statement& rows;
    ~Finish() { storage::abandon(sql, rows); }
  } finish{sql, rows};
  std::size_t bytes = 0;
  std::int64_t last_seq = cursor;
  for (bool got = rows.execute(true); got; got = rows.fetch()) {
    std::size_t row_bytes = st->data_ind == soci::i_ok ? st->data.size() : 0;
    if (static_cast<std::int64_t>(page.count) == limit ||
        (page.count > 0 && bytes + row_bytes > passerelle::sync::kPullPageBytes)) {
      page.more = true;
      break;
    }
    bytes += row_bytes + 128;  // the row's envelope: collection, id, seq
    // No row (compacted away), a deleted one, or on PostgreSQL no data (storage::pull_page_sql).
    bool row_deleted = st->deleted_ind != soci::i_ok || st->deleted != 0 || st->data_ind != soci::i_ok;
    ChangeView c{st->collection, st->row_id, st->seq, st->visible == 0 || row_deleted, st->data};
    if (page.count > 0) page.changes += ',';
    if (!append_change(page.changes, c)) {
      // Some JSON value that is not an object went out as an empty object when rows were
      // parsed; text that is not JSON made the pull fail. Both stay so.
      if (classify_stored_text(st->data) != StoredText::other_json)
        throw std::runtime_error("a stored row of " + st->collection + " is not JSON");
      c.data = "{}";
      append_change(page.changes, c);
    }
    ++page.count;
    last_seq = st->seq;
  }
  page.cursor = last_seq;
  if (!page.more) page.cursor = std::max(page.cursor, end);
  return page;
}

std::string PullAnswer::members() const {
  std::string out;
  out.reserve(changes.size() + 128);
  out += "\"changes\":[";
  out += changes;
  out += "],\"cursor\":";
  out += std::to_string(cursor);
  out += ",\"more\":";
  out += more ? "true" : "false";
  out += ",\"epoch\":";
  out += json::serialize(json::string(epoch));
  out += ",\"horizon\":";
  out += std::to_string(horizon);
  if (resync) out += ",\"resync\":true";
  return out;
}

PullPage run_pull(soci::session& sql, const std::string& user_id, std::int64_t cursor, std::int64_t limit,
                  std::optional<std::int64_t> full_horizon, const std::string& group) {
  std::string text = "{" + read_pull(sql, user_id, cursor, limit, full_horizon, group).members() + "}";
  auto page = passerelle::sync::pull_page_from_json(std::move(json::parse(text).as_object()));
  if (!page) throw std::logic_error("a pull answer the client cannot read: " + page.error().message);
  return std::move(*page);
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
