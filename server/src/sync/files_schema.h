// Tables for uploaded files and message notifications (docs/messages.md). Portable SQL
// (SQLite 3.35+, PostgreSQL 9.5+), applied as migration 3.
#pragma once

namespace passerelle::server::sync {

inline constexpr const char* kFilesSchemaSql[] = {
    // One row per stored file (content-addressed: the name is the SHA-256 of the bytes).
    "CREATE TABLE files ("
    " sha256 TEXT PRIMARY KEY,"
    " size BIGINT NOT NULL,"
    " type TEXT NOT NULL,"
    " created_at_ms BIGINT NOT NULL)",
    // Who uploaded it: proof of holding the bytes, which is what lets them attach it.
    "CREATE TABLE file_owners ("
    " sha256 TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " created_at_ms BIGINT NOT NULL,"
    " PRIMARY KEY (sha256, user_id))",
    // Which replicated rows refer to a file (projections.h).
    "CREATE TABLE file_refs ("
    " sha256 TEXT NOT NULL,"
    " collection TEXT NOT NULL,"
    " row_id TEXT NOT NULL,"
    " PRIMARY KEY (sha256, collection, row_id))",
    "CREATE INDEX file_refs_by_row ON file_refs (collection, row_id)",
    // Unread messages per recipient, for the e-mail digest (projections.h).
    "CREATE TABLE message_inbox ("
    " user_id TEXT NOT NULL,"
    " message_id TEXT NOT NULL,"
    " thread_id TEXT NOT NULL,"
    " n BIGINT NOT NULL,"
    " sent_at_ms BIGINT NOT NULL,"
    " PRIMARY KEY (user_id, message_id))",
    "CREATE INDEX message_inbox_by_thread ON message_inbox (user_id, thread_id, n)",
    "CREATE INDEX message_inbox_by_message ON message_inbox (message_id)",
    // The last digest e-mail per person: when it went and the newest message it covered.
    "CREATE TABLE mail_digests ("
    " user_id TEXT PRIMARY KEY,"
    " sent_at_ms BIGINT NOT NULL,"
    " covered_ms BIGINT NOT NULL)",
};

}  // namespace passerelle::server::sync
