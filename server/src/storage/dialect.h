// Everything specific to one SQL engine lives here (today SQLite; PostgreSQL comes later).
// The rest of the server writes portable SQL: TEXT ids and RFC 3339 UTC timestamps (which sort
// as text), INTEGER flags, SAVEPOINT/RELEASE, no upserts outside this file.
#pragma once

#include <soci/session.h>

#include <string>

#include "passerelle/shared/error.h"

namespace passerelle::server::storage {

enum class Backend { sqlite };

struct DbUrl {
  Backend backend = Backend::sqlite;
  std::string path;  // sqlite: the database file
};

// "sqlite:PATH" (also "sqlite://PATH"). Anything else is a bad_request naming the problem.
Result<DbUrl> parse_db_url(std::string_view url);

// Opens a connection and configures it: WAL, foreign_keys=ON, synchronous=FULL, busy_timeout.
// For SQLite the parent directory of the file is created first.
Status open_connection(soci::session& sql, const DbUrl& url);

// Statement opening the writer's batch transaction: it takes the write lock up front so that
// a concurrent writer (e.g. `admin create` beside a running server) waits on busy_timeout
// instead of failing at COMMIT.
const char* begin_write_sql(const DbUrl& url);

}  // namespace passerelle::server::storage
