#include "connection_cache.h"

#include <soci/sqlite3/soci-sqlite3.h>

#include <mutex>
#include <shared_mutex>

namespace passerelle::server::storage {
namespace {
std::shared_mutex registry_mutex;
std::unordered_map<const soci::session*, ConnectionCache*>& registry() {
  static std::unordered_map<const soci::session*, ConnectionCache*> r;
  return r;
}
}  // namespace

ConnectionCache::ConnectionCache(soci::session& sql) : sql_(sql) {
  std::unique_lock lock(registry_mutex);
  registry()[&sql] = this;
}

ConnectionCache::~ConnectionCache() {
  {
    std::unique_lock lock(registry_mutex);
    registry().erase(&sql_);
  }
  items_.clear();  // the statements go while the session is still open
}

ConnectionCache* ConnectionCache::of(soci::session& sql) {
  std::shared_lock lock(registry_mutex);
  auto it = registry().find(&sql);
  return it == registry().end() ? nullptr : it->second;
}

void finish(soci::statement& st) {
  while (st.fetch()) {
  }
}

void abandon(soci::session& sql, soci::statement& st) {
  // SOCI exports no type information for its SQLite backend: the session's name tells it.
  if (sql.get_backend_name() != "sqlite3") return;
  auto* lite = static_cast<soci::sqlite3_statement_backend*>(st.get_backend());
  if (lite && lite->stmt_) sqlite_api::sqlite3_reset(lite->stmt_);
}

}  // namespace passerelle::server::storage
