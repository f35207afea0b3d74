// Everything specific to one SQL engine lives here: SQLite (the embedded default) and
// PostgreSQL (the scale-out engine: several server instances over one database).
// The rest of the server writes portable SQL: TEXT ids and RFC 3339 UTC timestamps (which sort
// as text), INTEGER flags, BIGINT counters, SAVEPOINT/RELEASE, ON CONFLICT upserts and
// UPDATE ... RETURNING (SQLite 3.35+, PostgreSQL 9.5+). The one PostgreSQL-only mechanism kept
// apart is the pipelining of a push's writes (deferred_writes.h): it is libpq, not SQL; the
// multi-row forms those writes are sent in are here (ManyRows).
#pragma once

#include <soci/session.h>

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "passerelle/shared/error.h"

namespace passerelle::server::storage {

enum class Backend { sqlite, postgresql };

struct DbUrl {
  Backend backend = Backend::sqlite;
  std::string path;      // sqlite: the database file
  std::string conninfo;  // postgresql: the libpq connection URI, as given (sslmode=... etc. are libpq's)

  bool is_postgresql() const { return backend == Backend::postgresql; }
  // For logs: the URL with any password replaced by "***".
  std::string redacted() const;
};

// "sqlite:PATH" (also "sqlite://PATH"), or "postgresql://..." / "postgres://..." (a libpq URI:
// postgresql://user:password@host:port/dbname?sslmode=require&host=/socket/dir ...).
// Anything else is a bad_request naming the problem.
Result<DbUrl> parse_db_url(std::string_view url);

// Opens a connection and configures it.
//  SQLite: WAL, foreign_keys=ON, synchronous=FULL, busy_timeout; the parent directory of the
//  file is created first.
//  PostgreSQL: libpq connects (TLS as the URI's sslmode asks); the session runs in UTC with
//  READ COMMITTED transactions.
Status open_connection(soci::session& sql, const DbUrl& url);

// True when `sql` is a PostgreSQL connection that broke (the server went away, the backend
// was terminated, the socket closed): it must be closed and opened again. Cheap (no round
// trip: libpq's state and a zero-timeout poll of the socket). Always false on SQLite.
bool connection_lost(soci::session& sql);
// True when `sql` is a PostgreSQL connection inside a transaction a failed statement aborted
// (libpq's own state: no round trip). A COMMIT there ends in a rollback without an error, so
// the writer asks before answering. Always false on SQLite.
bool transaction_failed(soci::session& sql);

// Statement opening the writer's batch transaction: it takes the write lock up front so that
// a concurrent writer (e.g. `admin create` beside a running server, or another server
// instance) waits instead of failing at COMMIT.
const char* begin_write_sql(const DbUrl& url);
// Statement run right after begin_write_sql in every writer batch (nullptr: none).
// PostgreSQL: locks the change log's 'seq' counter row, so write transactions of every server
// instance run one at a time, in the order their seqs are handed out (docs/operations.md,
// "Several instances": why a pull can never skip a change that commits later).
const char* write_lock_sql(const DbUrl& url);
// One statement that releases the writer's previous item savepoint and opens the next
// (nullptr: the dialect runs them as two). PostgreSQL runs both in one simple query, one round
// trip instead of two per item.
const char* next_item_savepoint_sql(const DbUrl& url);
// begin_write_sql, write_lock_sql and the first item's SAVEPOINT in one statement (nullptr:
// the dialect runs them one by one). PostgreSQL: one round trip per batch instead of three.
const char* begin_write_batch_sql(const DbUrl& url);

// True when `sql` is a PostgreSQL connection.
bool is_postgresql(soci::session& sql);

// The catalog, as migrations and `migrate-db` read it.
//  - table_names_sql: no binds; answers the names of the database's own tables (not the
//    engine's), one column, sorted.
//  - has_column: whether `table` has a column named `column` (both plain identifiers).
const char* table_names_sql(const DbUrl& url);
bool has_column(soci::session& sql, const std::string& table, const std::string& column);

// PostgreSQL only: the statements of the push path that take the place of several round trips
// (docs/benchmarks.md, "PostgreSQL"). SQLite runs the one-row statements: its calls are cheap.
//  - row_and_audience_sql: binds (:collection, :id), always answers one row: the live row's
//    data (NULL when absent or deleted) and a JSON array of its visible readers, sorted (NULL
//    when none): what ChangeLog::get and ChangeLog::audience would read one after the other.
//  - op_outcomes_sql: binds (:op_ids as text_array(...), :user), answers (op_id, status,
//    error_code, error_message) for the ops of this push already recorded, in one query
//    instead of one per op, and one last row (NULL, NULL, NULL, the seq counter as text): the
//    counter the push's first change would read in a statement of its own.
const char* row_and_audience_sql();
//  - rows_and_audiences_sql: the same for many ids of one collection: binds (:collection,
//    :collection again, :ids as text_array(...)), answers (id, data, readers) for each id asked.
const char* rows_and_audiences_sql();
//  - rows_and_audiences_of_sql: the same for several collections: binds (:collections and
//    :ids, both as text_array(...)), answers (collection, id, data, readers) for each pair.
const char* rows_and_audiences_of_sql();
const char* op_outcomes_sql();
//  - readers_latest_sql: binds (:first, :names as text_array(...)), answers (name, seq) for each
//    name: the seq of its latest sync_audience entry below :first (NULL when none), and a row
//    named '' with the compaction horizon: a live poke's `prev` (sync/live.h), read in a push's
//    last pipeline instead of a round trip of its own.
const char* readers_latest_sql();
// A pull page's statement (sync/pull.cpp) for one reader (the user) or two (the user and their
// role group): each reader's own entries and its scopes' rows above the cursor, merged in seq
// order and cut at the page size. Binds, per reader: (:u user, :c cursor, :n page size, :su user,
// :sc cursor, :sn page size), then :take (the page size). Answers (collection, row_id, seq,
// visible, deleted, data) in seq order; SQLite reports `deleted` from the row, PostgreSQL gives 0
// and a NULL `data` for a change the reader must see as deleted.
std::string pull_page_sql(soci::session& sql, int readers);
// PostgreSQL only: the live sessions of several token hashes in one query (auth.resume: the
// resumes that arrive together are looked up together, one round trip for all of them instead
// of one each; SQLite runs its one-row lookup per token, a function call). Binds (:tokens as
// text_array(...), :now); answers (token_hash, user id, email, name, role, locale, expires_at,
// session id, last_seen_at) for each token whose session is live: not revoked, expires_at >
// :now, account enabled (auth::find_session's rule).
const char* live_sessions_of_tokens_sql();
// PostgreSQL: the multi-row form of one of a push's one-row writes, which the deferred writes
// (deferred_writes.h) send as one statement per table per pipeline instead of one per row.
//  - one_row: the portable one-row statement, exactly as its owner queues it (change_log.cpp,
//    projections.cpp, push.cpp); a text not listed here is simply sent row by row.
//  - many_rows: the same write for many rows: one array per value, in the same order, bound as
//    an array literal (INSERT ... SELECT FROM unnest(...)); its values keep their meaning.
//  - key: the first `key` values are the statement's conflict key; `repeats` says what a
//    key queued twice does when the rows run one by one (an upsert: the last one wins; DO
//    NOTHING: the first one wins; a plain INSERT: every row is kept, so a duplicate fails as
//    before). One multi-row upsert may not touch a row twice, so repeats are folded first.
//  - rank: the order inside a merged statement; one table per rank (a data-modifying WITH does
//    not see its siblings' rows, so two writes to one table must not share a statement).
struct ManyRows {
  const char* one_row;
  const char* many_rows;
  int values;
  int key;
  enum class Repeats { all_kept, last_wins, first_wins } repeats;
  int rank;
};
// The multi-row form of `one_row_sql`, or nullptr when it has none.
const ManyRows* many_rows_form(const char* one_row_sql);
// Several multi-row writes (at most one per table) as one statement: `WITH w0 AS (...), ...
// SELECT 1`, the parts' placeholders in the order of `parts` (numbered by order of appearance,
// as everywhere). A data-modifying WITH runs every part once, to completion, in the same
// snapshot: right only because none of them reads what another writes.
std::string merged_writes_sql(const std::vector<const ManyRows*>& parts);
// A PostgreSQL array literal of texts ({"a","b\"c"}), bound as one text value and cast.
std::string text_array(const std::vector<std::string>& values);

// Runs each statement on SQLite, none on PostgreSQL: the layouts only SQLite has (WITHOUT
// ROWID tables, migration 15), which PostgreSQL's heap tables do not need.
void run_on_sqlite(soci::session& sql, std::span<const char* const> statements);

// Runs `fn` while holding the database's migration lock (PostgreSQL: a session advisory lock,
// so instances starting together apply the migrations once; SQLite: migrate()'s own
// BEGIN IMMEDIATE is enough and `fn` simply runs).
Status with_migration_lock(soci::session& sql, const DbUrl& url, const std::function<Status()>& fn);

}  // namespace passerelle::server::storage
