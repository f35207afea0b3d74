// A private PostgreSQL for the bench's `--engine postgresql` runs: Debian's server binaries
// (initdb, pg_ctl) run as the `postgres` user in a directory of the bench's temporary directory,
// listening on 127.0.0.1 at a free port and on a Unix socket there. Its settings are the
// engine's defaults (fsync, synchronous_commit=on, full_page_writes): an answer means the
// transaction is on disk, as in production. Stopped (immediate) and removed on destruction.
//
//   bench::PrivatePostgres pg;
//   if (auto st = pg.start(dir + "/pg"); !st) ...;
//   server.use_database(pg.url());   // postgresql://postgres@127.0.0.1:PORT/postgres
#pragma once

#include <cstdint>
#include <string>

#include "passerelle/shared/error.h"

namespace passerelle::bench {

class PrivatePostgres {
 public:
  PrivatePostgres() = default;
  ~PrivatePostgres();  // stop()
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  // Creates `dir` (it must not exist), initdb, starts the server. Errors say what is missing
  // (no server binaries, no postgres user, not root) or where the server's log is.
  Status start(const std::string& dir);
  void stop();

  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }
  std::string version() const { return version_; }

 private:
  std::string dir_, bindir_, url_, version_;
  bool running_ = false;
};

}  // namespace passerelle::bench
