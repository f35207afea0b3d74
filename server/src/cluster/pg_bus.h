// Live events between server instances over PostgreSQL LISTEN/NOTIFY (docs/operations.md,
// "Several instances").
//
//   cluster::PgBus bus(conninfo, [&hub](const auto& users, const std::string& text) {
//     hub.deliver_local(users, text);           // an event another instance sent
//   });
//   bus.start();
//   hub.set_relay([&bus](const auto& users, const std::string& text) { bus.publish(users, text); });
//
// One thread owns one libpq connection: it LISTENs on the channel `passerelle_events`, sends
// what publish() queued with pg_notify(), all of a round in one statement and one transaction
// with synchronous_commit off (after the writer's COMMIT: the caller publishes from
// its post-commit hook), and hands every notification that another instance sent to `deliver`.
// A payload is JSON {"u":[user ids],"e":"<event frame>"}, split so each stays under
// PostgreSQL's 8000-byte limit. A lost connection is retried with backoff (100 ms doubling to 2 s); events published
// meanwhile are dropped (a lost poke costs latency, never correctness: devices also pull on
// every reconnect), and on reconnecting `on_reconnect` runs so the owner can poke its sessions.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace passerelle::server::cluster {

inline constexpr const char* kChannel = "passerelle_events";

class PgBus {
 public:
  using Deliver = std::function<void(const std::vector<std::string>& users, const std::string& text)>;

  PgBus(std::string conninfo, Deliver deliver, std::function<void()> on_reconnect = {});
  ~PgBus();  // stop()
  PgBus(const PgBus&) = delete;
  PgBus& operator=(const PgBus&) = delete;

  void start();
  void stop();  // idempotent; joins the thread
  // Thread-safe; never blocks on the network.
  void publish(const std::vector<std::string>& users, const std::string& text);

  struct Stats {
    std::uint64_t published = 0;  // notifications sent
    std::uint64_t received = 0;   // notifications from other instances delivered
    std::uint64_t reconnects = 0;
  };
  Stats stats() const;
  // True once the first LISTEN succeeded (for tests and logs).
  bool listening() const { return listening_.load(); }

  // Splits an event for `users` into payloads of at most `max_bytes` (exposed for tests).
  static std::vector<std::string> payloads(const std::vector<std::string>& users, const std::string& text,
                                           std::size_t max_bytes = 7900);
  // Parses one payload; false when it is not ours.
  static bool parse_payload(const std::string& payload, std::vector<std::string>& users, std::string& text);

 private:
  void run();

  std::string conninfo_;
  Deliver deliver_;
  std::function<void()> on_reconnect_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // payloads to send
  bool stopping_ = false;
  int wake_fd_ = -1;  // eventfd: publish() and stop() wake the poll
  std::atomic<bool> listening_{false};
  Stats stats_;
  std::thread thread_;
};

}  // namespace passerelle::server::cluster
