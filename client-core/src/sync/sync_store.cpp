#include "sync/sync_store.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>

#include <algorithm>
#include <vector>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/time.h"

namespace passerelle::client {
namespace json = boost::json;
using passerelle::sync::Op;
using passerelle::sync::OpResult;
using passerelle::sync::OpStatus;
using passerelle::sync::PullPage;

namespace {

// A storage failure inside a mutator run: RowStore reports those by exception (the mutator
// cannot do anything about them); the SyncStore method catches it and returns the Error.
struct StorageFailure {
  Error error;
};

template <class T>
T must(Result<T> r) {
  if (!r) throw StorageFailure{r.error()};
  return std::move(*r);
}
void must(Status s) {
  if (!s) throw StorageFailure{s.error()};
}

// The device's own writes (docs/sync.md, "The device store"): a row a queued op wrote or
// deleted lives in local_rows (data NULL: deleted) on top of its server copy; every other row
// lives once, in server_rows. The view is local_rows first, then server_rows. Shared by the
// mutators' view and the rebase (one text, so one cached statement).
constexpr const char* kUpsertLocalRow =
    "INSERT INTO local_rows (collection, id, data) VALUES (?, ?, ?)"
    " ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data";

// How a transaction's commit reaches the disk. `replayable` commits skip the fsync (WAL,
// synchronous=NORMAL): still atomic, and a kill -9 of the app loses nothing, but a power cut
// may undo them. Only for what the server gives back again if undone: a pull page (rows and
// cursor together: pulled again) and push answers (the ops stay queued: pushed again, and the
// server answers from its record). Every write made on the device stays durable (docs/sync.md).
enum class Durability { durable, replayable };

// BEGIN IMMEDIATE ... COMMIT, rolled back unless committed.
class Transaction {
 public:
  explicit Transaction(sqlite::Database& db, Durability durability = Durability::durable)
      : db_(db), relaxed_(durability == Durability::replayable) {
    if (relaxed_) must(db_.exec("PRAGMA synchronous=NORMAL"));
    Status begun = db_.exec("BEGIN IMMEDIATE");
    if (!begun) {
      restore();
      must(begun);
    }
  }
  ~Transaction() {
    if (!done_) (void)db_.exec("ROLLBACK");
    restore();
  }
  void commit() {
    must(db_.exec("COMMIT"));
    done_ = true;
  }

 private:
  void restore() {
    if (relaxed_) (void)db_.exec("PRAGMA synchronous=FULL");
    relaxed_ = false;
  }
  sqlite::Database& db_;
  bool relaxed_;
  bool done_ = false;
};

// A parsed page as the store writes it: each row serialized into the page's one text (a carried
// poke, a page read the slow way; a first sync's pages come as text already: pull_answer.h).
}  // namespace

PulledPage pulled_page_text(const PullPage& page) {
  PulledPage out;
  out.cursor = page.cursor;
  out.more = page.more;
  out.resync = page.resync;
  out.epoch = page.epoch;
  out.horizon = page.horizon;
  out.rows.reserve(page.changes.size());
  json::serializer serializer;
  char chunk[4096];
  for (const auto& c : page.changes) {
    PulledPage::Row row;
    row.collection = out.add(c.collection);
    row.id = out.add(c.id);
    row.seq = c.seq;
    row.deleted = c.deleted;
    if (!c.deleted) {
      std::size_t at = out.text.size();
      serializer.reset(&c.data);
      while (!serializer.done()) out.text.append(serializer.read(chunk, sizeof chunk));
      row.data = {at, out.text.size() - at};
      if (auto* t = c.data.if_contains("thread_id"); t && t->is_string()) row.thread_id = out.add(t->get_string());
    }
    out.rows.push_back(row);
  }
  return out;
}

namespace {

json::object parse_object(const std::string& text) {
  json::value v = json::parse(text);
  if (!v.is_object()) throw StorageFailure{Error{ErrorCode::internal, "a stored row is not a JSON object"}};
  return std::move(v.get_object());
}

// The mutators' view of the device: reads the local view and writes the device's own rows,
// remembering each row a replayed op wrote so the caller can report it.
class ViewRowStore : public passerelle::sync::RowStore {
 public:
  ViewRowStore(sqlite::Database& db, ChangedRows* touched) : db_(db), touched_(touched) {}

  std::optional<json::object> get(std::string_view c, std::string_view id) override {
    auto local = must(db_.prepare_cached("SELECT data FROM local_rows WHERE collection = ? AND id = ?"));
    local.bind(1, c).bind(2, id);
    if (must(local.step())) {
      std::optional<std::string> data = local.optional_text(0);
      if (!data) return std::nullopt;  // a queued op deleted it
      return parse_object(*data);
    }
    auto server = must(db_.prepare_cached("SELECT data FROM server_rows WHERE collection = ? AND id = ?"));
    server.bind(1, c).bind(2, id);
    if (!must(server.step())) return std::nullopt;
    return parse_object(server.text(0));
  }
  void put(std::string_view c, std::string_view id, const json::object& data,
           const std::vector<std::string>&) override {
    auto st = must(db_.prepare_cached(kUpsertLocalRow));
    st.bind(1, c).bind(2, id).bind(3, json::serialize(data));
    must(st.run());
    note(c, id);
  }
  void remove(std::string_view c, std::string_view id) override {
    auto st = must(db_.prepare_cached(kUpsertLocalRow));
    st.bind(1, c).bind(2, id).bind_null(3);
    must(st.run());
    note(c, id);
  }
  std::vector<std::string> audience(std::string_view, std::string_view) override { return {}; }

 private:
  void note(std::string_view c, std::string_view id) {
    if (touched_) touched_->emplace(std::string(c), std::string(id));
  }

  sqlite::Database& db_;
  ChangedRows* touched_;
};

template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const StorageFailure& e) {
    return e.error;
  } catch (const std::exception& e) {
    return Error{ErrorCode::internal, std::string("local sync store failed: ") + e.what()};
  }
}

}  // namespace

std::vector<const char*> SyncStore::schema_steps() {
  return {
      // 1. The first schema: every row twice (server_rows and view_rows), view_overlay naming
      //    the rows queued ops had written.
      "CREATE TABLE server_rows (collection TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,"
      " seq INTEGER NOT NULL, PRIMARY KEY (collection, id));"
      "CREATE TABLE view_rows (collection TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,"
      " PRIMARY KEY (collection, id));"
      "CREATE TABLE view_overlay (collection TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (collection, id));"
      "CREATE TABLE outbox (position INTEGER PRIMARY KEY AUTOINCREMENT, op_id TEXT NOT NULL UNIQUE,"
      " name TEXT NOT NULL, args TEXT NOT NULL, created_at TEXT NOT NULL);"
      "CREATE TABLE rejections (op_id TEXT PRIMARY KEY, name TEXT NOT NULL, args TEXT NOT NULL,"
      " code TEXT NOT NULL, message TEXT NOT NULL, rejected_at TEXT NOT NULL);"
      "CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE TABLE resync_seen (collection TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (collection, id));",
      // 2. Each row once: only the rows queued ops wrote keep a second copy, in local_rows (NULL
      //    data: deleted by a queued op), which replaces view_overlay. In the first schema a row
      //    outside view_overlay held the same data in view_rows as in server_rows, so the
      //    overlay's rows as view_rows held them are all the view adds. view_rows becomes a
      //    read-only SQL view of the same rows, for people and tests looking into the file.
      "CREATE TABLE local_rows (collection TEXT NOT NULL, id TEXT NOT NULL, data TEXT,"
      " PRIMARY KEY (collection, id));"
      "INSERT INTO local_rows (collection, id, data) SELECT o.collection, o.id, v.data FROM view_overlay o"
      " LEFT JOIN view_rows v ON v.collection = o.collection AND v.id = o.id;"
      "DROP TABLE view_overlay;"
      "DROP TABLE view_rows;"
      "CREATE VIEW view_rows AS"
      " SELECT collection, id, data FROM local_rows WHERE data IS NOT NULL"
      " UNION ALL SELECT s.collection, s.id, s.data FROM server_rows s WHERE NOT EXISTS"
      " (SELECT 1 FROM local_rows l WHERE l.collection = s.collection AND l.id = s.id);",
  };
}

std::vector<sqlite::Migration> SyncStore::migrations(int v) {
  std::vector<sqlite::Migration> out;
  for (const char* sql : schema_steps()) out.push_back({v++, sql});
  return out;
}

SyncStore::SyncStore(sqlite::Database& db, passerelle::sync::Actor actor, Clock clock)
    : db_(db), actor_(std::move(actor)), clock_(std::move(clock)) {}

Result<std::string> SyncStore::state(std::string_view key, std::string_view fallback) {
  auto st = db_.prepare_cached("SELECT value FROM sync_state WHERE key = ?");
  if (!st) return st.error();
  st->bind(1, key);
  auto row = st->step();
  if (!row) return row.error();
  return *row ? st->text(0) : std::string(fallback);
}

Status SyncStore::set_state(std::string_view key, std::string_view value) {
  auto st = db_.prepare_cached(
      "INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  if (!st) return st.error();
  st->bind(1, key).bind(2, value);
  return st->run();
}

Result<std::string> SyncStore::mutate(std::string_view name, const json::object& args, ChangedRows* changed,
                                      const std::function<Status()>& also) {
  const passerelle::sync::Mutator* m = passerelle::sync::find_mutator(name);
  if (!m) return Error{ErrorCode::bad_request, "unknown mutator '" + std::string(name) + "'"};
  if (auto v = m->validate(args); !v) return v.error();
  return guarded([&]() -> Result<std::string> {
    Transaction tx(db_);
    std::string op_id = Uuid::v7_at(to_unix_ms(clock_())).str();
    ChangedRows touched;
    ViewRowStore view(db_, &touched);
    passerelle::sync::MutationContext ctx{actor_, view, clock_(), op_id, false};
    Status applied = m->apply(ctx, args);
    if (!applied) return applied.error();  // the transaction rolls back: nothing queued
    auto st = must(db_.prepare_cached("INSERT INTO outbox (op_id, name, args, created_at) VALUES (?, ?, ?, ?)"));
    st.bind(1, op_id).bind(2, name).bind(3, json::serialize(args)).bind(4, format_rfc3339(clock_()));
    must(st.run());
    if (also)
      if (Status extra = also(); !extra) return extra.error();  // rolls back the op too
    tx.commit();
    if (changed) changed->insert(touched.begin(), touched.end());
    return op_id;
  });
}

Result<std::optional<json::object>> SyncStore::get(std::string_view collection, std::string_view id) {
  return guarded([&]() -> Result<std::optional<json::object>> {
    ViewRowStore view(db_, nullptr);
    return view.get(collection, id);
  });
}

Result<std::vector<json::object>> SyncStore::list(std::string_view collection, std::string_view field,
                                                  std::string_view value) {
  auto rows = list_rows(collection, field, value);
  if (!rows) return rows.error();
  std::vector<json::object> out;
  out.reserve(rows->size());
  for (auto& row : *rows) out.push_back(std::move(row.data));
  return out;
}

Result<std::vector<SyncStore::ViewRow>> SyncStore::list_rows(std::string_view collection, std::string_view field,
                                                              std::string_view value) {
  return guarded([&]() -> Result<std::vector<ViewRow>> {
    std::vector<ViewRow> out;
    // The device's own rows, then the server's rows they do not replace; a compound ORDER BY
    // merges the two primary-key walks, both already in id order.
    auto st = must(db_.prepare_cached(
        "SELECT l.id, l.data, EXISTS (SELECT 1 FROM server_rows s WHERE s.collection = l.collection AND s.id = l.id)"
        " FROM local_rows l WHERE l.collection = ?1 AND l.data IS NOT NULL"
        " UNION ALL SELECT s.id, s.data, 1 FROM server_rows s WHERE s.collection = ?1 AND NOT EXISTS"
        " (SELECT 1 FROM local_rows l WHERE l.collection = s.collection AND l.id = s.id)"
        " ORDER BY 1"));
    st.bind(1, collection);
    while (must(st.step())) {
      json::object row = parse_object(st.text(1));
      if (!field.empty()) {
        auto it = row.find(field);
        if (it == row.end() || !it->value().is_string() || it->value().get_string() != value) continue;
      }
      out.push_back(ViewRow{std::move(row), st.integer(2) != 0});
    }
    return out;
  });
}

Result<std::vector<Op>> SyncStore::pending(std::size_t max, std::string_view after_op_id) {
  return guarded([&]() -> Result<std::vector<Op>> {
    std::vector<Op> ops;
    auto st = after_op_id.empty()
                  ? must(db_.prepare_cached("SELECT op_id, name, args FROM outbox ORDER BY position LIMIT ?2"))
                  : must(db_.prepare_cached(
                        "SELECT op_id, name, args FROM outbox WHERE position > (SELECT position FROM outbox WHERE op_id = ?1)"
                        " ORDER BY position LIMIT ?2"));
    if (!after_op_id.empty()) st.bind(1, after_op_id);
    st.bind(2, static_cast<std::int64_t>(max));
    while (must(st.step())) ops.push_back(Op{st.text(0), st.text(1), parse_object(st.text(2))});
    return ops;
  });
}

Result<std::int64_t> SyncStore::pending_count() {
  return guarded([&]() -> Result<std::int64_t> {
    auto st = must(db_.prepare_cached("SELECT COUNT(*) FROM outbox"));
    must(st.step());
    return st.integer(0);
  });
}

Status SyncStore::rebase(const std::set<RowKey>& touched_by_server, ChangedRows* changed) {
  // 1. Rows pending ops had written go back to server state (their local copies go), and so
  //    are reported with the rows the server changed.
  std::set<RowKey> reset = touched_by_server;
  bool any_local = false;
  {
    auto st = must(db_.prepare_cached("SELECT collection, id FROM local_rows"));
    while (must(st.step())) {
      reset.emplace(st.text(0), st.text(1));
      any_local = true;
    }
  }
  if (any_local) must(db_.exec("DELETE FROM local_rows"));
  if (changed) changed->insert(reset.begin(), reset.end());
  // 2. Replay what is still pending, in order. An op that no longer applies locally stays
  //    queued: only the server may reject it.
  auto ops = must(pending(std::numeric_limits<std::int32_t>::max()));
  ViewRowStore view(db_, changed);
  for (const Op& op : ops) {
    must(db_.exec("SAVEPOINT replay"));
    passerelle::sync::MutationContext ctx{actor_, view, clock_(), op.op_id, false};
    Status st = passerelle::sync::run_mutator(ctx, op.name, op.args);
    if (!st) must(db_.exec("ROLLBACK TO SAVEPOINT replay"));
    must(db_.exec("RELEASE SAVEPOINT replay"));
  }
  return Status::Ok();
}

Status SyncStore::apply_push_results(const std::vector<OpResult>& results, ChangedRows* changed) {
  return guarded([&]() -> Status {
    Transaction tx(db_, Durability::replayable);
    bool any_rejected = false;
    for (const OpResult& r : results) {
      if (r.status != OpStatus::rejected) continue;
      auto ins = must(db_.prepare_cached(
          "INSERT OR REPLACE INTO rejections (op_id, name, args, code, message, rejected_at)"
          " SELECT op_id, name, args, ?, ?, ? FROM outbox WHERE op_id = ?"));
      Error e = r.error.value_or(Error{ErrorCode::internal, "rejected"});
      ins.bind(1, to_string(e.code)).bind(2, e.message).bind(3, format_rfc3339(clock_())).bind(4, r.op_id);
      must(ins.run());
      any_rejected = true;
    }
    // The answered ops leave in one statement per answer (up to kMaxOpsPerPush ids), not one
    // per op (docs/benchmarks.md, "push-lean"). A full push always has the same count, so its
    // text stays in the statement cache.
    for (std::size_t at = 0; at < results.size(); at += passerelle::sync::kMaxOpsPerPush) {
      std::size_t n = std::min(results.size() - at, passerelle::sync::kMaxOpsPerPush);
      std::string sql = "DELETE FROM outbox WHERE op_id IN (?";
      for (std::size_t i = 1; i < n; ++i) sql += ",?";
      sql += ")";
      auto del = must(db_.prepare_cached(sql));
      for (std::size_t i = 0; i < n; ++i) del.bind(static_cast<int>(i + 1), results[at + i].op_id);
      must(del.run());
    }
    // Applied ops keep their optimistic effect until the pull brings the server's version;
    // a rejected op's effect must go now.
    if (any_rejected) must(rebase({}, changed));
    tx.commit();
    return Status::Ok();
  });
}

Status SyncStore::apply_pull_page(const PullPage& page, ChangedRows* changed, std::optional<std::int64_t> pulled_from) {
  return apply_pull_page(pulled_page_text(page), changed, pulled_from);
}

Status SyncStore::apply_pull_page(const PulledPage& page, ChangedRows* changed,
                                  std::optional<std::int64_t> pulled_from) {
  return guarded([&]() -> Status {
    Transaction tx(db_, Durability::replayable);
    if (pulled_from && must(state("cursor", "0")) != std::to_string(*pulled_from)) return Status::Ok();
    std::string epoch = must(state("epoch", ""));
    // Any pull from 0 is a full one: the rows it does not bring back are gone.
    bool resyncing = must(state("resync", "0")) == "1" || must(state("cursor", "0")) == "0";
    if (resyncing && must(state("resync", "0")) != "1") must(start_resync());
    // Rows held before the resync began are the only ones it may have to drop; on a device
    // that held none (a first sync) nothing needs tracking (docs/benchmarks.md: a quarter of
    // a first sync's writes).
    bool track = resyncing && must(state("resync_track", "1")) == "1";
    if (resyncing && must(state("cursor", "0")) == "0" && !page.resync)
      must(set_state("full_horizon", std::to_string(page.horizon)));
    if (page.resync || (!epoch.empty() && !page.epoch.empty() && page.epoch != epoch)) {
      // The server no longer knows our cursor (or is another database): start again from 0.
      must(start_resync());
      must(set_state("cursor", "0"));
      must(set_state("epoch", page.epoch));
      tx.commit();
      return Status::Ok();
    }
    if (epoch.empty() && !page.epoch.empty()) must(set_state("epoch", page.epoch));

    // The page's rows go to the server copy, which is the view wherever no queued op wrote
    // (the rebase below puts pending ops back on top): one write per row.
    // The page's keys as views into its text, sorted once at the end: a set built row by row
    // cost a node, two strings and a rebalance per row (docs/benchmarks.md, "The browser").
    std::vector<std::pair<std::string_view, std::string_view>> touched;
    touched.reserve(page.rows.size());
    std::set<RowKey> gone_rows;
    // Taken from the cache once for the page and reset between rows; the page's text outlives
    // them, so it is bound, not copied.
    auto up = must(db_.prepare_cached(
        "INSERT INTO server_rows (collection, id, data, seq) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data, seq = excluded.seq"));
    auto del = must(db_.prepare_cached("DELETE FROM server_rows WHERE collection = ? AND id = ?"));
    auto seen = must(db_.prepare_cached("INSERT OR IGNORE INTO resync_seen (collection, id) VALUES (?, ?)"));
    for (const auto& row : page.rows) {
      std::string_view collection = page[row.collection], id = page[row.id];
      touched.emplace_back(collection, id);
      if (row.deleted) {
        del.reset().bind_unowned(1, collection).bind_unowned(2, id);
        must(del.run());
      } else {
        up.reset().bind_unowned(1, collection).bind_unowned(2, id).bind_unowned(3, page[row.data]).bind(4, row.seq);
        must(up.run());
      }
      if (track) {
        seen.reset().bind_unowned(1, collection).bind_unowned(2, id);
        must(seen.run());
      }
    }
    if (resyncing && !page.more && track) {
      // The resync is complete: whatever the server did not send again is gone for us.
      auto gone = must(db_.prepare_cached(
          "SELECT collection, id FROM server_rows s WHERE NOT EXISTS"
          " (SELECT 1 FROM resync_seen r WHERE r.collection = s.collection AND r.id = s.id)"));
      while (must(gone.step())) gone_rows.emplace(gone.text(0), gone.text(1));
      must(db_.exec(
          "DELETE FROM server_rows WHERE NOT EXISTS (SELECT 1 FROM resync_seen r"
          " WHERE r.collection = server_rows.collection AND r.id = server_rows.id)"));
      must(db_.exec("DELETE FROM resync_seen"));
    }
    if (resyncing && !page.more) must(set_state("resync", "0"));
    must(set_state("cursor", std::to_string(page.cursor)));
    if (!page.more) must(set_state("last_synced_at", format_rfc3339(clock_())));
    if (changed) {
      // In order, each hinted at the end: into an empty set (the engine's, for each page) each
      // key goes in with one comparison, no search; where the hint is wrong (keys already
      // there) the set searches as usual.
      std::sort(touched.begin(), touched.end());
      touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
      for (const auto& [collection, id] : touched) changed->emplace_hint(changed->end(), collection, id);
    }
    must(rebase(gone_rows, changed));
    tx.commit();
    return Status::Ok();
  });
}

Result<bool> SyncStore::apply_live_changes(const passerelle::sync::LivePoke& poke, ChangedRows* changed) {
  if (!poke.prev) return false;
  auto cur = cursor();
  if (!cur) return cur.error();
  if (*cur == 0 || needs_resync() || *cur < *poke.prev) return false;
  if (*cur >= poke.seq) return true;  // a pull already brought them
  PullPage page;
  page.cursor = poke.seq;
  for (const auto& c : poke.changes)
    if (c.seq > *cur) page.changes.push_back(c);
  // Stored only if the cursor is still the one checked (another process may have pulled).
  if (auto st = apply_pull_page(page, changed, *cur); !st) return st.error();
  auto after = cursor();
  if (!after) return after.error();
  return *after == poke.seq;
}

Status SyncStore::start_resync() {
  if (auto st = set_state("resync", "1"); !st) return st;
  if (auto st = db_.exec("DELETE FROM resync_seen"); !st) return st;
  auto held = db_.prepare_cached("SELECT EXISTS (SELECT 1 FROM server_rows)");
  if (!held) return held.error();
  auto row = held->step();
  if (!row) return row.error();
  return set_state("resync_track", *row && held->integer(0) != 0 ? "1" : "0");
}

Status SyncStore::begin_resync() {
  return guarded([&]() -> Status {
    Transaction tx(db_);
    must(start_resync());
    must(set_state("cursor", "0"));
    tx.commit();
    return Status::Ok();
  });
}

bool SyncStore::needs_resync() {
  auto v = state("resync", "0");
  return v && *v == "1";
}

std::optional<std::int64_t> SyncStore::full_pull_horizon() {
  if (!needs_resync()) return std::nullopt;
  auto v = state("full_horizon", "");
  if (!v || v->empty()) return std::nullopt;
  try {
    return static_cast<std::int64_t>(std::stoll(*v));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Result<std::int64_t> SyncStore::cursor() {
  auto v = state("cursor", "0");
  if (!v) return v.error();
  try {
    return static_cast<std::int64_t>(std::stoll(*v));
  } catch (const std::exception&) {
    return Error{ErrorCode::internal, "the stored sync cursor is damaged"};
  }
}

Result<std::vector<Rejection>> SyncStore::rejections() {
  return guarded([&]() -> Result<std::vector<Rejection>> {
    std::vector<Rejection> out;
    auto st = must(db_.prepare_cached("SELECT op_id, name, args, code, message, rejected_at FROM rejections ORDER BY rejected_at, op_id"));
    while (must(st.step()))
      out.push_back(Rejection{st.text(0), st.text(1), parse_object(st.text(2)),
                              Error{parse_error_code(st.text(3)).value_or(ErrorCode::internal), st.text(4)},
                              st.text(5)});
    return out;
  });
}

Status SyncStore::dismiss_rejection(std::string_view op_id) {
  auto st = db_.prepare_cached("DELETE FROM rejections WHERE op_id = ?");
  if (!st) return st.error();
  st->bind(1, op_id);
  return st->run();
}

Result<std::optional<std::string>> SyncStore::last_synced_at() {
  auto v = state("last_synced_at", "");
  if (!v) return v.error();
  if (v->empty()) return std::optional<std::string>();
  return std::optional<std::string>(*v);
}

}  // namespace passerelle::client
