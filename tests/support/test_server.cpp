#include "passerelle/test/test_server.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#ifndef PASSERELLE_SERVER_BINARY
#error "PASSERELLE_SERVER_BINARY must be defined by the build"
#endif

namespace passerelle::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string server_binary() { return PASSERELLE_SERVER_BINARY; }

long long sqlite_count(const std::string& db_path, const std::string& query) {
  sqlite3* db = nullptr;
  long long n = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, query.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

std::optional<std::string> test_postgresql_url() {
  const char* v = std::getenv("PASSERELLE_TEST_PG");
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

bool tests_use_postgresql() {
  const char* v = std::getenv("PASSERELLE_TEST_DB");
  return v && (std::string(v) == "postgresql" || std::string(v) == "pg");
}

namespace {
// Runs one statement; returns the first column of the first row ("" if none), or nullopt.
std::optional<std::string> pg_exec(const std::string& url, const std::string& sql, std::string* error) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::optional<std::string> out;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* r = PQexec(conn, sql.c_str());
    auto st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
      out = (st == PGRES_TUPLES_OK && PQntuples(r) > 0) ? std::string(PQgetvalue(r, 0, 0)) : std::string();
    else if (error)
      *error = PQresultErrorMessage(r);
    PQclear(r);
  } else if (error) {
    *error = PQerrorMessage(conn);
  }
  PQfinish(conn);
  return out;
}
// postgresql://user@host:port/DB[?params]: the database's name, and the URL with another.
std::string database_of(const std::string& url) {
  std::string base = url.substr(0, url.find('?'));
  auto slash = base.find('/', base.find("://") + 3);
  return slash == std::string::npos ? std::string() : base.substr(slash + 1);
}

std::string with_database(const std::string& url, const std::string& name) {
  auto q = url.find('?');
  std::string params = q == std::string::npos ? "" : url.substr(q);
  std::string base = url.substr(0, q);
  auto slash = base.find('/', base.find("://") + 3);
  return (slash == std::string::npos ? base : base.substr(0, slash)) + "/" + name + params;
}

// The SQLite file behind a sqlite: URL.
std::string sqlite_file_of(const std::string& url) { return url.substr(url.find(':') + 1); }
}  // namespace

std::string create_postgresql_database(std::string* error, const std::string& template_url) {
  auto admin = test_postgresql_url();
  if (!admin) {
    if (error) *error = "PASSERELLE_TEST_PG is not set (run the test through tests/pg/run-pg.sh)";
    return {};
  }
  static std::atomic<int> counter{0};
  std::string name = "t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
                     std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
  std::string create = "CREATE DATABASE " + name;
  if (!template_url.empty()) create += " TEMPLATE " + database_of(template_url);
  if (!pg_exec(*admin, create, error)) return {};
  return with_database(*admin, name);
}

long long postgresql_count(const std::string& url, const std::string& query) {
  auto v = pg_exec(url, query, nullptr);
  if (!v || v->empty()) return -1;
  return std::stoll(*v);
}

TestServer::TestServer() : TestServer(Options{}) {}

TestServer::TestServer(Options options) : options_(std::move(options)) {
  if (options_.keep_port) {
    reserved_port_ = std::make_unique<ReservedPort>();
    if (!reserved_port_->ok()) {
      error_ = reserved_port_->error();
      return;  // not ok(); start() refuses (no database URL yet)
    }
  }
  if (options_.copy_of) {
    copy_fixture(*options_.copy_of);
    if (db_url_.empty()) return;  // not ok(); last_error() says why
  } else if (!options_.db.empty()) {
    db_url_ = options_.db;
  } else if (tests_use_postgresql()) {
    db_url_ = create_postgresql_database(&error_);
    if (db_url_.empty()) return;  // not ok(); last_error() says why
  } else {
    db_url_ = "sqlite:" + db_path();
  }
  if (options_.start) start();
}

void TestServer::copy_fixture(const TestServer& from) {
  if (from.running()) {
    error_ = "copy_of: the server to copy is still running";
    return;
  }
  std::error_code ec;
  if (fs::exists(from.files_dir())) fs::copy(from.files_dir(), files_dir(), fs::copy_options::recursive, ec);
  if (ec) {
    error_ = "copy_of: cannot copy " + from.files_dir() + ": " + ec.message();
    return;
  }
  if (from.on_postgresql()) {
    db_url_ = create_postgresql_database(&error_, from.db_url());
    return;
  }
  // A stopped server left no WAL behind; a killed one may have, and it belongs to the copy.
  std::string source = sqlite_file_of(from.db_url());
  for (const char* suffix : {"", "-wal"})
    if (fs::exists(source + suffix)) fs::copy_file(source + suffix, db_path() + suffix, ec);
  if (ec) {
    error_ = "copy_of: cannot copy " + source + ": " + ec.message();
    return;
  }
  db_url_ = "sqlite:" + db_path();
}

TestServer::~TestServer() {
  stop();
  // For the log scan (tests/logs/scan-logs.sh): what every server of the suite wrote.
  if (const char* keep = std::getenv("PASSERELLE_TEST_LOG_DIR"); keep && *keep && fs::exists(log_path())) {
    static std::atomic<int> counter{0};
    std::error_code ec;
    fs::create_directories(keep, ec);
    fs::copy_file(log_path(), fs::path(keep) / (std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".log"),
                  fs::copy_options::overwrite_existing, ec);
  }
}

std::string TestServer::db_path() const { return data_dir() + "/db.sqlite"; }
std::string TestServer::db_url() const { return db_url_; }

long long TestServer::count(const std::string& query) const {
  return on_postgresql() ? postgresql_count(db_url_, query) : sqlite_count(db_path(), query);
}
bool TestServer::execute(const std::string& sql) {
  if (on_postgresql()) {
    std::string error;
    if (pg_exec(db_url_, sql, &error)) return true;
    error_ = "SQL failed: " + error;
    return false;
  }
  sqlite3* db = nullptr;
  bool ok = sqlite3_open(db_path().c_str(), &db) == SQLITE_OK;
  if (ok) {
    sqlite3_busy_timeout(db, 5000);
    char* message = nullptr;
    ok = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK;
    if (!ok) error_ = std::string("SQL failed: ") + (message ? message : "?");
    sqlite3_free(message);
  }
  sqlite3_close(db);
  return ok;
}

std::string TestServer::mail_dir() const { return data_dir() + "/outbox"; }
std::string TestServer::files_dir() const { return data_dir() + "/files"; }
std::string TestServer::log_path() const { return data_dir() + "/server.log"; }
std::string TestServer::log() const { return read_file(log_path()); }

static bool has_tls(const std::vector<std::string>& args) {
  return std::find(args.begin(), args.end(), "--tls-cert") != args.end();
}

std::string TestServer::url() const {
  return std::string(has_tls(options_.extra_args) ? "wss://" : "ws://") + host() + ":" + std::to_string(port_);
}

std::string TestServer::http_url() const {
  return std::string(has_tls(options_.extra_args) ? "https://" : "http://") + host() + ":" + std::to_string(port_);
}

bool TestServer::start() {
  if (running()) return true;
  if (db_url_.empty()) return false;  // no database could be made (see last_error())
  error_.clear();
  port_ = 0;
  std::string ready = data_dir() + "/ready";
  std::error_code ec;
  fs::remove(ready, ec);
  std::string listen = reserved_port_ ? reserved_port_->listen_address() : "127.0.0.1:0";
  std::vector<std::string> args = {server_binary(), "serve", "--listen", listen, "--ready-file", ready,
                                   "--scrypt-log2n", "10", "--mail-dir", mail_dir(), "--db", db_url()};
  if (on_postgresql() && std::find(options_.extra_args.begin(), options_.extra_args.end(), "--files-dir") ==
                             options_.extra_args.end()) {
    args.push_back("--files-dir");
    args.push_back(files_dir());  // where the SQLite default would put them
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  pid_ = spawn_logged(args, log_path());
  if (pid_ < 0) {
    error_ = "cannot start " + args[0];
    return false;
  }
  auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto port = ready_port(ready)) {
      port_ = *port;
      return true;
    }
    if (auto status = wait_for(pid_, 0ms)) {
      pid_ = -1;
      error_ = "passerelle-server exited with code " + std::to_string(exit_code_of(*status)) + "; log:\n" + log();
      return false;
    }
    std::this_thread::sleep_for(10ms);
  }
  error_ = "passerelle-server did not become ready in time; log:\n" + log();
  kill9();
  return false;
}

int TestServer::stop(std::chrono::milliseconds grace) {
  if (!running()) return -1;
  int code = stop_process(pid_, grace);
  pid_ = -1;
  port_ = 0;
  return code;
}

bool TestServer::restart() {
  stop();
  return start();
}

void TestServer::kill9() {
  if (!running()) return;
  kill_process(pid_);
  pid_ = -1;
  port_ = 0;
}

bool TestServer::create_user(const std::string& email, const std::string& name, const std::string& role,
                             const std::string& password, const std::string& locale) {
  auto r = run_process({server_binary(), "admin", "create", "--db", db_url(), "--email", email, "--name", name,
                        "--role", role, "--locale", locale, "--scrypt-log2n", "10"},
                       password + "\n");
  if (r.exit_code == 0) return true;
  static std::mutex error_mutex;  // see the header: callers may run concurrently
  std::lock_guard lock(error_mutex);
  error_ = "admin create " + email + " failed (" + std::to_string(r.exit_code) + "): " + r.err;
  return false;
}

std::vector<std::string> TestServer::mails() const {
  std::vector<std::pair<fs::file_time_type, std::string>> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(mail_dir(), ec))
    if (e.path().extension() == ".eml") files.emplace_back(e.last_write_time(), e.path().string());
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (auto& [_, p] : files) out.push_back(read_file(p));
  return out;
}

}  // namespace passerelle::test
