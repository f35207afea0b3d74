// A thin RAII layer over the sqlite3 C API (no SOCI: the core must build for Android and iOS).
// Every failure becomes an Error whose message names the file, never an exception.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "passerelle/shared/error.h"

namespace passerelle::client::sqlite {

// One numbered step of a file's schema. Versions start at 1 and have no gaps; the file's
// PRAGMA user_version records the last one applied.
struct Migration {
  int version;
  const char* sql;
};

class Statement;

class Database {
 public:
  // Opens (creating if missing) the SQLite file at `path` with permissions 0600, then sets WAL,
  // synchronous=FULL, foreign keys and secure_delete (a forgotten token is overwritten, not
  // left in a free page), and brings the schema up to date with `migrations`. `what` names the
  // file for people ("the device file", "the account file"). A file newer than `migrations`
  // or not a database is refused with a clear message.
  static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path, std::string_view what,
                                                const std::vector<Migration>& migrations);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  // The same, for statements run once per row or per op: the compiled statement is kept when
  // the returned Statement is destroyed (reset, bindings cleared) and handed out again for the
  // same SQL, since compiling it was most of its cost. Same use as prepare(); two live at once
  // for the same SQL are two statements. A Statement must not outlive its Database.
  Result<Statement> prepare_cached(std::string_view sql);
  // Copies the WAL back into the main file and empties it, so nothing removed from the database
  // (e.g. a session token) survives in an old WAL frame.
  Status checkpoint_truncate();
  int user_version();

  const std::filesystem::path& path() const { return path_; }
  sqlite3* handle() const { return db_; }
  // An Error for the connection's last failure, prefixed by `doing`.
  Error error(std::string_view doing) const;

 private:
  Database(sqlite3* db, std::filesystem::path path, std::string what);
  Status migrate(const std::vector<Migration>& migrations);

  friend class Statement;
  void give_back(std::string sql, sqlite3_stmt* stmt);

  sqlite3* db_;
  std::filesystem::path path_;
  std::string what_;
  std::mutex cache_mutex_;
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> idle_;  // by SQL text
};

// A prepared statement; bind with 1-based indexes, then step() until it returns false.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  Statement& bind(int index, const std::optional<std::string>& text);
  // Binds text without copying it: `text` must stay alive until the statement is reset or
  // given back (a pulled page's rows, bound one by one from the page's text).
  Statement& bind_unowned(int index, std::string_view text);

  // true when a row is available, false when done; an Error on failure (including a failed bind).
  Result<bool> step();
  // Runs a statement that returns no rows.
  Status run();
  // Makes a statement that ran ready to run again with new bindings, still compiled: a loop
  // over a page's rows takes one statement from the cache, not one per row (docs/benchmarks.md,
  // "The browser": the lookup and the giving back were 6 % of a pulled page's instructions).
  Statement& reset();

  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::int64_t integer(int column) const;

 private:
  friend class Database;
  Statement(const Database* db, sqlite3_stmt* stmt, Database* cache = nullptr) : db_(db), stmt_(stmt), cache_(cache) {}
  void release();

  const Database* db_;
  sqlite3_stmt* stmt_;
  Database* cache_;  // prepare_cached: where the statement goes back to; null: finalized
  std::string cache_key_;
  int bind_rc_ = SQLITE_OK;
};

}  // namespace passerelle::client::sqlite
