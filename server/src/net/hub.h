// The registry of live WebSocket connections, by signed-in user. Thread-safe.
//
//   hub.send_event({user_a, user_b}, protocol::serialize_event("poke", {{"seq", 42}}));
//
// Connections register when their WebSocket handshake completes and leave when they close;
// set_user() follows login/logout. Entries are weak: the Hub never keeps a connection alive.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "connection.h"

namespace passerelle::server::net {

class Hub {
 public:
  void add(const std::shared_ptr<Connection>& conn);
  void remove(Connection* conn);
  // Moves `conn` to `user_id` (empty: signed out).
  void set_user(Connection* conn, const std::string& user_id);

  // Queues `text` on every connection of these users; returns how many connections got it.
  std::size_t send_event(const std::vector<std::string>& user_ids, const std::string& text);
  // Asks every connection to close with 1001 (graceful shutdown).
  void shut_down_all();
  std::size_t size() const;

  // Presence, for e-mail digests: whether the user has a signed-in connection now, and when
  // their last one ended. Kept in memory only: after a restart nobody has a last-seen time,
  // and the digest treats the start of the server as the latest they may have been online.
  bool is_online(const std::string& user_id) const;
  std::optional<std::chrono::system_clock::time_point> last_seen(const std::string& user_id) const;

 private:
  struct Entry {
    std::weak_ptr<Connection> conn;
    std::string user_id;
  };
  mutable std::mutex mutex_;
  std::unordered_map<Connection*, Entry> all_;
  std::unordered_map<std::string, std::unordered_set<Connection*>> by_user_;
  std::unordered_map<std::string, std::chrono::system_clock::time_point> last_seen_;

  void leave(Connection* conn, const std::string& user_id);  // under mutex_
};

}  // namespace passerelle::server::net
