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

}  // namespace passerelle::server::sync
