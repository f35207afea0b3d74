#include "sqlite.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "passerelle/shared/crypto.h"

namespace passerelle::client::sqlite {

namespace {
Error local_error(std::string message) { return Error{ErrorCode::internal, std::move(message)}; }

#ifndef __EMSCRIPTEN__
// Makes `path` a private file (0600) without ever opening it. On POSIX, closing *any*
// descriptor of a file drops every lock this process holds on it, those of a connection
// another thread or Client has open on it included; another process may then check-point and
// delete the WAL under that connection ("How To Corrupt An SQLite Database File", 2.2). So a
// file that exists is narrowed by path, and a new one is made under a name nobody else uses
// (its descriptor is closed before anyone can know it) and published with link(), which never
// replaces a file another process made meanwhile. An empty file is an empty database to SQLite.
// SQLite gives the -wal and -shm files the main file's mode, so this covers all three.
// Returns whether SQLite must create the file itself (a file system without hard links).
Result<bool> make_private_file(const std::filesystem::path& path, std::string_view what) {
  auto narrow = [&]() -> Result<bool> {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      return local_error("cannot open " + std::string(what) + " " + path.string() + ": " + std::strerror(errno));
    if ((st.st_mode & 0777) != 0600 && ::chmod(path.c_str(), 0600) != 0)
      return local_error("cannot restrict the permissions of " + path.string() + ": " + std::strerror(errno));
    return false;
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 || errno != ENOENT) return narrow();
  std::filesystem::path temp = path;
  temp += ".new-" + to_hex(random_bytes(8));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return local_error("cannot create " + std::string(what) + " " + path.string() + ": " + std::strerror(errno));
  int rc = ::fchmod(fd, 0600);  // the umask may have taken the owner's bits too
  int saved = errno;
  ::close(fd);
  if (rc == 0) {
    rc = ::link(temp.c_str(), path.c_str());
    saved = errno;
  }
  ::unlink(temp.c_str());
  if (rc == 0 || saved == EEXIST) return narrow();  // EEXIST: another process made it first
  // No hard links here (FAT, some FUSE mounts): SQLite creates the file and it is narrowed by
  // path before anything is written to it.
  if (saved == EPERM || saved == ENOTSUP || saved == EOPNOTSUPP || saved == ENOSYS) return true;
  return local_error("cannot create " + std::string(what) + " " + path.string() + ": " + std::strerror(saved));
}
#endif
}  // namespace

Database::Database(sqlite3* db, std::filesystem::path path, std::string what)
    : db_(db), path_(std::move(path)), what_(std::move(what)) {}

Database::~Database() {
  for (auto& [sql, stmts] : idle_)
    for (sqlite3_stmt* st : stmts) sqlite3_finalize(st);
  sqlite3_close_v2(db_);
}

Result<Statement> Database::prepare_cached(std::string_view sql) {
  {
    std::lock_guard lock(cache_mutex_);
    auto it = idle_.find(std::string(sql));
    if (it != idle_.end() && !it->second.empty()) {
      sqlite3_stmt* stmt = it->second.back();
      it->second.pop_back();
      Statement reused(this, stmt, this);
      reused.cache_key_ = it->first;
      return reused;
    }
  }
  auto st = prepare(sql);
  if (!st) return st.error();
  st->cache_ = this;
  st->cache_key_.assign(sql);
  return st;
}

void Database::give_back(std::string sql, sqlite3_stmt* stmt) {
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  std::lock_guard lock(cache_mutex_);
  idle_[std::move(sql)].push_back(stmt);
}

Error Database::error(std::string_view doing) const {
  int code = sqlite3_errcode(db_) & 0xff;  // primary code of an extended one
  std::string detail = sqlite3_errmsg(db_);
  if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
    return local_error(what_ + " " + path_.string() + " is damaged or is not a Passerelle database (" + detail +
                       "); move it away to start afresh");
  return local_error(std::string(doing) + " in " + what_ + " " + path_.string() + " failed: " + detail);
}

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path, std::string_view what,
                                                 const std::vector<Migration>& migrations) {
#ifdef __EMSCRIPTEN__
  // In the browser the files live in OPFS or IndexedDB behind SQLite's VFS (docs/bindings.md):
  // one process, no file modes, and the path is not a file of Emscripten's own file system.
  constexpr bool kFileModes = false;
  Result<bool> sqlite_creates = true;
#else
  constexpr bool kFileModes = true;
  auto sqlite_creates = make_private_file(path, what);
  if (!sqlite_creates) return sqlite_creates.error();
#endif
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (*sqlite_creates ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  // From here `db` owns the handle, even when opening failed (sqlite3 still allocates it).
  std::unique_ptr<Database> db(new Database(raw, path, std::string(what)));
  if (rc != SQLITE_OK) {
    if (!raw) return local_error("cannot open " + std::string(what) + " " + path.string() + ": out of memory");
    return db->error("opening");
  }
  if (kFileModes && *sqlite_creates && ::chmod(path.c_str(), 0600) != 0)
    return local_error("cannot restrict the permissions of " + path.string() + ": " + std::strerror(errno));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  // journal_mode is the first statement that reads the header: a non-SQLite file fails here.
  {
    auto mode = db->prepare("PRAGMA journal_mode=WAL");
    if (!mode) return mode.error();
    auto row = mode->step();
    if (!row) return row.error();
    if (!*row || mode->text(0) != "wal")
      return local_error("cannot switch " + std::string(what) + " " + path.string() + " to WAL mode");
  }
  if (auto st = db->exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"); !st)
    return st.error();
  if (auto st = db->migrate(migrations); !st) return st.error();
  return db;
}

int Database::user_version() {
  // The statement is finalized before returning: an unfinished one would block COMMIT.
  auto st = prepare("PRAGMA user_version");
  if (!st) return -1;
  auto row = st->step();
  if (!row || !*row) return -1;
  return static_cast<int>(st->integer(0));
}

Status Database::migrate(const std::vector<Migration>& migrations) {
  int current = user_version();
  if (current < 0) return error("reading the schema version");
  int latest = migrations.empty() ? 0 : migrations.back().version;
  if (current > latest)
    return local_error(what_ + " " + path_.string() + " was written by a newer version of Passerelle (schema " +
                       std::to_string(current) + ", this program knows up to " + std::to_string(latest) +
                       "); update Passerelle to use it");
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    // Each step and its version number commit together: a crash leaves the file at a known step.
    if (auto st = exec("BEGIN IMMEDIATE"); !st) return st;
    Status st = exec(m.sql);
    if (st) st = exec("PRAGMA user_version=" + std::to_string(m.version));
    if (st) st = exec("COMMIT");
    if (!st) {
      (void)exec("ROLLBACK");
      return Error{st.error().code, "upgrading to schema " + std::to_string(m.version) + ": " + st.error().message};
    }
  }
  return Status::Ok();
}

Status Database::exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (message) sqlite3_free(message);
  if (rc != SQLITE_OK) return error("running SQL");
  return Status::Ok();
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return error("preparing a query");
  }
  return Statement(this, stmt);
}

Status Database::checkpoint_truncate() {
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  if (rc != SQLITE_OK) return error("checkpointing");
  return Status::Ok();
}

Statement::Statement(Statement&& o) noexcept
    : db_(o.db_), stmt_(o.stmt_), cache_(o.cache_), cache_key_(std::move(o.cache_key_)), bind_rc_(o.bind_rc_) {
  o.stmt_ = nullptr;
}

void Statement::release() {
  if (!stmt_) return;
  if (cache_) cache_->give_back(std::move(cache_key_), stmt_);
  else sqlite3_finalize(stmt_);
  stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    release();
    db_ = o.db_;
    stmt_ = o.stmt_;
    cache_ = o.cache_;
    cache_key_ = std::move(o.cache_key_);
    bind_rc_ = o.bind_rc_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() { release(); }

Statement& Statement::bind(int i, std::string_view text) {
  int rc = sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind_unowned(int i, std::string_view text) {
  int rc = sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind(int i, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, i, value);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind_null(int i) {
  int rc = sqlite3_bind_null(stmt_, i);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind(int i, const std::optional<std::string>& text) {
  return text ? bind(i, std::string_view(*text)) : bind_null(i);
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK)
    return Error{ErrorCode::internal, std::string("binding a query parameter failed: ") + sqlite3_errstr(bind_rc_)};
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error("running a query");
}

Statement& Statement::reset() {
  sqlite3_reset(stmt_);  // its result is the last step's, already reported by step()
  bind_rc_ = SQLITE_OK;
  return *this;
}

Status Statement::run() {
  auto r = step();
  if (!r) return r.error();
  return Status::Ok();
}

std::string Statement::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, column)) : std::string();
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return text(column);
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

}  // namespace passerelle::client::sqlite
