// What the protocol layer needs from one WebSocket connection, whatever its transport
// (ws or wss). Implemented by the session types in server.cpp; used by Reply and Hub.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "passerelle/shared/protocol.h"

namespace passerelle::server::net {

// Per-connection protocol state. Lives on the connection's strand; touched only there.
struct SessionState {
  bool hello_done = false;
  std::optional<protocol::UserInfo> user;  // set by login/resume/accept_invite
  std::string token_hash;                  // SHA-256 hex of this connection's session token
};

// A change to SessionState made by a handler; applied on the strand right before its answer is
// queued, so a client that saw "ok" for login can immediately send authenticated requests.
using StateChange = std::function<void(SessionState&)>;

class Connection {
 public:
  virtual ~Connection() = default;
  // Thread-safe: posts to the connection's strand, applies `change` (if any), queues `text`.
  virtual void deliver(std::string text, StateChange change) = 0;
  // Thread-safe: queues a server event frame (e.g. a poke).
  virtual void send_event(std::string text) = 0;
  // Thread-safe: closes with 1001 "going away" once queued frames are written.
  virtual void shut_down() = 0;
  // Thread-safe: if the connection is still signed in as `user_id` (and, when `token_hash` is
  // not empty, with that token) once the strand gets to it, closes it with 1008 and `reason`.
  // Checked on the strand, so a connection that signed out or in as someone else meanwhile
  // (the one that sent auth.logout, for instance) is left alone.
  virtual void end_session(std::string user_id, std::string token_hash, std::string reason) = 0;

  // Requests read from this connection and not yet answered (Reply counts them), for the
  // --max-requests-in-flight limit.
  std::atomic<std::size_t> requests_in_flight{0};
  // The device asked in its hello for pokes that carry the change (docs/sync.md, "Live"). Set
  // once, before any poke can reach the connection (hello comes before sign-in).
  std::atomic<bool> live_rows{false};
};

}  // namespace passerelle::server::net
