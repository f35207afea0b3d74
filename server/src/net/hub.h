// The registry of live WebSocket connections, by signed-in user. Thread-safe.
//
//   hub.send_event({user_a, user_b}, protocol::serialize_event("poke", {{"seq", 42}}));
//
// Connections register when their WebSocket handshake completes and leave when they close;
// set_user() follows login/logout. Entries are weak: the Hub never keeps a connection alive.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "connection.h"
#include "sync/live.h"

namespace passerelle::server::net {

class Hub {
 public:
  Hub() = default;
  ~Hub();  // runs what after_commit() queued, then joins its thread
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  void add(const std::shared_ptr<Connection>& conn);
  void remove(Connection* conn);
  // Moves `conn` to `user_id` (empty: signed out), signed in with the token of this hash, as a
  // member of this role audience ("role:coach": sync::role_audience of the user's role).
  // Pokes and events addressed to a role audience reach every connection signed in with it.
  void set_user(Connection* conn, const std::string& user_id, const std::string& token_hash = {},
                const std::string& role_audience = {});
  // Signed-in connections of this user on this instance (--max-connections-per-user).
  std::size_t connections_of(const std::string& user_id) const;

  // Ends the user's sessions: every connection signed in as `user_id` is closed with 1008 and
  // `reason` (account disabled, role changed, deleted). Revoke the tokens first, in the
  // database, so that no closed device can resume. With a relay the order goes to the other
  // instances too (best effort, like pokes: see docs/limits.md). Returns the connections closed
  // here.
  std::size_t disconnect_user(const std::string& user_id, const std::string& reason);
  // The same for the connections signed in with one token (auth.logout on another device
  // leaves the user's other tokens alone).
  std::size_t disconnect_token(const std::string& user_id, const std::string& token_hash, const std::string& reason);

  // WebSocket connections per remote address (--max-connections-per-address): admit_address
  // takes a place if fewer than `limit` are taken (0: no limit), release_address gives it back.
  bool admit_address(const std::string& address, std::size_t limit);
  void release_address(const std::string& address);

  // Queues `text` on every connection of these users (user ids or role audiences: a
  // connection both names reach gets it once); returns how many connections got it.
  // With a relay set (several instances: cluster/pg_bus.h), the event also goes to it, for the
  // users' connections on the other instances.
  std::size_t send_event(const std::vector<std::string>& user_ids, const std::string& text);
  // Like send_event on this instance only: for events another instance relayed here (which
  // may also be the session-ending orders of disconnect_user/disconnect_token).
  std::size_t deliver_local(const std::vector<std::string>& user_ids, const std::string& text);
  // Pokes after a push (docs/sync.md, "Live"): each session of the poke's users gets the
  // frame that carries its changes if its hello asked for it, else the plain poke. With a relay,
  // the other instances get a notice of the commit's seqs and rebuild the same frames with the
  // loader, reading each row once. Returns the sessions poked here.
  std::size_t send_poke(const sync::LivePoke& poke);
  // Runs `task` on the hub's delivery thread (started on first use), after every task given
  // before it: the work that follows a commit (a push's answer and its pokes) leaves the
  // writer's thread, which begins its next batch meanwhile, and still goes out in commit order.
  // A task that throws is logged and dropped. Thread-safe; after the destructor began, the
  // task runs on the caller's thread.
  void after_commit(std::function<void()> task);
  // Rebuilds a relayed poke from the database (several instances): set with the relay.
  using PokeLoader = std::function<sync::LivePoke(std::int64_t first, std::int64_t last,
                                                  const std::map<std::string, std::int64_t>& prevs)>;
  void set_poke_loader(PokeLoader loader);
  using Relay = std::function<void(const std::vector<std::string>& user_ids, const std::string& text)>;
  void set_relay(Relay relay);  // before connections arrive; empty: none
  // Users with a signed-in connection here now.
  std::vector<std::string> signed_in_users() const;
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
    std::string token_hash;
    std::string role_audience;
  };
  mutable std::mutex mutex_;
  std::unordered_map<Connection*, Entry> all_;
  std::unordered_map<std::string, std::unordered_set<Connection*>> by_user_;
  // Role audiences ("role:coach") apart from users: presence, per-user limits and session
  // endings are by user only.
  std::unordered_map<std::string, std::unordered_set<Connection*>> by_role_;
  std::unordered_map<std::string, std::chrono::system_clock::time_point> last_seen_;
  std::unordered_map<std::string, std::size_t> per_address_;
  Relay relay_;
  PokeLoader loader_;

  std::size_t deliver_poke(const sync::LivePoke& poke);

  // after_commit's queue and thread, apart from mutex_ (the registry's).
  std::mutex tasks_mutex_;
  std::condition_variable tasks_cv_;
  std::deque<std::function<void()>> tasks_;
  bool tasks_stopping_ = false;
  std::thread delivery_;
  void deliver_tasks();

  std::size_t end_sessions_here(const std::string& user_id, const std::string& token_hash, const std::string& reason);

  void leave(Connection* conn, const std::string& user_id);  // under mutex_
  void leave_role(Connection* conn, const std::string& role_audience);  // under mutex_
  // The connections `names` reach (user ids and role audiences), each once, in the order of
  // `names`, with the name that reached it. Under mutex_.
  std::vector<std::pair<std::shared_ptr<Connection>, const std::string*>> reached(
      const std::vector<std::string>& names);
};

}  // namespace passerelle::server::net
