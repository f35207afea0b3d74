// Tables of the change log (docs/sync.md). Portable SQL: SQLite 3.35+ and PostgreSQL 9.5+
// (ON CONFLICT upserts, UPDATE ... RETURNING). The storage layer applies it as a migration.
#pragma once

namespace passerelle::server::sync {

inline constexpr const char* kSyncSchemaSql[] = {
    // Latest state of every replicated row. Deleted rows stay (data emptied) until compacted.
    "CREATE TABLE sync_rows ("
    " collection TEXT NOT NULL,"
    " id TEXT NOT NULL,"
    " data TEXT NOT NULL,"
    " deleted INTEGER NOT NULL DEFAULT 0,"
    " seq BIGINT NOT NULL,"
    " PRIMARY KEY (collection, id))",
    // Who may read what, and since which change: one entry per (reader, row), moved to the
    // row's latest seq on every change. visible=0 is a tombstone for that reader.
    "CREATE TABLE sync_audience ("
    " user_id TEXT NOT NULL,"
    " collection TEXT NOT NULL,"
    " row_id TEXT NOT NULL,"
    " seq BIGINT NOT NULL,"
    " visible INTEGER NOT NULL,"
    " changed_at_ms BIGINT NOT NULL,"
    " PRIMARY KEY (user_id, collection, row_id))",
    "CREATE INDEX sync_audience_by_reader_seq ON sync_audience (user_id, seq)",
    "CREATE INDEX sync_audience_by_row ON sync_audience (collection, row_id)",
    // The outcome of every op ever pushed, so a replay answers the same and applies nothing.
    "CREATE TABLE sync_ops ("
    " user_id TEXT NOT NULL,"
    " op_id TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " error_code TEXT,"
    " error_message TEXT,"
    " seq BIGINT NOT NULL,"
    " applied_at_ms BIGINT NOT NULL,"
    " PRIMARY KEY (user_id, op_id))",
    // Counters: 'seq' (last change number), 'horizon' (tombstones at or below were purged).
    "CREATE TABLE sync_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
    "INSERT INTO sync_meta (key, value) VALUES ('seq', 0)",
    "INSERT INTO sync_meta (key, value) VALUES ('horizon', 0)",
    // The identity of this database's change log; a device that synced with another one
    // (a restored backup, a new server) must resync. Filled by init_sync_state().
    "CREATE TABLE sync_epoch (epoch TEXT NOT NULL)",
};

// Migration 15, SQLite only (storage::run_on_sqlite): the per-reader audience and the inbox, the
// two tables written for every reader of every message, and the op record written for every op,
// become WITHOUT ROWID tables, clustered on their primary key, so an entry is one b-tree write
// fewer (docs/benchmarks.md, "Live delivery"). The inbox is keyed by what its reads ask (a
// reader's thread up to a number) and loses the index that duplicated it; a message's entries
// are still found by message_id. Same columns, same data; PostgreSQL, whose tables are heaps
// with separate indexes whatever their declaration, keeps its schema.
inline constexpr const char* kClusteredPerReaderTablesSql[] = {
    // A database that had migration 17 and is taken back (tests) has the view over these tables:
    // SQLite refuses to rename a table while a view names a missing one. 17 makes it again.
    "DROP VIEW IF EXISTS sync_readable",
    "CREATE TABLE sync_audience_clustered ("
    " user_id TEXT NOT NULL,"
    " collection TEXT NOT NULL,"
    " row_id TEXT NOT NULL,"
    " seq BIGINT NOT NULL,"
    " visible INTEGER NOT NULL,"
    " changed_at_ms BIGINT NOT NULL,"
    " PRIMARY KEY (user_id, collection, row_id)) WITHOUT ROWID",
    "INSERT INTO sync_audience_clustered (user_id, collection, row_id, seq, visible, changed_at_ms)"
    " SELECT user_id, collection, row_id, seq, visible, changed_at_ms FROM sync_audience",
    "DROP TABLE sync_audience",
    "ALTER TABLE sync_audience_clustered RENAME TO sync_audience",
    "CREATE INDEX sync_audience_by_reader_seq ON sync_audience (user_id, seq)",
    "CREATE INDEX sync_audience_by_row ON sync_audience (collection, row_id)",
    // (user_id, thread_id, n) was an index beside the primary key (user_id, message_id): a
    // message has one thread and one number, so the longer key is as unique and serves both.
    "CREATE TABLE message_inbox_clustered ("
    " user_id TEXT NOT NULL,"
    " message_id TEXT NOT NULL,"
    " thread_id TEXT NOT NULL,"
    " n BIGINT NOT NULL,"
    " sent_at_ms BIGINT NOT NULL,"
    " PRIMARY KEY (user_id, thread_id, n, message_id)) WITHOUT ROWID",
    "INSERT INTO message_inbox_clustered (user_id, message_id, thread_id, n, sent_at_ms)"
    " SELECT user_id, message_id, thread_id, n, sent_at_ms FROM message_inbox",
    "DROP TABLE message_inbox",
    "ALTER TABLE message_inbox_clustered RENAME TO message_inbox",
    "CREATE INDEX message_inbox_by_message ON message_inbox (message_id)",
    "CREATE TABLE sync_ops_clustered ("
    " user_id TEXT NOT NULL,"
    " op_id TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " error_code TEXT,"
    " error_message TEXT,"
    " seq BIGINT NOT NULL,"
    " applied_at_ms BIGINT NOT NULL,"
    " PRIMARY KEY (user_id, op_id)) WITHOUT ROWID",
    "INSERT INTO sync_ops_clustered (user_id, op_id, name, status, error_code, error_message, seq, applied_at_ms)"
    " SELECT user_id, op_id, name, status, error_code, error_message, seq, applied_at_ms FROM sync_ops",
    "DROP TABLE sync_ops",
    "ALTER TABLE sync_ops_clustered RENAME TO sync_ops",
};

// Migration 16, SQLite only (storage::run_on_sqlite): the rows themselves clustered on
// (collection, id), as migration 15 did for the per-reader tables. A new row (every message) is
// one b-tree write instead of the table's and its primary-key index's, and a row read by key
// (a push's reads, each row of a pull page, a carried poke's rows) is one b-tree search instead
// of the index's and then the table's (docs/benchmarks.md, "Fourth pass"). Same columns, same
// data; PostgreSQL keeps its schema.
inline constexpr const char* kClusteredRowsSql[] = {
    "DROP VIEW IF EXISTS sync_readable",  // as in kClusteredPerReaderTablesSql
    "CREATE TABLE sync_rows_clustered ("
    " collection TEXT NOT NULL,"
    " id TEXT NOT NULL,"
    " data TEXT NOT NULL,"
    " deleted INTEGER NOT NULL DEFAULT 0,"
    " seq BIGINT NOT NULL,"
    " PRIMARY KEY (collection, id)) WITHOUT ROWID",
    "INSERT INTO sync_rows_clustered (collection, id, data, deleted, seq)"
    " SELECT collection, id, data, deleted, seq FROM sync_rows",
    "DROP TABLE sync_rows",
    "ALTER TABLE sync_rows_clustered RENAME TO sync_rows",
};

// Migration 17, both engines: the audience once per row (docs/sync.md, "Scopes"). A row that
// two or more readers see names its audience by a scope key (scope_key(), a hash of the sorted
// readers) instead of holding one sync_audience entry per reader; sync_scope_members says who
// is in each scope. A message between two people is then one row write and one index entry,
// not four audience upserts. Rows with one reader keep their sync_audience entry, and every
// tombstone (a reader who lost a row, a removed row) is still a sync_audience entry, so
// compaction and the horizon are unchanged. sync_readable is what sync_audience meant before:
// every (reader, row, seq, visible) entry, whichever way it is stored; readers that are not
// on a hot path read it. The column sync_rows.scope comes first (kScopeColumnSql; migrate_to_scopes
// in change_log.h adds it only where it is missing, as tests that rewind the schema need).
inline constexpr const char* kScopeColumnSql = "ALTER TABLE sync_rows ADD COLUMN scope TEXT";
inline constexpr const char* kScopesSql[] = {
    "CREATE TABLE IF NOT EXISTS sync_scope_members ("
    " scope TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " PRIMARY KEY (user_id, scope))",
    "CREATE INDEX IF NOT EXISTS sync_scope_members_by_scope ON sync_scope_members (scope, user_id)",
    // Only scoped rows are in it: a row with one reader costs no entry here.
    "CREATE INDEX IF NOT EXISTS sync_rows_by_scope ON sync_rows (scope, seq) WHERE scope IS NOT NULL",
    "DROP VIEW IF EXISTS sync_readable",
    "CREATE VIEW sync_readable AS"
    " SELECT user_id, collection, row_id, seq, visible, changed_at_ms FROM sync_audience"
    " UNION ALL SELECT m.user_id, r.collection, r.id, r.seq, 1, 0"
    " FROM sync_scope_members m JOIN sync_rows r ON r.scope = m.scope AND r.scope IS NOT NULL",
};

}  // namespace passerelle::server::sync
