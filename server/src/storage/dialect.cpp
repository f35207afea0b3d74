#include "dialect.h"

#include <cstring>
#include "db_error.h"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <libpq-fe.h>

#include <poll.h>

#include <filesystem>
#include <system_error>

namespace passerelle::server::storage {

namespace {
// Any 64-bit key will do; this one spells "passerel" in ASCII hex-ish.
constexpr const char* kMigrationLockKey = "7061737365726c";
}  // namespace

static Result<std::string> keyword_conninfo(const std::string& uri);

std::string DbUrl::redacted() const {
  if (!is_postgresql()) return "sqlite:" + path;
  std::string s = conninfo;
  // postgresql://user:SECRET@host...
  auto scheme = s.find("://");
  if (scheme != std::string::npos) {
    auto at = s.find('@', scheme + 3);
    auto slash = s.find('/', scheme + 3);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      auto colon = s.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ...?password=SECRET&...
  for (std::size_t p = s.find("password="); p != std::string::npos; p = s.find("password=", p + 1)) {
    auto end = s.find_first_of("& ", p);
    s.replace(p + 9, (end == std::string::npos ? s.size() : end) - p - 9, "***");
  }
  return s;
}

Result<DbUrl> parse_db_url(std::string_view url) {
  DbUrl out;
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    out.backend = Backend::postgresql;
    out.conninfo = std::string(url);
    if (auto k = keyword_conninfo(out.conninfo); !k) return k.error();
    return out;
  }
  std::string_view rest;
  if (url.rfind("sqlite://", 0) == 0) rest = url.substr(9);
  else if (url.rfind("sqlite:", 0) == 0) rest = url.substr(7);
  else
    return Error{ErrorCode::bad_request, "unsupported database URL '" + std::string(url) +
                                             "' (expected sqlite:PATH or postgresql://...)"};
  if (rest.empty()) return Error{ErrorCode::bad_request, "database URL '" + std::string(url) + "' has no path"};
  out.backend = Backend::sqlite;
  out.path = std::string(rest);
  return out;
}

// SOCI re-parses its connect string as `key=value` pairs, which mangles a URI: hand it libpq's
// keyword form instead (PQconninfoParse understands both), values quoted.
static Result<std::string> keyword_conninfo(const std::string& uri) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(uri.c_str(), &err);
  if (!opts) {
    std::string msg = err ? err : "unparsable";
    if (err) PQfreemem(err);
    return Error{ErrorCode::bad_request, "bad PostgreSQL URL: " + msg};
  }
  std::string out;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val || !*o->val) continue;
    std::string v;
    for (const char* c = o->val; *c; ++c) {
      if (*c == '\\' || *c == '\'') v += '\\';
      v += *c;
    }
    out += (out.empty() ? "" : " ") + std::string(o->keyword) + "='" + v + "'";
  }
  PQconninfoFree(opts);
  return out;
}

// Without these a connection to a host that vanished (a network cut, a failover that moved the
// address) waits on the kernel's TCP timeouts: minutes. The URL's own values win.
static std::string with_timeouts(std::string conninfo) {
  for (const char* kv : {"connect_timeout='5'", "keepalives_idle='10'", "keepalives_interval='3'",
                         "keepalives_count='3'", "tcp_user_timeout='10000'"}) {
    std::string key(kv, std::string(kv).find('='));
    if (conninfo.find(key + "=") == std::string::npos) conninfo += " " + std::string(kv);
  }
  return conninfo;
}

bool transaction_failed(soci::session& sql) {
  if (!sql.get_backend() || sql.get_backend_name() != "postgresql") return false;
  auto* backend = static_cast<soci::postgresql_session_backend*>(sql.get_backend());
  return backend && backend->conn_ && PQtransactionStatus(backend->conn_) == PQTRANS_INERROR;
}

bool connection_lost(soci::session& sql) {
  if (!sql.get_backend()) return true;  // closed (an earlier reconnection failed)
  if (sql.get_backend_name() != "postgresql") return false;
  auto* backend = static_cast<soci::postgresql_session_backend*>(sql.get_backend());
  if (!backend || !backend->conn_) return true;
  PGconn* conn = backend->conn_;
  if (PQstatus(conn) != CONNECTION_OK) return true;
  // An idle connection has nothing to read: data or a hang-up here is the server's farewell
  // ("terminating connection due to administrator command") or a closed socket.
  pollfd fd{PQsocket(conn), POLLIN, 0};
  if (fd.fd < 0) return true;
  if (::poll(&fd, 1, 0) > 0) {
    if (fd.revents & (POLLERR | POLLNVAL)) return true;
    if (!PQconsumeInput(conn)) return true;
    if (PQstatus(conn) != CONNECTION_OK) return true;
  }
  return PQtransactionStatus(conn) == PQTRANS_UNKNOWN;
}

static Status open_postgresql(soci::session& sql, const DbUrl& url) {
  try {
    auto conninfo = keyword_conninfo(url.conninfo);
    if (!conninfo) return conninfo.error();
    conninfo = with_timeouts(*conninfo);
    sql.open(soci::postgresql, *conninfo);
    // libpq would print the server's notices ("FATAL: terminating connection ...") on stderr,
    // outside the JSON log.
    if (auto* backend = static_cast<soci::postgresql_session_backend*>(sql.get_backend()); backend && backend->conn_)
      PQsetNoticeProcessor(backend->conn_, [](void*, const char*) {}, nullptr);
    // Timestamps are RFC 3339 text made by the server; keep the session neutral anyway.
    sql << "SET TIME ZONE 'UTC'";
    sql << "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED";
    sql << "SET client_min_messages = warning";  // no NOTICEs on stderr (IF NOT EXISTS ...)
    // The engine's default (4) prices a random page read as a disk seek. With it, and a row
    // count underestimated (statistics not yet gathered after a burst of writes, or a generic
    // plan's average for `scope = $1`), a pull page's read of one long scope chose a bitmap scan
    // of every row of the scope above the cursor, then a sort, instead of the (scope, seq)
    // index read in order and stopped at the page: 17-57 ms a page instead of 2-6 at 50,000
    // rows, every page (docs/benchmarks.md, "PostgreSQL", sixth pass). 1.1 is the usual value
    // for a database that sits on SSD or in memory.
    sql << "SET random_page_cost = 1.1";
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(ErrorCode::internal, "cannot open database " + url.redacted() + ": " + e.what());
  }
}

Status open_connection(soci::session& sql, const DbUrl& url) {
  if (url.is_postgresql()) return open_postgresql(sql, url);
  try {
    std::filesystem::path p(url.path);
    if (p.has_parent_path()) {
      std::error_code ec;
      std::filesystem::create_directories(p.parent_path(), ec);
      if (ec) return Status(ErrorCode::internal, "cannot create " + p.parent_path().string() + ": " + ec.message());
    }
    // busy timeout in the connect string applies from the very first statement.
    sql.open(soci::sqlite3, "db=\"" + url.path + "\" timeout=10 shared_cache=false");
    std::string mode;
    sql << "PRAGMA journal_mode=WAL", soci::into(mode);
    sql << "PRAGMA busy_timeout=10000";
    sql << "PRAGMA foreign_keys=ON";
    sql << "PRAGMA synchronous=FULL";
    // Savepoint and statement journals stay in memory instead of spilling to temporary files
    // past 64 KiB (a 100-op push touches more): they only serve rollbacks inside an open
    // transaction, so this changes nothing about what survives a crash.
    sql << "PRAGMA temp_store=MEMORY";
    // SQLite's default page cache (2 MiB) is smaller than one group commit under load: the
    // writer spilled dirty pages to the WAL in the middle of its transaction and read pages
    // back from the file (docs/benchmarks.md). 32 MiB at most per connection, taken only as
    // pages are used.
    sql << "PRAGMA cache_size=-32768";
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(ErrorCode::internal, "cannot open database " + url.path + ": " + e.what());
  }
}

const char* begin_write_sql(const DbUrl& url) { return url.is_postgresql() ? "BEGIN" : "BEGIN IMMEDIATE"; }

const char* write_lock_sql(const DbUrl& url) {
  return url.is_postgresql() ? "UPDATE sync_meta SET value = value WHERE key = 'seq'" : nullptr;
}

const char* next_item_savepoint_sql(const DbUrl& url) {
  return url.is_postgresql() ? "RELEASE SAVEPOINT item; SAVEPOINT item" : nullptr;
}

const char* begin_write_batch_sql(const DbUrl& url) {
  if (!url.is_postgresql()) return nullptr;
  static const std::string text =
      std::string(begin_write_sql(url)) + "; " + write_lock_sql(url) + "; SAVEPOINT item";
  return text.c_str();
}

bool is_postgresql(soci::session& sql) { return sql.get_backend() && sql.get_backend_name() == "postgresql"; }

const char* table_names_sql(const DbUrl& url) {
  return url.is_postgresql()
             ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
               " AND table_type = 'BASE TABLE' ORDER BY table_name"
             : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
}

bool has_column(soci::session& sql, const std::string& table, const std::string& column) {
  long long n = 0;
  if (is_postgresql(sql))
    sql << "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema()"
           " AND table_name = :t AND column_name = :c",
        soci::use(table), soci::use(column), soci::into(n);
  else
    sql << "SELECT COUNT(*) FROM pragma_table_info(:t) WHERE name = :c", soci::use(table), soci::use(column),
        soci::into(n);
  return n > 0;
}

const char* row_and_audience_sql() {
  return "WITH k AS (SELECT CAST(:c AS text) AS c, CAST(:i AS text) AS i)"
         " SELECT (SELECT r.data FROM sync_rows r, k WHERE r.collection = k.c AND r.id = k.i AND r.deleted = 0),"
         " (SELECT CAST(json_agg(a.user_id ORDER BY a.user_id) AS text) FROM sync_readable a, k"
         "  WHERE a.collection = k.c AND a.row_id = k.i AND a.visible = 1)";
}

const char* rows_and_audiences_sql() {
  // One indexed lookup per id (a correlated subquery on each primary key), whatever the planner
  // believes about the tables' sizes: a join could be planned as a scan of the whole table.
  return "SELECT k.i,"
         " (SELECT r.data FROM sync_rows r WHERE r.collection = :c1 AND r.id = k.i AND r.deleted = 0),"
         " (SELECT CAST(json_agg(a.user_id ORDER BY a.user_id) AS text) FROM sync_readable a"
         "  WHERE a.collection = :c2 AND a.row_id = k.i AND a.visible = 1)"
         " FROM unnest(CAST(:ids AS text[])) AS k(i)";
}

const char* readers_latest_sql() {
  // A reader's latest change below :first is their own entry's or one of their scopes' rows'
  // (docs/sync.md, "Scopes"): each read backwards from :first on its index.
  return "SELECT k.u, GREATEST((SELECT a.seq FROM sync_audience a WHERE a.user_id = k.u AND a.seq < :first"
         " ORDER BY a.seq DESC LIMIT 1), (SELECT MAX(x.seq) FROM sync_scope_members m CROSS JOIN LATERAL"
         " (SELECT r.seq FROM sync_rows r WHERE r.scope = m.scope AND r.seq < :first2 ORDER BY r.seq DESC LIMIT 1) x"
         " WHERE m.user_id = k.u)) FROM unnest(CAST(:names AS text[])) AS k(u)"
         " UNION ALL SELECT '', value FROM sync_meta WHERE key = 'horizon'";
}

const char* op_outcomes_sql() {
  // LIMIT 1 (the key is unique) keeps the lookup a probe of the primary key per id: without it
  // PostgreSQL flattens the LATERAL into a join, and before it has statistics for sync_ops (a
  // burst of pushes) it plans a hash join over every op the user ever pushed, so a push's read
  // grew with the user's history (9-23 ms at 10,000 ops, against 0.2 ms; docs/benchmarks.md).
  return "SELECT o.op_id, o.status, o.error_code, o.error_message FROM unnest(CAST(:ids AS text[])) AS k(i)"
         " CROSS JOIN LATERAL (SELECT * FROM sync_ops s WHERE s.user_id = :u AND s.op_id = k.i LIMIT 1) o"
         " UNION ALL SELECT NULL, NULL, NULL, CAST(value AS text) FROM sync_meta WHERE key = 'seq'";
}

namespace {
// Each reader (the user, the role group) is read in seq order from its index and cut at the
// page size BEFORE the parts are merged and joined to the rows. A plain `user_id IN (:u, :g)`
// made SQLite join and sort every remaining change on each page, so a fresh device's pull
// of N rows cost O(N^2) (50,000 rows took 42 s; docs/benchmarks.md). A reader's part is its
// own entries and its scopes' rows (docs/sync.md, "Scopes"), each cut at the page size.
//
// On SQLite (reader_part) the scopes' rows are cut together after the join (it has no
// LATERAL): every scoped row above the cursor is read for each page, which did not show at
// 50,000 rows. A reader's scopes are cut at the page size each on PostgreSQL (reader_part_pg: a
// LATERAL read of each scope's `(scope, seq)` range): joined and then cut, as SQLite must,
// PostgreSQL read every scoped row above the cursor for every page, and a device's pull of one
// long thread slowed from 62,468 to about 46,000 rows/s (docs/benchmarks.md, "PostgreSQL").
std::string reader_part(const std::string& u, const std::string& n) {
  return "SELECT * FROM (SELECT collection, row_id, seq, visible FROM sync_audience WHERE user_id = :" + u +
         " AND seq > :c" + n + " ORDER BY seq LIMIT :n" + n + ") AS own" + u +
         " UNION ALL SELECT * FROM (SELECT x.collection, x.id, x.seq, 1 FROM sync_scope_members m JOIN sync_rows x ON"
         " x.scope = m.scope WHERE m.user_id = :s" + u + " AND x.scope IS NOT NULL AND x.seq > :sc" + n +
         " ORDER BY x.seq LIMIT :sn" + n + ") AS scoped" + u;
}
const std::string kColumns = "SELECT a.collection, a.row_id, a.seq, a.visible, r.deleted, r.data FROM (";
const std::string kJoin =
    ") AS a LEFT JOIN sync_rows r ON r.collection = a.collection AND r.id = a.row_id ORDER BY a.seq LIMIT :take";

// PostgreSQL: a scoped row is read from sync_rows itself (its scope's range), so it carries its
// data from there; only a reader's own entries (sync_audience) look their row up, and only
// those on the page (the lookup is a subquery evaluated above the merge, below the LIMIT).
// Joining every row of the page to sync_rows again by (collection, id) was half of a page's
// time in the database (docs/benchmarks.md, "PostgreSQL", sixth pass). `data` is NULL for a
// change the reader must see as deleted: a tombstone entry, a deleted row, a row compacted away.
std::string reader_part_pg(const std::string& u, const std::string& n) {
  return "SELECT * FROM (SELECT collection, row_id, seq, visible, 1 AS own, CAST(NULL AS TEXT) AS data FROM"
         " sync_audience WHERE user_id = :" + u + " AND seq > :c" + n + " ORDER BY seq LIMIT :n" + n + ") AS own" + u +
         " UNION ALL SELECT * FROM (SELECT x.collection, x.id, x.seq, 1, 0, x.data FROM (SELECT scope FROM"
         " sync_scope_members WHERE user_id = :s" + u + ") AS m CROSS JOIN LATERAL (SELECT collection, id, seq,"
         " CASE WHEN deleted = 0 THEN data END AS data FROM sync_rows WHERE scope = m.scope AND scope IS NOT NULL"
         " AND seq > :sc" + n + " ORDER BY seq LIMIT :sn" + n + ") AS x) AS scoped" + u;
}
const std::string kColumnsPg =
    "SELECT a.collection, a.row_id, a.seq, a.visible, 0, CASE WHEN a.visible = 0 THEN NULL WHEN a.own = 0 THEN a.data"
    " ELSE (SELECT r.data FROM sync_rows r WHERE r.collection = a.collection AND r.id = a.row_id AND r.deleted = 0)"
    " END FROM (";
const std::string kOrderPg = ") AS a ORDER BY a.seq LIMIT :take";
}  // namespace

std::string pull_page_sql(soci::session& sql, int readers) {
  const bool pg = is_postgresql(sql);
  auto part = [pg](const std::string& u, const std::string& n) { return pg ? reader_part_pg(u, n) : reader_part(u, n); };
  std::string parts = part("u", "");
  if (readers == 2) parts += " UNION ALL " + part("g", "2");
  return pg ? kColumnsPg + parts + kOrderPg : kColumns + parts + kJoin;
}

const char* live_sessions_of_tokens_sql() {
  return "SELECT s.token_hash, u.id, u.email, u.name, u.role, u.locale, s.expires_at, s.id, s.last_seen_at"
         " FROM sessions s JOIN users u ON u.id = s.user_id"
         " WHERE s.token_hash = ANY(CAST(:tokens AS text[])) AND s.revoked_at IS NULL AND s.expires_at > :now"
         " AND u.disabled = 0";
}

const char* rows_and_audiences_of_sql() {
  return "SELECT c.c, k.i,"
         " (SELECT r.data FROM sync_rows r WHERE r.collection = c.c AND r.id = k.i AND r.deleted = 0),"
         " (SELECT CAST(json_agg(a.user_id ORDER BY a.user_id) AS text) FROM sync_readable a"
         "  WHERE a.collection = c.c AND a.row_id = k.i AND a.visible = 1)"
         " FROM unnest(CAST(:cs AS text[])) AS c(c) CROSS JOIN unnest(CAST(:ids AS text[])) AS k(i)";
}

namespace {
// The push's row writes (their one-row texts are their owners'), by rank. Each value is bound
// as one array; unnest() zips them into rows.
using Repeats = ManyRows::Repeats;
constexpr ManyRows kManyRows[] = {
    {"INSERT INTO sync_rows (collection, id, data, deleted, seq, scope) VALUES (:c, :i, :d, 0, :s, :a)"
     " ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data, deleted = 0, seq = excluded.seq,"
     " scope = excluded.scope",
     "INSERT INTO sync_rows (collection, id, data, deleted, seq, scope) SELECT c, i, d, 0, s, a"
     " FROM unnest(CAST(:c AS text[]), CAST(:i AS text[]), CAST(:d AS text[]), CAST(:s AS bigint[]),"
     " CAST(:a AS text[])) AS t(c, i, d, s, a)"
     " ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data, deleted = 0, seq = excluded.seq,"
     " scope = excluded.scope",
     5, 2, Repeats::last_wins, 0},
    {"INSERT INTO sync_audience (user_id, collection, row_id, seq, visible, changed_at_ms)"
     " VALUES (:u, :c, :i, :s, :v, :t)"
     " ON CONFLICT (user_id, collection, row_id) DO UPDATE SET"
     " seq = excluded.seq, visible = excluded.visible, changed_at_ms = excluded.changed_at_ms",
     "INSERT INTO sync_audience (user_id, collection, row_id, seq, visible, changed_at_ms) SELECT u, c, i, s, v, t"
     " FROM unnest(CAST(:u AS text[]), CAST(:c AS text[]), CAST(:i AS text[]), CAST(:s AS bigint[]),"
     " CAST(:v AS integer[]), CAST(:t AS bigint[])) AS x(u, c, i, s, v, t)"
     " ON CONFLICT (user_id, collection, row_id) DO UPDATE SET"
     " seq = excluded.seq, visible = excluded.visible, changed_at_ms = excluded.changed_at_ms",
     6, 3, Repeats::last_wins, 1},
    {"INSERT INTO row_keys (collection, row_id, row_key, facts) VALUES (:c, :i, :k, :f)"
     " ON CONFLICT (collection, row_id) DO UPDATE SET row_key = excluded.row_key, facts = excluded.facts",
     "INSERT INTO row_keys (collection, row_id, row_key, facts) SELECT c, i, k, f"
     " FROM unnest(CAST(:c AS text[]), CAST(:i AS text[]), CAST(:k AS text[]), CAST(:f AS text[])) AS t(c, i, k, f)"
     " ON CONFLICT (collection, row_id) DO UPDATE SET row_key = excluded.row_key, facts = excluded.facts",
     4, 2, Repeats::last_wins, 2},
    {"INSERT INTO message_inbox (user_id, message_id, thread_id, n, sent_at_ms)"
     " VALUES (:u, :m, :t, :n, :s) ON CONFLICT DO NOTHING",
     "INSERT INTO message_inbox (user_id, message_id, thread_id, n, sent_at_ms) SELECT u, m, t, n, s"
     " FROM unnest(CAST(:u AS text[]), CAST(:m AS text[]), CAST(:t AS text[]), CAST(:n AS bigint[]),"
     " CAST(:s AS bigint[])) AS x(u, m, t, n, s) ON CONFLICT DO NOTHING",
     5, 2, Repeats::first_wins, 3},
    {"INSERT INTO file_refs (sha256, collection, row_id) VALUES (:h, :c, :i) ON CONFLICT DO NOTHING",
     "INSERT INTO file_refs (sha256, collection, row_id) SELECT h, c, i"
     " FROM unnest(CAST(:h AS text[]), CAST(:c AS text[]), CAST(:i AS text[])) AS t(h, c, i) ON CONFLICT DO NOTHING",
     3, 3, Repeats::first_wins, 4},
    {"INSERT INTO sync_ops (user_id, op_id, name, status, error_code, error_message, seq, applied_at_ms)"
     " VALUES (:u, :o, :n, :st, :c, :m, :s, :t)",
     "INSERT INTO sync_ops (user_id, op_id, name, status, error_code, error_message, seq, applied_at_ms)"
     " SELECT u, o, n, st, c, m, s, t FROM unnest(CAST(:u AS text[]), CAST(:o AS text[]), CAST(:n AS text[]),"
     " CAST(:st AS text[]), CAST(:c AS text[]), CAST(:m AS text[]), CAST(:s AS bigint[]), CAST(:t AS bigint[]))"
     " AS x(u, o, n, st, c, m, s, t)",
     8, 2, Repeats::all_kept, 5},
    // A scope's members (docs/sync.md, "Scopes"): the first time a push names it.
    {"INSERT INTO sync_scope_members (scope, user_id) VALUES (:a, :u) ON CONFLICT DO NOTHING",
     "INSERT INTO sync_scope_members (scope, user_id) SELECT a, u"
     " FROM unnest(CAST(:a AS text[]), CAST(:u AS text[])) AS t(a, u) ON CONFLICT DO NOTHING",
     2, 2, Repeats::first_wins, 7},
    // The seq counter: written once per flush, with the last value (the batch holds its lock).
    {"UPDATE sync_meta SET value = :s WHERE key = 'seq'",
     "UPDATE sync_meta SET value = t.v FROM unnest(CAST(:s AS bigint[])) AS t(v) WHERE key = 'seq'",
     1, 0, Repeats::last_wins, 6},
};
}  // namespace

const ManyRows* many_rows_form(const char* one_row_sql) {
  if (!one_row_sql) return nullptr;
  for (const ManyRows& m : kManyRows)
    if (std::strcmp(m.one_row, one_row_sql) == 0) return &m;
  return nullptr;
}

std::string merged_writes_sql(const std::vector<const ManyRows*>& parts) {
  if (parts.size() == 1) return parts.front()->many_rows;
  std::string text = "WITH ";
  for (std::size_t n = 0; n < parts.size(); ++n) {
    if (n) text += ", ";
    text += "w" + std::to_string(n) + " AS (" + parts[n]->many_rows + ")";
  }
  return text + " SELECT 1";
}

std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t n = 0; n < values.size(); ++n) {
    if (n) out += ',';
    out += '"';
    for (char c : values[n]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

void run_on_sqlite(soci::session& sql, std::span<const char* const> statements) {
  if (is_postgresql(sql)) return;
  for (const char* statement : statements) sql << statement;
}

Status with_migration_lock(soci::session& sql, const DbUrl& url, const std::function<Status()>& fn) {
  if (!url.is_postgresql()) return fn();
  try {
    sql << std::string("SELECT pg_advisory_lock(x'") + kMigrationLockKey + "'::bigint)";
  } catch (const std::exception& e) {
    return Status(ErrorCode::internal, std::string("cannot take the migration lock: ") + describe(e));
  }
  Status st = fn();
  try {
    sql << std::string("SELECT pg_advisory_unlock(x'") + kMigrationLockKey + "'::bigint)";
  } catch (...) {
  }
  return st;
}

}  // namespace passerelle::server::storage
