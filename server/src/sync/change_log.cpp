#include "sync/change_log.h"

#include "sync/projections.h"
#include "sync/sync_schema.h"
#include "storage/dialect.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "passerelle/shared/crypto.h"

namespace passerelle::server::sync {
namespace json = boost::json;

namespace {
// The row writes, run through SOCI or queued as deferred writes (PostgreSQL, coalesced mode).
constexpr const char* kPutRowSql =
    "INSERT INTO sync_rows (collection, id, data, deleted, seq, scope) VALUES (:c, :i, :d, 0, :s, :a)"
    " ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data, deleted = 0, seq = excluded.seq,"
    " scope = excluded.scope";
// The same for the migrations older than scopes (ChangeLog::without_scopes): no scope column yet.
constexpr const char* kPutUnscopedRowSql =
    "INSERT INTO sync_rows (collection, id, data, deleted, seq) VALUES (:c, :i, :d, 0, :s)"
    " ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data, deleted = 0, seq = excluded.seq";
constexpr const char* kAddMemberSql =
    "INSERT INTO sync_scope_members (scope, user_id) VALUES (:a, :u) ON CONFLICT DO NOTHING";
// A reader's own entry of a row that becomes scoped (it had one reader, it now has several):
// the scope gives it to them from now on.
constexpr const char* kDropReaderSql = "DELETE FROM sync_audience WHERE user_id = :u AND collection = :c AND row_id = :i";
constexpr const char* kSetReaderSql =
    "INSERT INTO sync_audience (user_id, collection, row_id, seq, visible, changed_at_ms)"
    " VALUES (:u, :c, :i, :s, :v, :t)"
    " ON CONFLICT (user_id, collection, row_id) DO UPDATE SET"
    " seq = excluded.seq, visible = excluded.visible, changed_at_ms = excluded.changed_at_ms";
constexpr const char* kWriteCounterSql = "UPDATE sync_meta SET value = :s WHERE key = 'seq'";
}  // namespace

// Each statement is bound once to the fields below; running it means setting them and executing.
struct ChangeLog::Statements {
  explicit Statements(soci::session& sql, bool scoped = true)
      : get_row((sql.prepare << "SELECT data FROM sync_rows WHERE collection = :c AND id = :i AND deleted = 0",
                 soci::use(collection), soci::use(id), soci::into(data, data_ind))),
        audience((sql.prepare << (scoped ? "SELECT user_id FROM sync_readable WHERE collection = :c AND row_id = :i"
                                           " AND visible = 1 ORDER BY user_id"
                                         : "SELECT user_id FROM sync_audience WHERE collection = :c AND row_id = :i"
                                           " AND visible = 1 ORDER BY user_id"),
                  soci::use(collection), soci::use(id), soci::into(user))),
        next_seq((sql.prepare << "UPDATE sync_meta SET value = value + 1 WHERE key = 'seq' RETURNING value",
                  soci::into(seq))),
        read_counter((sql.prepare << "SELECT value FROM sync_meta WHERE key = 'seq'", soci::into(seq))),
        write_counter((sql.prepare << kWriteCounterSql, soci::use(seq))),
        put_row(scoped ? (sql.prepare << kPutRowSql, soci::use(collection), soci::use(id), soci::use(data),
                          soci::use(seq), soci::use(scope, scope_ind))
                       : (sql.prepare << kPutUnscopedRowSql, soci::use(collection), soci::use(id), soci::use(data),
                          soci::use(seq))),
        set_reader((sql.prepare << kSetReaderSql, soci::use(user), soci::use(collection), soci::use(id), soci::use(seq),
                    soci::use(visible), soci::use(at_ms))),
        projections(sql) {
    if (scoped) {
      add_member.emplace((sql.prepare << kAddMemberSql, soci::use(scope), soci::use(user)));
      drop_reader.emplace((sql.prepare << kDropReaderSql, soci::use(user), soci::use(collection), soci::use(id)));
    }
    if (scoped && storage::is_postgresql(sql))
      // A row and its readers in one round trip (a push reads each message it writes, to
      // refuse a second one with its id, and then its audience).
    {
      row_and_audience.emplace((sql.prepare << storage::row_and_audience_sql(), soci::use(collection), soci::use(id),
                                soci::into(data, data_ind), soci::into(users, users_ind)));
      rows_and_audiences.emplace((sql.prepare << storage::rows_and_audiences_sql(), soci::use(collection),
                                  soci::use(collection), soci::use(ids), soci::into(id_out), soci::into(data, data_ind),
                                  soci::into(users, users_ind)));
    }
  }

  // Bound variables (declared before the statements that bind them).
  std::string collection, id, data, user, users, ids, id_out, scope;
  soci::indicator data_ind = soci::i_null, users_ind = soci::i_null, scope_ind = soci::i_null;
  long long seq = 0, at_ms = 0;
  int visible = 0;

  soci::statement get_row, audience, next_seq, read_counter, write_counter, put_row, set_reader;
  std::optional<soci::statement> row_and_audience, rows_and_audiences;  // PostgreSQL, with scopes
  std::optional<soci::statement> add_member, drop_reader;                // with scopes
  Projections projections;
};

using storage::finish;

namespace {
// One key per row for the batched modes' maps.
std::string row_key(std::string_view collection, std::string_view id) {
  std::string key;
  key.reserve(collection.size() + 1 + id.size());
  key.append(collection).push_back('\0');
  key.append(id);
  return key;
}
}  // namespace

ChangeLog::ChangeLog(soci::session& sql, Timestamp now, Mode mode) : sql_(sql), now_(now), mode_(mode) {
  // The queue must outlive this object: the connection's (a bare session would get a temporary).
  if (mode_ == Mode::coalesced && storage::ConnectionCache::of(sql_)) {
    storage::Cached<storage::DeferredWrites> deferred(sql_);
    if (deferred->available()) deferred_ = &*deferred;
  }
}
ChangeLog::~ChangeLog() = default;

void ChangeLog::write_pending() {
  write_held();
  if (deferred_) deferred_->flush();
}

void ChangeLog::write_held() {
  std::vector<Held> held = std::move(held_);
  held_.clear();
  held_index_.clear();
  for (const Held& h : held) {
    std::vector<std::string> lost;
    for (const auto& u : h.ever)
      if (std::find(h.audience.begin(), h.audience.end(), u) == h.audience.end()) lost.push_back(u);
    write_row(h.collection, h.id, h.data, h.seq, h.audience, lost, h.before, h.absent);
  }
}

void ChangeLog::flush(const char* then) { flush_and_read(then, {}); }

std::vector<storage::DeferredWrites::Rows> ChangeLog::flush_and_read(
    const char* then, const std::function<std::vector<storage::DeferredWrites::Read>()>& reads) {
  write_held();
  statements().projections.update_summaries();  // flushes the deferred writes first when it reads
  if (mode_ != Mode::plain && counter_ >= 0) {
    auto& st = statements();
    if (deferred_) {
      deferred_->add(kWriteCounterSql, {std::to_string(counter_)});
    } else {
      st.seq = counter_;
      st.write_counter.execute(true);
    }
  }
  if (deferred_) {
    if (then) deferred_->add(then, {});
    if (reads)
      if (auto asked = reads(); !asked.empty()) return deferred_->flush_and_read(asked);
    deferred_->flush();
  } else if (then) {
    sql_ << then;
  }
  return {};
}

void ChangeLog::discard_deferred() {
  if (deferred_) deferred_->discard();
  held_.clear();
  held_index_.clear();
  scopes_written_.clear();
}

void ChangeLog::rewind(const Mark& m) {
  if (mode_ == Mode::coalesced) throw std::logic_error("a coalesced change log cannot be rewound");
  touched_ = m.touched;
  last_seq_ = m.last_seq;
  counter_ = m.counter;
  if (captured_ && captured_->size() > m.captured) captured_->resize(m.captured);
  // What was read or written since the mark may have been undone with it.
  known_.clear();
  scopes_written_.clear();
}

ChangeLog::Known* ChangeLog::known(std::string_view collection, std::string_view id) {
  if (mode_ == Mode::plain) return nullptr;
  return &known_[row_key(collection, id)];
}

void ChangeLog::without_scopes() {
  if (statements_ || unscoped_statements_) throw std::logic_error("without_scopes() comes before any read or write");
  scoped_ = false;
}

void ChangeLog::without_row_keys() { statements().projections.index_row_keys = false; }

ChangeLog::Statements& ChangeLog::statements() {
  if (!scoped_) {  // the migrations older than scopes: their own statements, not the connection's
    if (!unscoped_statements_) {
      unscoped_statements_ = std::make_unique<Statements>(sql_, false);
      unscoped_statements_->projections.deferred = deferred_;
    }
    return *unscoped_statements_;
  }
  if (!statements_) {
    statements_.emplace(sql_);
    (**statements_).projections.deferred = deferred_;
  }
  return **statements_;
}

namespace {
// Expected ids are kept sorted and once each: the text the reads bind and a read ahead compare.
std::vector<std::string> sorted_once(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}
}  // namespace

void ChangeLog::expect_reads(std::vector<std::string> ids) {
  expected_ids_ = sorted_once(std::move(ids));
  expected_read_.clear();
}

void ChangeLog::read_expected(std::string_view collection) {
  expected_read_.emplace(collection);
  auto& st = statements();
  st.collection.assign(collection);
  st.ids = storage::text_array(expected_ids_);
  st.data_ind = st.users_ind = soci::i_null;
  if (!st.rows_and_audiences->execute(true)) return;
  do {
    know_expected(collection, st.id_out, st.data_ind == soci::i_ok ? std::optional<std::string>(st.data) : std::nullopt,
                  st.users_ind == soci::i_ok ? std::optional<std::string>(st.users) : std::nullopt);
    st.data_ind = st.users_ind = soci::i_null;
  } while (st.rows_and_audiences->fetch());
}

std::string ChangeLog::expected_ids_text() const { return storage::text_array(expected_ids_); }

std::string ChangeLog::expected_ids_text_of(std::vector<std::string> ids) {
  return storage::text_array(sorted_once(std::move(ids)));
}

void ChangeLog::take_expected(std::string_view collection, const storage::DeferredWrites::Rows& rows) {
  expected_read_.emplace(collection);
  for (const auto& row : rows) {
    if (row.size() != 3 || !row[0]) throw std::runtime_error("sync_rows: an unexpected row read");
    know_expected(collection, *row[0], row[1], row[2]);
  }
}

void ChangeLog::know_expected(std::string_view collection, const std::string& id, const std::optional<std::string>& data,
                              const std::optional<std::string>& users) {
  Known& k = known_[row_key(collection, id)];
  // What this push wrote or read already is newer than the table.
  if (!k.audience) {
    std::vector<std::string> readers;
    if (users) {
      json::value list = json::parse(*users);
      for (const auto& u : list.as_array()) readers.emplace_back(u.as_string());
    }
    k.audience = std::move(readers);
  }
  if (!k.row) {
    if (!data) {
      k.row.emplace(std::nullopt);
    } else {
      json::value v = json::parse(*data);
      if (!v.is_object()) throw std::runtime_error("sync_rows holds a non-object row " + std::string(collection) + "/" + id);
      k.row.emplace(std::move(v.get_object()));
    }
  }
}

std::optional<json::object> ChangeLog::get(std::string_view collection, std::string_view id) {
  Known* k = known(collection, id);
  if (k && k->row) return *k->row;
  if (k && deferred_ && !expected_read_.contains(collection) &&
      std::binary_search(expected_ids_.begin(), expected_ids_.end(), id)) {
    read_expected(collection);
    k = known(collection, id);  // the map may have grown
    if (k->row) return *k->row;
  }
  auto& st = statements();
  st.collection.assign(collection);
  st.id.assign(id);
  st.data_ind = soci::i_null;
  if (k && !k->audience && st.row_and_audience) {
    st.users_ind = soci::i_null;
    st.row_and_audience->execute(true);  // one row always
    std::vector<std::string> users;
    if (st.users_ind == soci::i_ok) {
      json::value list = json::parse(st.users);
      for (const auto& u : list.as_array()) users.emplace_back(u.as_string());
    }
    k->audience = std::move(users);
    if (st.data_ind != soci::i_ok) {
      k->row.emplace(std::nullopt);
      return std::nullopt;
    }
    json::value v = json::parse(st.data);
    if (!v.is_object()) throw std::runtime_error("sync_rows holds a non-object row " + st.collection + "/" + st.id);
    k->row.emplace(v.get_object());
    return std::move(v.get_object());
  }
  bool found = st.get_row.execute(true);
  if (found) finish(st.get_row);
  if (!found || st.data_ind != soci::i_ok) {
    if (k) k->row.emplace(std::nullopt);
    return std::nullopt;
  }
  json::value v = json::parse(st.data);
  if (!v.is_object()) throw std::runtime_error("sync_rows holds a non-object row " + st.collection + "/" + st.id);
  if (k) k->row.emplace(v.get_object());
  return std::move(v.get_object());
}

std::vector<std::string> ChangeLog::audience(std::string_view collection, std::string_view id) {
  Known* k = known(collection, id);
  if (k && k->audience) return *k->audience;
  if (k && deferred_ && !expected_read_.contains(collection) &&
      std::binary_search(expected_ids_.begin(), expected_ids_.end(), id)) {
    read_expected(collection);
    k = known(collection, id);
    if (k->audience) return *k->audience;
  }
  auto& st = statements();
  st.collection.assign(collection);
  st.id.assign(id);
  std::vector<std::string> users;
  if (st.audience.execute(true)) {
    do users.push_back(st.user);
    while (st.audience.fetch());
  }
  if (k) k->audience = users;
  return users;
}

std::int64_t ChangeLog::next_seq() {
  auto& st = statements();
  if (mode_ != Mode::plain) {
    if (counter_ < 0 && known_counter_) {
      counter_ = *known_counter_;
    } else if (counter_ < 0) {
      if (!st.read_counter.execute(true)) throw std::runtime_error("sync_meta has no 'seq' counter");
      finish(st.read_counter);
      counter_ = st.seq;
    }
    last_seq_ = ++counter_;
    return last_seq_;
  }
  if (!st.next_seq.execute(true)) throw std::runtime_error("sync_meta has no 'seq' counter");
  finish(st.next_seq);
  last_seq_ = st.seq;
  return st.seq;
}

void ChangeLog::set_reader(const std::string& user, const std::string& collection, const std::string& id,
                           std::int64_t seq, bool visible) {
  touched_.insert(user);
  if (deferred_) {
    deferred_->add(kSetReaderSql, {user, collection, id, std::to_string(seq), visible ? "1" : "0",
                                   std::to_string(to_unix_ms(now_))});
    return;
  }
  auto& st = statements();
  st.user = user;
  st.collection = collection;
  st.id = id;
  st.seq = seq;
  st.visible = visible ? 1 : 0;
  st.at_ms = to_unix_ms(now_);
  st.set_reader.execute(true);
}

std::string ChangeLog::scope_of(const std::vector<std::string>& readers) {
  // A thread's messages and the thread itself name one scope again and again: hashed once.
  if (auto it = scopes_written_.find(readers); it != scopes_written_.end()) return it->second;
  std::string scope = scope_key(readers);
  scopes_written_.emplace(readers, scope);
  for (const auto& u : readers) {
    if (deferred_) {
      deferred_->add(kAddMemberSql, {scope, u});
      continue;
    }
    auto& st = statements();
    st.scope = scope;
    st.user = u;
    st.add_member->execute(true);
  }
  return scope;
}

void ChangeLog::write_row(const std::string& collection, const std::string& id, const json::object& data,
                          std::int64_t seq, const std::vector<std::string>& audience_after,
                          const std::vector<std::string>& lost, const std::vector<std::string>& before,
                          bool absent) {
  std::string text = json::serialize(data);
  // Two readers or more: the row names their scope and nobody gets an entry of their own
  // (docs/sync.md, "Scopes"). One reader: their entry, as always.
  std::optional<std::string> scope;
  if (scoped_ && audience_after.size() >= 2) scope = scope_of(audience_after);
  if (deferred_) {
    deferred_->add(kPutRowSql, {collection, id, text, std::to_string(seq),
                                scope ? std::optional<std::string_view>(*scope) : std::nullopt});
  } else {
    auto& st = statements();
    st.collection = collection;
    st.id = id;
    st.data = text;
    st.seq = seq;
    st.scope = scope.value_or(std::string());
    st.scope_ind = scope ? soci::i_ok : soci::i_null;
    st.put_row.execute(true);
  }
  // Captured on both paths: a live poke carries what this push wrote (PostgreSQL's pipelined
  // writes included).
  if (captured_) captured_->push_back(WrittenRow{collection, id, seq, false, std::move(text), audience_after, lost});
  if (scope) {
    touched_.insert(audience_after.begin(), audience_after.end());
    // A row seen by one reader had that reader's entry (a scope has two members or more, unless
    // an erasure took one out: then there is no entry and the delete finds nothing).
    if (before.size() == 1 && std::binary_search(audience_after.begin(), audience_after.end(), before.front()))
      drop_reader(before.front(), collection, id);
    // Someone who sees the row again has a tombstone of it: the scope gives it back, and the
    // tombstone goes so that a pull sends the row once. (A row this push saw absent or deleted
    // is not looked at: a new message has no tombstone; a row made again after its removal keeps
    // its readers' tombstones, older than the row, which a pull sends before it.)
    if (!absent)
      for (const auto& u : audience_after)
        if (std::find(before.begin(), before.end(), u) == before.end()) drop_reader(u, collection, id);
  } else {
    for (const auto& u : audience_after) set_reader(u, collection, id, seq, true);
  }
  for (const auto& u : lost) set_reader(u, collection, id, seq, false);
}

void ChangeLog::drop_reader(const std::string& user, const std::string& collection, const std::string& id) {
  if (deferred_) {
    deferred_->add(kDropReaderSql, {user, collection, id});
    return;
  }
  auto& st = statements();
  st.user = user;
  st.collection = collection;
  st.id = id;
  st.drop_reader->execute(true);
}

void ChangeLog::put(std::string_view collection, std::string_view id, const json::object& data,
                    const std::vector<std::string>& audience_after) {
  std::string c(collection), i(id);
  // A row this push saw absent or deleted has no visible reader (remove() hides it from all of
  // them, and only this class writes the audience): a new message needs no audience read.
  Known* seen = known(collection, id);
  bool no_row = seen && seen->row && !seen->row->has_value();
  bool absent = no_row && !seen->audience;
  std::vector<std::string> before = absent ? std::vector<std::string>{} : audience(collection, id);
  long long seq = next_seq();
  std::vector<std::string> readers = audience_after;  // as the audience query lists them
  std::sort(readers.begin(), readers.end());
  readers.erase(std::unique(readers.begin(), readers.end()), readers.end());
  if (mode_ == Mode::coalesced) {
    auto [it, fresh] = held_index_.emplace(row_key(c, i), held_.size());
    if (fresh) held_.push_back(Held{c, i, {}, 0, {}, before, before, no_row});
    Held& h = held_[it->second];
    h.data = data;
    h.seq = seq;
    h.audience = readers;
    for (const auto& u : readers)
      if (std::find(h.ever.begin(), h.ever.end(), u) == h.ever.end()) h.ever.push_back(u);
    // Who is poked does not wait for the write.
    touched_.insert(readers.begin(), readers.end());
    touched_.insert(before.begin(), before.end());
  } else {
    std::vector<std::string> lost;
    for (const auto& u : before)
      if (std::find(readers.begin(), readers.end(), u) == readers.end()) lost.push_back(u);
    write_row(c, i, data, seq, readers, lost, before, no_row);
  }
  if (Known* k = known(collection, id)) {
    k->row.emplace(data);
    k->audience = std::move(readers);
  }
  statements().projections.defer_summaries = mode_ != Mode::plain;  // a push flushes before its commit
  statements().projections.put(*this, collection, id, data, now_);
}

void ChangeLog::remove(std::string_view collection, std::string_view id) {
  write_pending();  // a held write of this row must land before its removal (the UPDATE below)
  std::string c(collection), i(id);
  std::vector<std::string> before = audience(collection, id);
  long long seq = next_seq();
  // The content goes now; only the fact that the row existed stays until compaction.
  // Its readers keep a tombstone each (compaction reads them), so it leaves its scope.
  if (scoped_)
    sql_ << "UPDATE sync_rows SET data = '{}', deleted = 1, seq = :s, scope = NULL WHERE collection = :c AND id = :i",
        soci::use(seq), soci::use(c), soci::use(i);
  else
    sql_ << "UPDATE sync_rows SET data = '{}', deleted = 1, seq = :s WHERE collection = :c AND id = :i",
        soci::use(seq), soci::use(c), soci::use(i);
  for (const auto& u : before) set_reader(u, c, i, seq, false);
  if (captured_) captured_->push_back(WrittenRow{c, i, seq, true, {}, {}, before});
  if (Known* k = known(collection, id)) {
    k->row.emplace(std::nullopt);
    k->audience.emplace();
  }
  statements().projections.defer_summaries = mode_ != Mode::plain;
  statements().projections.remove(collection, id);
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

std::string scope_key(const std::vector<std::string>& sorted_readers) {
  std::string text;
  for (const auto& u : sorted_readers) {
    text += u;
    text += '\n';  // no user id or audience name holds a line break
  }
  return sha256_hex(text);
}

void migrate_to_scopes(soci::session& sql) {
  if (!storage::has_column(sql, "sync_rows", "scope")) sql << kScopeColumnSql;
  for (const char* stmt : kScopesSql) sql << stmt;
  scope_existing_rows(sql);
}

void scope_existing_rows(soci::session& sql) {
  // Every reader of every visible entry, by row; the rows with two readers or more move.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> readers;
  {
    std::string user, collection, row_id;
    soci::statement q = (sql.prepare << "SELECT user_id, collection, row_id FROM sync_audience WHERE visible = 1",
                         soci::into(user), soci::into(collection), soci::into(row_id));
    for (bool got = q.execute(true); got; got = q.fetch()) readers[{collection, row_id}].push_back(user);
  }
  std::set<std::string> scopes;
  for (auto& [row, users] : readers) {
    if (users.size() < 2) continue;
    std::sort(users.begin(), users.end());
    std::string scope = scope_key(users);
    if (scopes.insert(scope).second)
      for (const auto& u : users) sql << kAddMemberSql, soci::use(scope), soci::use(u);
    // The row's seq stays: each entry had it (an entry moves with every change of its row).
    sql << "UPDATE sync_rows SET scope = :a WHERE collection = :c AND id = :i", soci::use(scope),
        soci::use(row.first), soci::use(row.second);
    sql << "DELETE FROM sync_audience WHERE collection = :c AND row_id = :i AND visible = 1", soci::use(row.first),
        soci::use(row.second);
  }
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
