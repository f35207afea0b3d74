#include "fault_run.h"

#include <fcntl.h>
#include <unistd.h>

#include <sqlite3.h>

#include <cstring>
#include <fstream>
#include <mutex>
#include <set>

namespace passerelle::faults {

FaultOptions& options() {
  static FaultOptions o;
  return o;
}

std::mt19937 make_rng() { return std::mt19937(options().seed); }

namespace {
std::mutex ledger_mutex;

// A connection that reads beside a running (or crashed) server: read-write so that it may
// recover a WAL left by a kill, busy-waiting on the server's write lock.
struct Db {
  sqlite3* db = nullptr;
  std::string error;
  explicit Db(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      error = std::string("cannot open ") + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    else
      sqlite3_busy_timeout(db, 10000);
  }
  ~Db() { sqlite3_close(db); }
  // Calls `row` for every result row; false with `error` on failure.
  template <class Row>
  bool each(const char* sql, Row row) {
    if (!error.empty()) return false;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
      error = sqlite3_errmsg(db);
      return false;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
    if (rc != SQLITE_DONE) error = sqlite3_errmsg(db);
    sqlite3_finalize(st);
    return error.empty();
  }
};

std::string text(sqlite3_stmt* st, int col) {
  auto* p = sqlite3_column_text(st, col);
  return p ? reinterpret_cast<const char*>(p) : "";
}
}  // namespace

Ledger::Ledger(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

Ledger::~Ledger() {
  if (fd_ >= 0) ::close(fd_);
}

bool Ledger::record(const std::vector<std::string>& ids) {
  std::string lines;
  for (const auto& id : ids) lines += id + "\n";
  std::lock_guard lock(ledger_mutex);
  const char* p = lines.data();
  std::size_t left = lines.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return ::fdatasync(fd_) == 0;
}

std::vector<std::string> Ledger::read() const {
  std::lock_guard lock(ledger_mutex);
  std::vector<std::string> out;
  std::ifstream in(path_);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

std::string integrity_check(const std::string& db_path) {
  Db db(db_path);
  std::string verdict;
  if (!db.each("PRAGMA integrity_check", [&](sqlite3_stmt* st) { verdict += (verdict.empty() ? "" : "; ") + text(st, 0); }))
    return "integrity_check failed to run: " + db.error;
  return verdict;
}

std::map<std::string, int> message_body_counts(const std::string& db_path, std::string* error) {
  Db db(db_path);
  std::map<std::string, int> out;
  bool ok = db.each(
      "SELECT json_extract(data, '$.body'), COUNT(*) FROM sync_rows WHERE collection = 'messages' AND deleted = 0 "
      "GROUP BY 1",
      [&](sqlite3_stmt* st) { out[text(st, 0)] = sqlite3_column_int(st, 1); });
  if (!ok && error) *error = db.error;
  return out;
}

std::vector<std::string> numbering_problems(const std::string& db_path) {
  Db db(db_path);
  std::vector<std::string> problems;
  bool ok = db.each(
      "SELECT t.id, COALESCE(json_extract(t.data, '$.last_n'), 0), COUNT(m.id),"
      "       COUNT(DISTINCT json_extract(m.data, '$.n')), COALESCE(MIN(json_extract(m.data, '$.n')), 1),"
      "       COALESCE(MAX(json_extract(m.data, '$.n')), 0)"
      " FROM sync_rows t LEFT JOIN sync_rows m"
      "   ON m.collection = 'messages' AND json_extract(m.data, '$.thread_id') = t.id"
      " WHERE t.collection = 'threads' GROUP BY t.id",
      [&](sqlite3_stmt* st) {
        long long last_n = sqlite3_column_int64(st, 1), count = sqlite3_column_int64(st, 2),
                  distinct = sqlite3_column_int64(st, 3), lo = sqlite3_column_int64(st, 4),
                  hi = sqlite3_column_int64(st, 5);
        if (last_n != count || distinct != count || lo != 1 || hi != count)
          problems.push_back("thread " + text(st, 0) + ": last_n " + std::to_string(last_n) + ", " +
                             std::to_string(count) + " messages numbered " + std::to_string(lo) + ".." +
                             std::to_string(hi) + " (" + std::to_string(distinct) + " distinct)");
      });
  if (!ok) problems.push_back("cannot read the threads: " + db.error);
  return problems;
}

Tally tally(const std::vector<std::string>& acknowledged, const std::map<std::string, int>& body_counts,
            const std::string& body_prefix) {
  Tally t;
  std::set<std::string> seen;
  for (const auto& id : acknowledged) {
    if (!seen.insert(id).second) continue;  // a writer records an id once; be safe anyway
    ++t.acknowledged;
    auto it = body_counts.find(body_prefix + id);
    int n = it == body_counts.end() ? 0 : it->second;
    if (n == 1) continue;
    (n == 0 ? t.lost : t.duplicated) += 1;
    if (t.examples.size() < 10) t.examples.push_back(id + (n == 0 ? " lost" : " present " + std::to_string(n) + " times"));
  }
  return t;
}

}  // namespace passerelle::faults
