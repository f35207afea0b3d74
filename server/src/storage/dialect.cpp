#include "dialect.h"

#include <soci/sqlite3/soci-sqlite3.h>

#include <filesystem>
#include <system_error>

namespace passerelle::server::storage {

Result<DbUrl> parse_db_url(std::string_view url) {
  DbUrl out;
  std::string_view rest;
  if (url.rfind("sqlite://", 0) == 0) rest = url.substr(9);
  else if (url.rfind("sqlite:", 0) == 0) rest = url.substr(7);
  else return Error{ErrorCode::bad_request, "unsupported database URL '" + std::string(url) + "' (expected sqlite:PATH)"};
  if (rest.empty()) return Error{ErrorCode::bad_request, "database URL '" + std::string(url) + "' has no path"};
  out.backend = Backend::sqlite;
  out.path = std::string(rest);
  return out;
}

Status open_connection(soci::session& sql, const DbUrl& url) {
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
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(ErrorCode::internal, "cannot open database " + url.path + ": " + e.what());
  }
}

const char* begin_write_sql(const DbUrl&) { return "BEGIN IMMEDIATE"; }

}  // namespace passerelle::server::storage
