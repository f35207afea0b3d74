// Numbered schema migrations, compiled in. Version N is applied once, in order, inside one
// transaction together with its row in `schema_migrations`. A database whose version is newer
// than the newest migration this binary knows is refused: an older binary must not write into
// a schema it does not understand.
#pragma once

#include <soci/session.h>

#include <functional>
#include <string_view>
#include <vector>

#include "passerelle/shared/error.h"

namespace passerelle::server::storage {

struct Migration {
  int version;
  std::string_view name;
  std::vector<std::string_view> statements;  // one SQL statement each
  // Data moves that plain SQL cannot express portably; runs after `statements`, in the same
  // transaction. Throws on failure (the whole migration rolls back).
  std::function<void(soci::session&)> after = {};
};

const std::vector<Migration>& all_migrations();
int latest_schema_version();

// The highest applied version (0 for a fresh database).
Result<int> schema_version(soci::session& sql);

// Brings the schema up to date. `begin_sql` is the dialect's write transaction opener.
// Errors: internal (SQL failure), unsupported (database newer than this binary).
Status migrate(soci::session& sql, const char* begin_sql);

}  // namespace passerelle::server::storage
