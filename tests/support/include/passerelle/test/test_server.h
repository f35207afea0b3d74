// Integration-test support: run the real `passerelle-server` binary on an ephemeral loopback
// port in a fresh temporary directory.
//
//   passerelle::test::TestServer server;               // starts it; ASSERT_TRUE(server.ok())
//   server.create_user("amina@example.org", "Amina Benali", "candidate", "correct horse 1");
//   RawWsClient ws; ws.connect(server.port());
//
// The server runs with
//   serve --listen 127.0.0.1:0 --ready-file <dir>/ready --scrypt-log2n 10
//         --mail-dir <dir>/outbox --db sqlite:<dir>/db.sqlite  <extra args>
// and its stderr/stdout (JSON log lines) go to <dir>/server.log, which failure messages point
// at. Every wait is bounded. The directory is removed on destruction unless the environment
// variable PASSERELLE_KEEP_TEST_DIRS is set; with PASSERELLE_TEST_LOG_DIR set, server.log is
// copied there first (the suite's log scan for personal data reads them: tests/logs/).
//
// PostgreSQL (tests/pg/run-pg.sh starts one and sets PASSERELLE_TEST_PG to its admin URL):
// with PASSERELLE_TEST_DB=postgresql in the environment every TestServer gets a fresh database
// of its own there instead of the SQLite file (and --files-dir <dir>/files); Options::db names
// a database explicitly (e.g. one shared by two servers).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "passerelle/test/child_process.h"
#include "passerelle/test/reserved_port.h"

namespace passerelle::test {

// Path of the passerelle-server binary under test (compiled in).
std::string server_binary();

// A COUNT(*)-style query on a SQLite file (e.g. the server's database), opened read-only beside
// a running or dead server; -1 when the file or query fails.
long long sqlite_count(const std::string& db_path, const std::string& query);

// PostgreSQL for tests. The admin URL of the test cluster (PASSERELLE_TEST_PG), if any.
std::optional<std::string> test_postgresql_url();
// True when PASSERELLE_TEST_DB asks integration tests to run on PostgreSQL.
bool tests_use_postgresql();
// Creates a fresh database on the test cluster and returns its URL; empty on failure (`error`
// says why). Empty, or a copy of the database named by `template_url` (nobody may be connected
// to it).
std::string create_postgresql_database(std::string* error = nullptr, const std::string& template_url = {});
// A COUNT(*)-style query on a PostgreSQL database; -1 when the connection or query fails.
long long postgresql_count(const std::string& url, const std::string& query);

class TestServer {
 public:
  struct Options {
    std::vector<std::string> extra_args;  // appended to the serve command line
    bool start = true;                    // false: call start() yourself
    std::chrono::milliseconds ready_timeout{std::chrono::seconds(30)};
    // Database URL; empty: sqlite:<dir>/db.sqlite, or a fresh PostgreSQL database when
    // PASSERELLE_TEST_DB=postgresql.
    std::string db;
    // Listen on the same port at every start (a ReservedPort, held as long as the TestServer),
    // for devices that must reconnect to the same address after a restart; false: a new
    // ephemeral port each start.
    bool keep_port = false;
    // Start on a copy of another server's database and uploaded files, on the same engine: a
    // fixture built once (accounts, sessions, rows) and then given fresh to each case. That
    // server must be stopped (PostgreSQL copies a database only when nobody is connected to it)
    // and outlive the construction of this one. Sessions are in the database, so the tokens
    // signed in there resume here (auth.resume).
    const TestServer* copy_of = nullptr;
  };

  TestServer();
  explicit TestServer(Options options);
  ~TestServer();  // stop()
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Starts the process and waits for its ready file. False on failure (see last_error()).
  bool start();
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit code (-1 if killed/not running).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // stop() then start() with the same directory and arguments (the port changes unless
  // Options::keep_port).
  bool restart();
  // SIGKILL now, no grace (crash simulation).
  void kill9();
  bool running() const { return pid_ > 0; }
  bool ok() const { return running() && port_ != 0; }

  std::uint16_t port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  std::string url() const;        // "ws://127.0.0.1:PORT" (wss:// with --tls-cert)
  std::string http_url() const;   // "http://127.0.0.1:PORT" (https://)
  const std::string& data_dir() const { return dir_.path(); }
  std::string db_path() const;    // <dir>/db.sqlite
  std::string db_url() const;     // sqlite:<dir>/db.sqlite, or the PostgreSQL URL
  bool on_postgresql() const { return db_url().rfind("postgres", 0) == 0; }
  // A COUNT(*)-style query on this server's database, whichever engine; -1 on failure.
  long long count(const std::string& query) const;
  // Runs one SQL statement on this server's database, whichever the engine (tests that age a
  // session, for instance). False with last_error() on failure.
  bool execute(const std::string& sql);
  std::string mail_dir() const;   // <dir>/outbox
  std::string files_dir() const;  // <dir>/files: uploaded files, on either engine
  std::string log_path() const;   // <dir>/server.log
  std::string log() const;        // contents of server.log
  const std::string& last_error() const { return error_; }

  // Runs `passerelle-server admin create` on this server's database. True on exit code 0.
  // Several threads may call it at once (only it, of this class's members); last_error() then
  // holds one of the failures, read after they all returned.
  bool create_user(const std::string& email, const std::string& name, const std::string& role,
                   const std::string& password, const std::string& locale = "fr");
  // The e-mails written to mail_dir(), oldest first (file contents).
  std::vector<std::string> mails() const;

 private:
  void copy_fixture(const TestServer& from);  // sets db_url_, or error_

  Options options_;
  std::unique_ptr<ReservedPort> reserved_port_;  // with Options::keep_port
  TempDir dir_;
  std::string db_url_;  // chosen once, at construction
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string error_;
};

}  // namespace passerelle::test
