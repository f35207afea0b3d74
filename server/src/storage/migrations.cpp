#include "migrations.h"

#include <soci/soci.h>

#include "passerelle/shared/time.h"

namespace passerelle::server::storage {

const std::vector<Migration>& all_migrations() {
  static const std::vector<Migration> list = {
      {1,
       "accounts",
       {
           R"(CREATE TABLE users (
                id TEXT PRIMARY KEY,
                email TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                locale TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at TEXT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0))",
           R"(CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id),
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                revoked_at TEXT))",
           "CREATE INDEX sessions_user ON sessions(user_id)",
           R"(CREATE TABLE invitations (
                id TEXT PRIMARY KEY,
                token_hash TEXT NOT NULL UNIQUE,
                email TEXT NOT NULL,
                role TEXT NOT NULL,
                locale TEXT NOT NULL,
                invited_by TEXT NOT NULL REFERENCES users(id),
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                used_at TEXT))",
           // Profile fields as one JSON document per user; later issues add typed columns or
           // keys without a migration per field.
           R"(CREATE TABLE profiles (
                user_id TEXT PRIMARY KEY REFERENCES users(id),
                data TEXT NOT NULL,
                updated_at TEXT NOT NULL))",
       }},
  };
  return list;
}

int latest_schema_version() { return all_migrations().back().version; }

namespace {
void ensure_table(soci::session& sql) {
  sql << "CREATE TABLE IF NOT EXISTS schema_migrations ("
         "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
}
int read_version(soci::session& sql) {
  int v = 0;
  soci::indicator ind = soci::i_null;
  sql << "SELECT MAX(version) FROM schema_migrations", soci::into(v, ind);
  return ind == soci::i_ok ? v : 0;
}
}  // namespace

Result<int> schema_version(soci::session& sql) {
  try {
    ensure_table(sql);
    return read_version(sql);
  } catch (const std::exception& e) {
    return Error{ErrorCode::internal, std::string("cannot read schema version: ") + e.what()};
  }
}

Status migrate(soci::session& sql, const char* begin_sql) {
  try {
    ensure_table(sql);
    sql << begin_sql;
    try {
      int current = read_version(sql);
      if (current > latest_schema_version()) {
        sql << "ROLLBACK";
        return Status(ErrorCode::unsupported,
                      "the database schema is version " + std::to_string(current) +
                          " but this passerelle-server only knows up to version " +
                          std::to_string(latest_schema_version()) + "; upgrade the server");
      }
      for (const auto& m : all_migrations()) {
        if (m.version <= current) continue;
        for (auto stmt : m.statements) sql << std::string(stmt);
        std::string name(m.name), at = format_rfc3339(now_utc());
        sql << "INSERT INTO schema_migrations(version, name, applied_at) VALUES(:v, :n, :a)",
            soci::use(m.version), soci::use(name), soci::use(at);
      }
      sql << "COMMIT";
    } catch (...) {
      try { sql << "ROLLBACK"; } catch (...) {}
      throw;
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(ErrorCode::internal, std::string("migration failed: ") + e.what());
  }
}

}  // namespace passerelle::server::storage
