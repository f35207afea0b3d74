#include "cluster/pg_bus.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "../log.h"
#include "../storage/db_error.h"

namespace passerelle::server::cluster {
namespace json = boost::json;

namespace {
// libpq's last error on `conn`, without its trailing newline (log fields are one line).
std::string libpq_message(PGconn* conn) {
  std::string m = PQerrorMessage(conn);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m.empty() ? "connection lost" : m;
}
}  // namespace

PgBus::PgBus(std::string conninfo, Deliver deliver, std::function<void()> on_reconnect)
    : conninfo_(std::move(conninfo)), deliver_(std::move(deliver)), on_reconnect_(std::move(on_reconnect)) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

PgBus::~PgBus() {
  stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void PgBus::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void PgBus::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

PgBus::Stats PgBus::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::vector<std::string> PgBus::payloads(const std::vector<std::string>& users, const std::string& text,
                                         std::size_t max_bytes) {
  std::vector<std::string> out;
  json::array chunk;
  std::size_t base = json::serialize(json::object{{"u", json::array{}}, {"e", text}}).size();
  std::size_t size = base;
  auto flush = [&] {
    if (chunk.empty()) return;
    out.push_back(json::serialize(json::object{{"u", std::move(chunk)}, {"e", text}}));
    chunk = json::array{};
    size = base;
  };
  for (const auto& u : users) {
    std::size_t add = json::serialize(json::value(u)).size() + 1;
    if (!chunk.empty() && size + add > max_bytes) flush();
    chunk.push_back(json::value(u));
    size += add;
  }
  flush();
  return out;
}

bool PgBus::parse_payload(const std::string& payload, std::vector<std::string>& users, std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  if (ec || !v.is_object()) return false;
  const auto& o = v.get_object();
  auto u = o.if_contains("u");
  auto e = o.if_contains("e");
  if (!u || !e || !u->is_array() || !e->is_string()) return false;
  users.clear();
  for (const auto& x : u->get_array())
    if (x.is_string()) users.emplace_back(x.get_string());
  text = std::string(e->get_string());
  return true;
}

void PgBus::publish(const std::vector<std::string>& users, const std::string& text) {
  if (users.empty()) return;
  auto parts = payloads(users, text);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    for (auto& p : parts) queue_.push_back(std::move(p));
    // Bounded: if PostgreSQL is unreachable, drop the oldest (pokes are hints).
    while (queue_.size() > 10000) queue_.pop_front();
  }
  std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

// libpq's text of a failed connection names the host and port, never a statement's values;
// its first line is enough.
static std::string first_line(const char* message) {
  std::string s = message ? message : "";
  return s.substr(0, s.find('\n'));
}

void PgBus::run() {
  bool first = true;
  // A lost connection is retried after 100 ms, then twice as long each time, up to 2 s.
  auto backoff = std::chrono::milliseconds(100);
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    PGconn* conn = PQconnectdb(conninfo_.c_str());
    // libpq prints the server's notices ("FATAL: terminating connection ...") on stderr,
    // outside the JSON log; the events below say what matters.
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    bool ok = PQstatus(conn) == CONNECTION_OK;
    if (ok) {
      // A notification carries no durable data (a lost one costs latency, see pg_bus.h): its
      // transaction need not wait for the WAL's flush, which a NOTIFY's commit does while it
      // holds PostgreSQL's database-wide lock on the notification queue.
      PGresult* r = PQexec(conn, (std::string("LISTEN ") + kChannel + "; SET synchronous_commit = off").c_str());
      ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
    }
    if (!ok) {
      log::error("cluster_listen_failed", {{"message", first_line(PQerrorMessage(conn))}, {"retry_ms", backoff.count()}});
      PQfinish(conn);
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, backoff, [&] { return stopping_; });
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
      if (stopping_) return;
      ++stats_.reconnects;
      continue;
    }
    listening_ = true;
    backoff = std::chrono::milliseconds(100);
    log::info("cluster_listening", {{"channel", kChannel}, {"backend_pid", PQbackendPID(conn)}});
    if (!first && on_reconnect_) on_reconnect_();  // events of the gap were lost: let the owner catch up
    first = false;
    int own_pid = PQbackendPID(conn);
    bool broken = false;
    std::string reason;  // why the connection is given up, for cluster_connection_lost
    while (!broken) {
      // Send what was published.
      std::deque<std::string> out;
      {
        std::lock_guard lock(mutex_);
        if (stopping_) break;
        out.swap(queue_);
      }
      std::uint64_t drained = 0;
      (void)!::read(wake_fd_, &drained, sizeof drained);
      // Everything published since the last round goes in one statement, so one transaction
      // (one commit, one turn of the queue's lock) instead of one per event, in order.
      for (std::size_t at = 0; at < out.size();) {
        std::size_t n = 0, bytes = 0;
        while (at + n < out.size() && n < 256 && bytes < (1u << 20)) bytes += out[at + n++].size();
        std::string array = "{";
        for (std::size_t i = 0; i < n; ++i) {
          if (i) array += ',';
          array += '"';
          for (char c : out[at + i]) {
            if (c == '"' || c == '\\') array += '\\';
            array += c;
          }
          array += '"';
        }
        array += '}';
        at += n;
        const char* params[2] = {kChannel, array.c_str()};
        PGresult* r = PQexecParams(conn, "SELECT pg_notify($1, p) FROM unnest(CAST($2 AS text[])) AS t(p)", 2, nullptr,
                                   params, nullptr, nullptr, 0);
        bool sent = PQresultStatus(r) == PGRES_TUPLES_OK;
        if (!sent) {
          const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
          reason = std::string("pg_notify failed (sqlstate ") + (state ? state : "none") + ")";
          log::error("cluster_notify_failed", {{"sqlstate", state ? state : ""}});
          PQclear(r);
          broken = true;
          break;
        }
        PQclear(r);
        std::lock_guard lock(mutex_);
        stats_.published += n;
      }
      if (broken) break;
      // Deliver what arrived (also while we were sending).
      if (!PQconsumeInput(conn)) {
        reason = libpq_message(conn);
        broken = true;
        break;
      }
      while (PGnotify* n = PQnotifies(conn)) {
        if (n->be_pid != own_pid) {
          std::vector<std::string> users;
          std::string text;
          if (parse_payload(n->extra, users, text)) {
            try {
              deliver_(users, text);
            } catch (const std::exception& e) {
              log::error("cluster_deliver_failed", storage::failure_fields(e));
            }
            std::lock_guard lock(mutex_);
            ++stats_.received;
          }
        }
        PQfreemem(n);
      }
      pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      int r = ::poll(fds, 2, 1000);
      if (r < 0 && errno != EINTR) {
        broken = true;
        reason = std::string("poll: ") + std::strerror(errno);
      }
      if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
        broken = true;
        reason = "the database server closed the connection";
      }
      if (PQstatus(conn) != CONNECTION_OK) {
        broken = true;
        reason = libpq_message(conn);
      }
    }
    listening_ = false;
    PQfinish(conn);
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    log::error("cluster_connection_lost", {{"reason", reason}});
    ++stats_.reconnects;
    queue_.clear();
    cv_.wait_for(lock, backoff, [&] { return stopping_; });
  }
}

}  // namespace passerelle::server::cluster
