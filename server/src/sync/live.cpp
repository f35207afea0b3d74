#include "sync/live.h"

#include <soci/sqlite3/soci-sqlite3.h>

#include <boost/json.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

#include "passerelle/shared/protocol.h"
#include "passerelle/shared/sync/collections.h"
#include "storage/connection_cache.h"
#include "sync/change_text.h"

namespace passerelle::server::sync {
namespace json = boost::json;

namespace {

constexpr std::string_view kNoticePrefix = "passerelle-live:";

bool is_group(const std::string& reader) { return reader.rfind("role:", 0) == 0; }

// The readers' `prev` and the compaction horizon in one statement (one round trip on
// PostgreSQL, one SQLite call, instead of one per reader and per role): each name of a list is
// bound as a parameter, so a statement is prepared per list length (up to kPrevBatch) and kept
// for the connection's life. Portable SQL: a derived table of the names, and for each the
// latest entry below `first` through the (user_id, seq) index.
constexpr std::size_t kPrevBatch = 32;

struct PrevQuery {
  PrevQuery(soci::session& sql, std::size_t n) : users(n), st(sql) {
    std::string names;
    for (std::size_t i = 0; i < n; ++i) {
      if (i) names += " UNION ALL ";
      names += "SELECT CAST(:u" + std::to_string(i) + " AS TEXT) AS u";
    }
    // Bound in the order the placeholders appear in the text: :f and :f2 first, then the names.
    st.exchange(soci::into(user));
    st.exchange(soci::into(value, ind));
    st.exchange(soci::use(first));
    st.exchange(soci::use(first));
    for (auto& u : users) st.exchange(soci::use(u));
    st.alloc();
    // The reader's own entries and their scopes' rows (docs/sync.md, "Scopes"), each read
    // backwards from :f on its index: a long thread costs one step, not its length.
    st.prepare("SELECT r.u, (SELECT MAX(s) FROM (SELECT (SELECT a.seq FROM sync_audience a WHERE a.user_id = r.u"
               " AND a.seq < :f ORDER BY a.seq DESC LIMIT 1) AS s UNION ALL SELECT (SELECT x.seq FROM sync_rows x"
               " WHERE x.scope = m.scope AND x.seq < :f2 ORDER BY x.seq DESC LIMIT 1) FROM sync_scope_members m"
               " WHERE m.user_id = r.u) AS latest) FROM (" + names + ") r"
               " UNION ALL SELECT '', value FROM sync_meta WHERE key = 'horizon'");
    st.define_and_bind();
  }
  std::vector<std::string> users;  // bound before `st` is prepared; never resized after
  std::string user;
  long long first = 0, value = 0;
  soci::indicator ind = soci::i_null;
  soci::statement st;
};

struct PrevStatements {
  explicit PrevStatements(soci::session& sql) : sql(sql) {}
  soci::session& sql;
  std::map<std::size_t, std::unique_ptr<PrevQuery>> by_length;

  // For each name: the seq of its latest entry below `first` (0 when none); "" maps to the
  // compaction horizon.
  std::map<std::string, std::int64_t> run(const std::vector<std::string>& names, std::int64_t first) {
    std::map<std::string, std::int64_t> out;
    for (std::size_t at = 0; at < names.size(); at += kPrevBatch) {
      std::size_t n = std::min(kPrevBatch, names.size() - at);
      auto& q = by_length[n];
      if (!q) q = std::make_unique<PrevQuery>(sql, n);
      q->first = first;
      std::copy(names.begin() + static_cast<std::ptrdiff_t>(at), names.begin() + static_cast<std::ptrdiff_t>(at + n),
                q->users.begin());
      q->ind = soci::i_null;
      for (bool got = q->st.execute(true); got; got = q->st.fetch()) {
        out[q->user] = q->ind == soci::i_ok ? q->value : 0;
        q->ind = soci::i_null;
      }
    }
    return out;
  }
};

// The readers' latest changes remembered by the writer's connection (SQLite), so that a push
// reads its readers' `prev` from memory instead of a statement per push (5.4 % of the server's
// samples under the chat workload; docs/benchmarks.md). `latest[name]` is the seq of the latest
// change `name` could see (their entries and their scopes' rows, or a role audience's) below
// `next`, kept exact by adding each poked commit's rows as it is built. It must never be too
// low (a device would take a poke over a change it never got); too high only makes a device
// pull. So it is dropped whenever anything it did not see may have changed the database:
//  * a commit whose first seq is not `next` (a write that built no poke, another process, or
//    seqs reused after a rollback);
//  * a rollback on the connection (a push whose poke was built and then undone;
//    ConnectionCache::note_rollback, which the writer calls);
//  * a commit by another connection (`PRAGMA data_version`: another process on the same file).
// The compaction horizon is not remembered: it is read with data_version on every use.
struct PrevMemory {
  // The check runs on every push, so it is a statement of SQLite's own, prepared once: through
  // soci, binding and fetching its two numbers cost about as much as the statement it replaces.
  // `PRAGMA data_version` is a statement of its own: read through the `pragma_data_version`
  // table in the same SELECT, SQLite compiled the pragma again on every step (1.6 % of the
  // writer thread's samples under the chat workload; docs/benchmarks.md, "Eleventh pass").
  explicit PrevMemory(soci::session& sql) {
    auto* db = static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
    if (sqlite_api::sqlite3_prepare_v2(db, "SELECT value FROM sync_meta WHERE key = 'horizon'", -1, &check,
                                       nullptr) != SQLITE_OK)
      check = nullptr;
    if (sqlite_api::sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &version, nullptr) != SQLITE_OK)
      version = nullptr;
  }
  ~PrevMemory() {
    sqlite_api::sqlite3_finalize(check);
    sqlite_api::sqlite3_finalize(version);
  }
  PrevMemory(const PrevMemory&) = delete;
  PrevMemory& operator=(const PrevMemory&) = delete;
  sqlite_api::sqlite3_stmt* version = nullptr;
  sqlite_api::sqlite3_stmt* check = nullptr;

  std::unordered_map<std::string, std::int64_t> latest;
  std::int64_t next = 0;
  long long seen_version = -1;
  std::uint64_t seen_rollbacks = 0;
  static constexpr std::size_t kMaxNames = 100000;  // past it, start over (a statement refills it)

  // Before a commit's poke: drops what may be stale; returns the horizon, or nothing when the
  // check cannot run (the memory is then dropped and the statement answers).
  std::optional<std::int64_t> validate(std::int64_t first, std::uint64_t rollbacks) {
    // The horizon row may be missing (nothing compacted yet): 0, as the sub-select answered.
    bool read = check && version;
    std::int64_t h = 0;
    long long data_version = -1;
    if (read) {
      int rc = sqlite_api::sqlite3_step(check);
      if (rc == SQLITE_ROW) h = sqlite_api::sqlite3_column_int64(check, 0);
      else if (rc != SQLITE_DONE) read = false;
    }
    if (read) {
      read = sqlite_api::sqlite3_step(version) == SQLITE_ROW;
      if (read) data_version = sqlite_api::sqlite3_column_int64(version, 0);
    }
    // Neither holds a read transaction past this.
    if (check) sqlite_api::sqlite3_reset(check);
    if (version) sqlite_api::sqlite3_reset(version);
    if (!read) {
      latest.clear();
      next = 0;
      return std::nullopt;
    }
    if (first != next || data_version != seen_version || rollbacks != seen_rollbacks || latest.size() > kMaxNames)
      latest.clear();
    seen_version = data_version;
    seen_rollbacks = rollbacks;
    return h;
  }
  // After it: the commit's rows raise their readers' latest.
  void remember(const std::vector<WrittenRow>& written, std::int64_t last_seq) {
    for (const auto& w : written)
      for (const auto* list : {&w.readers, &w.lost})
        for (const auto& u : *list)
          if (auto it = latest.find(u); it != latest.end()) it->second = std::max(it->second, w.seq);
    next = last_seq + 1;
  }
};

// The audience entries of one reader in the rows of a commit.
struct Entry {
  std::size_t row;
  std::int64_t seq;
  bool visible;
};
struct Row {
  std::string collection, id;
  bool deleted = false;
  std::string data;
};

// False when the row's stored text is not a JSON object (a damaged row): see assemble.
bool append_change_text(std::string& out, const Row& row, const Entry& e) {
  return append_change(out, ChangeView{row.collection, row.id, e.seq, !e.visible || row.deleted, row.data});
}

// Fills readers and audiences: each change's text is made once, each audience's list once.
void assemble(LivePoke& poke, const std::vector<Row>& rows,
              const std::map<std::string, std::vector<Entry>>& entries,
              const std::map<std::string, std::int64_t>& prevs) {
  std::map<std::tuple<std::size_t, std::int64_t, bool>, std::size_t> text_ids;
  std::vector<std::string> texts;
  std::unordered_map<std::string, std::size_t> by_signature;
  for (const auto& [user, list] : entries) {
    auto prev = prevs.find(user);
    if (prev == prevs.end() || list.empty()) continue;
    std::string signature;
    std::vector<std::size_t> ids;
    for (const Entry& e : list) {
      auto [it, fresh] = text_ids.emplace(std::make_tuple(e.row, e.seq, e.visible), texts.size());
      if (fresh) {
        // A damaged row is not carried: everyone pulls, and pull decides what it becomes.
        if (!append_change_text(texts.emplace_back(), rows[e.row], e)) {
          poke.readers.clear();
          poke.audiences.clear();
          return;
        }
      }
      ids.push_back(it->second);
      signature += std::to_string(it->second);
      signature += ',';
    }
    auto [aud, fresh] = by_signature.emplace(signature, poke.audiences.size());
    if (fresh) {
      std::string body;
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i) body += ',';
        body += texts[ids[i]];
      }
      if (body.size() > kMaxCarriedBytes) {  // too big to carry: everyone pulls
        poke.readers.clear();
        poke.audiences.clear();
        return;
      }
      poke.audiences.push_back(std::move(body));
    }
    poke.readers[user] = LivePoke::Reader{prev->second, aud->second};
  }
}

std::string plain_poke(std::int64_t seq) { return protocol::serialize_event("poke", {{"seq", seq}}); }

}  // namespace

std::string LivePoke::frame_for(const std::string& user) const {
  auto it = readers.find(user);
  if (it == readers.end()) return plain;
  const std::string& body = audiences[it->second.audience];
  std::string out;
  out.reserve(body.size() + 80);
  out += "{\"type\":\"poke\",\"seq\":";
  out += std::to_string(last);
  out += ",\"prev\":";
  out += std::to_string(it->second.prev);
  out += ",\"changes\":[";
  out += body;
  out += "]}";
  return out;
}

namespace {
// The role audiences' names: a device reads its role's rows too (see live_poke's prev).
std::vector<std::string> role_names() {
  std::vector<std::string> names;
  std::string_view first_role;
  for (int r = 0; r < 16; ++r) {
    std::string_view name = protocol::to_string(static_cast<protocol::Role>(r));
    if (r == 0) first_role = name;
    else if (name == first_role) break;  // past the last role (to_string's fallback)
    names.push_back(passerelle::sync::role_audience(static_cast<protocol::Role>(r)));
  }
  return names;
}
}  // namespace

std::vector<std::string> poke_reader_names(const std::vector<WrittenRow>& written) {
  std::set<std::string> readers;
  for (const auto& w : written)
    for (const auto* list : {&w.readers, &w.lost})
      for (const auto& u : *list) {
        if (is_group(u)) return {};
        readers.insert(u);
      }
  if (readers.empty()) return {};
  std::vector<std::string> names = role_names();
  names.insert(names.end(), readers.begin(), readers.end());
  return names;
}

namespace {
LivePoke build_live_poke(soci::session& sql, const std::vector<WrittenRow>& written, std::int64_t last_seq,
                         const std::vector<std::string>& users, const std::map<std::string, std::int64_t>* given,
                         PrevMemory* memory, std::int64_t horizon) {
  LivePoke poke;
  poke.last = last_seq;
  poke.plain = plain_poke(last_seq);
  poke.users = users;
  if (written.empty() || last_seq <= 0) return poke;
  poke.first = written.front().seq;
  for (const auto& w : written) {
    poke.first = std::min(poke.first, w.seq);
    // A role audience's readers are not known here: the hub gives every session of that role
    // the plain poke (Hub::set_user), and their devices pull.
    for (const auto* list : {&w.readers, &w.lost})
      if (std::any_of(list->begin(), list->end(), is_group)) return poke;
  }
  // A row written twice in the push (put, then removed) goes out once, as pull would send it:
  // its last state, at the seq of the reader's last entry.
  std::map<std::pair<std::string, std::string>, std::size_t> row_index;
  std::vector<Row> rows;
  std::vector<std::size_t> row_of(written.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    const auto& w = written[i];
    auto [it, fresh] = row_index.emplace(std::make_pair(w.collection, w.id), rows.size());
    if (fresh) rows.push_back(Row{w.collection, w.id, w.deleted, w.data});
    else rows[it->second] = Row{w.collection, w.id, w.deleted, w.data};
    row_of[i] = it->second;
  }
  std::map<std::string, std::vector<Entry>> entries;
  for (std::size_t i = 0; i < written.size(); ++i) {
    const auto& w = written[i];
    auto add = [&](const std::string& user, bool visible) {
      auto& list = entries[user];
      auto same = std::find_if(list.begin(), list.end(), [&](const Entry& e) { return e.row == row_of[i]; });
      if (same != list.end()) list.erase(same);
      list.push_back(Entry{row_of[i], w.seq, visible});
    };
    for (const auto& u : w.readers) add(u, true);
    for (const auto& u : w.lost) add(u, false);
  }
  for (auto& [_, list] : entries)
    std::sort(list.begin(), list.end(), [](const Entry& a, const Entry& b) { return a.seq < b.seq; });

  // prev = the latest change the reader could see before this commit: their own entries, any
  // role audience's (a device reads its role's rows too; which role is not known here, so the
  // latest of all of them), and the compaction horizon (a device below it must resync).
  std::vector<std::string> names = role_names();
  std::size_t role_count = names.size();
  for (const auto& [user, _] : entries) names.push_back(user);
  std::map<std::string, std::int64_t> latest;
  if (given) {
    latest = *given;
  } else if (memory) {
    // Names the memory does not hold are read, below `first`, and held from now on.
    latest[""] = horizon;
    std::vector<std::string> missing;
    for (const auto& name : names) {
      if (auto it = memory->latest.find(name); it != memory->latest.end()) latest[name] = it->second;
      else missing.push_back(name);
    }
    if (!missing.empty()) {
      storage::Cached<PrevStatements> st(sql);
      for (auto& [name, seq] : st->run(missing, poke.first)) {
        if (name.empty()) continue;
        latest[name] = seq;
        memory->latest[name] = seq;
      }
    }
  } else {
    storage::Cached<PrevStatements> st(sql);
    latest = st->run(names, poke.first);
  }
  std::int64_t base = latest[""];
  for (std::size_t i = 0; i < role_count; ++i) base = std::max(base, latest[names[i]]);
  std::map<std::string, std::int64_t> prevs;
  for (const auto& [user, _] : entries) prevs[user] = std::max(base, latest[user]);
  assemble(poke, rows, entries, prevs);
  return poke;
}

}  // namespace

LivePoke live_poke(soci::session& sql, const std::vector<WrittenRow>& written, std::int64_t last_seq,
                   const std::vector<std::string>& users, const std::map<std::string, std::int64_t>* given) {
  // The memory serves SQLite's writer connection; PostgreSQL reads `prev` in the push's last
  // pipeline (`given`), and a bare session (a command) has nowhere to keep it.
  auto* cache = given || written.empty() || last_seq <= 0 ? nullptr : storage::ConnectionCache::of(sql);
  if (!cache || sql.get_backend_name() != "sqlite3") return build_live_poke(sql, written, last_seq, users, given, nullptr, 0);
  auto& memory = cache->get<PrevMemory>();
  std::int64_t first = written.front().seq;
  for (const auto& w : written) first = std::min(first, w.seq);
  auto horizon = memory.validate(first, cache->rollbacks());
  if (!horizon) return build_live_poke(sql, written, last_seq, users, nullptr, nullptr, 0);
  auto poke = build_live_poke(sql, written, last_seq, users, nullptr, &memory, *horizon);
  memory.remember(written, last_seq);
  return poke;
}

LivePoke load_live_poke(soci::session& sql, std::int64_t first, std::int64_t last,
                        const std::map<std::string, std::int64_t>& prevs) {
  LivePoke poke;
  poke.first = first;
  poke.last = last;
  poke.plain = plain_poke(last);
  for (const auto& [user, _] : prevs) poke.users.push_back(user);
  std::map<std::pair<std::string, std::string>, std::size_t> row_index;
  std::vector<Row> rows;
  std::map<std::string, std::vector<Entry>> entries;
  {
    std::string user, collection, row_id;
    long long seq = 0, f = first, l = last;
    int visible = 0;
    soci::statement q = (sql.prepare << "SELECT collection, row_id, seq, visible FROM sync_readable"
                                        " WHERE user_id = :u AND seq >= :f AND seq <= :l ORDER BY seq",
                         soci::use(user), soci::use(f), soci::use(l), soci::into(collection), soci::into(row_id),
                         soci::into(seq), soci::into(visible));
    for (const auto& [u, _] : prevs) {
      user = u;
      auto& list = entries[u];
      for (bool got = q.execute(true); got; got = q.fetch()) {
        auto [it, fresh] = row_index.emplace(std::make_pair(collection, row_id), rows.size());
        if (fresh) rows.push_back(Row{collection, row_id, false, {}});
        list.push_back(Entry{it->second, seq, visible != 0});
      }
    }
  }
  {
    // Each row once, whatever the number of readers and sessions.
    std::string collection, id, data;
    long long seq = 0;
    int deleted = 0;
    soci::statement q = (sql.prepare << "SELECT data, deleted, seq FROM sync_rows WHERE collection = :c AND id = :i",
                         soci::use(collection), soci::use(id), soci::into(data), soci::into(deleted), soci::into(seq));
    for (auto& row : rows) {
      collection = row.collection;
      id = row.id;
      if (!q.execute(true) || seq > last) return poke;  // changed again since: that poke follows, pull now
      row.deleted = deleted != 0;
      row.data = data;
    }
  }
  assemble(poke, rows, entries, prevs);
  return poke;
}

std::string relay_notice(const LivePoke& poke) {
  if (!poke.carried()) return {};
  json::object prevs;
  for (const auto& [user, r] : poke.readers) prevs[user] = r.prev;
  return std::string(kNoticePrefix) +
         json::serialize(json::object{{"f", poke.first}, {"l", poke.last}, {"p", std::move(prevs)}});
}

bool parse_relay_notice(const std::string& text, std::int64_t& first, std::int64_t& last,
                        std::map<std::string, std::int64_t>& prevs) {
  if (text.compare(0, kNoticePrefix.size(), kNoticePrefix) != 0) return false;
  boost::system::error_code ec;
  auto v = json::parse(std::string_view(text).substr(kNoticePrefix.size()), ec);
  if (ec || !v.is_object()) return false;
  const auto& o = v.get_object();
  auto* f = o.if_contains("f");
  auto* l = o.if_contains("l");
  auto* p = o.if_contains("p");
  if (!f || !l || !p || !f->is_int64() || !l->is_int64() || !p->is_object()) return false;
  first = f->get_int64();
  last = l->get_int64();
  prevs.clear();
  for (const auto& kv : p->get_object())
    if (kv.value().is_int64()) prevs[std::string(kv.key())] = kv.value().get_int64();
  return true;
}

}  // namespace passerelle::server::sync
