// The device's sync rules (docs/sync.md) as one single-threaded, event-driven engine: connect,
// hello, auth.resume, upload queued files, push the outbox in batches (as many in flight as the
// server's hello allows, up to max_push_window; one for a server that says nothing),
// pull until `more` is false (the next page asked for ahead), queue delivered receipts for what
// the pull brought (and push them), then wait for a poke (pull) or a local write (push); on any
// network failure close and reconnect after a backoff with jitter.
//
// It is driven by its host (docs/architecture.md, "The sync engine and its drivers"): the host
// feeds it events (socket opened, frame received, socket closed, timer fired, local write,
// upload done) and carries out the actions it answers with (open a socket to a URL, send a
// frame, close, arm or cancel a timer, start an upload, tell the app). It never blocks, owns no
// thread and no socket, reads no clock, and uses no Asio, Beast or OpenSSL type: the native
// driver (sync_engine.h) runs it on Asio, a browser's Worker runs the same code compiled to
// WebAssembly. Events and actions are plain data so a host in another language can drive it.
//
// The stores are shared with the app's local calls: every store call here holds `store_mutex`;
// no lock is held when feed() returns, and the actions that tell the app run after that.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "files/file_store.h"
#include "passerelle/outcome.h"
#include "passerelle/sync_types.h"
#include "sync/sync_store.h"

namespace passerelle::client {

// Delays between reconnection attempts: `min` doubling up to `max`, each drawn uniformly in
// [half, full] of its step ("equal jitter") so thousands of phones coming back after a server
// restart do not knock all at once, yet none waits less than half its step.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, std::uint64_t seed = std::random_device{}());
  // The delay before the next attempt; each call doubles the step (until max).
  std::chrono::milliseconds next();
  // After a success: the next failure waits `min` again.
  void reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

 private:
  std::chrono::milliseconds min_, max_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

struct SyncMachineConfig {
  std::string url;     // the WebSocket URL the sockets open ("wss://host:port/v1/ws")
  std::string server;  // the server as messages name it ("wss://host"); empty: `url`
  std::string token;  // the session token auth.resume presents
  // background: reconnect after failures and follow pokes and local writes until stopped.
  // once: one round (connect, resume, push everything, pull to the end), then `finished`.
  bool once = false;
  std::chrono::milliseconds deadline{0};  // once: the whole round's bound (0: none)
  std::chrono::milliseconds request_timeout{30'000};  // from a request to its answer
  std::chrono::milliseconds backoff_min{500};
  std::chrono::milliseconds backoff_max{60'000};
  std::uint64_t backoff_seed = std::random_device{}();
  std::int64_t pull_limit = passerelle::sync::kClientPullLimit;
  // Most bytes of ops in one push frame: below the server's default 64 KiB frame limit with
  // room for the envelope.
  std::size_t max_push_bytes = 48 * 1024;
  std::size_t max_frame = 64 * 1024;  // a request over this is refused before it is sent
  // Pushes in flight at once, at most: the least of this and what the server's hello announces
  // (docs/protocol.md, `push`). 1: one at a time, as devices did before the window.
  std::int64_t max_push_window = passerelle::sync::kPushWindow;
  // After a pull, queue receipt.update {delivered_n} for threads with new messages of others
  // (docs/messages.md). Off only for tests that count ops.
  bool delivery_receipts = true;
};

// Where sync stands (online, state, last error, the current round's progress): the engine's
// part of SyncStatus.
struct SyncSnapshot {
  bool online = false;
  SyncState state = SyncState::offline;
  std::optional<Failure> last_error;
  std::optional<SyncProgress> progress;  // while syncing: how far the current round got
};

// What the host tells the engine.
struct SyncEvent {
  enum class Kind {
    start,           // begin: open the first socket
    socket_opened,   // the socket of the last open_socket is open
    frame_received,  // `frame`: one text frame from it
    socket_closed,   // it failed to open or ended; `failure` says why
    timer_fired,     // `timer`: an armed timer ran out
    local_write,     // the outbox grew (this process, or another one on the same file)
    upload_done,     // `sha256`: the upload ended; `failure` unless the server stored it
    stop,            // the host stops the engine: close everything
  };
  Kind kind = Kind::start;
  std::string frame;
  std::optional<Failure> failure;
  std::int64_t timer = 0;
  std::string sha256;

  static SyncEvent simple(Kind k) { return SyncEvent{k, {}, {}, 0, {}}; }
  static SyncEvent received(std::string frame) { return SyncEvent{Kind::frame_received, std::move(frame), {}, 0, {}}; }
  static SyncEvent closed(Failure why) { return SyncEvent{Kind::socket_closed, {}, std::move(why), 0, {}}; }
  static SyncEvent fired(std::int64_t timer) { return SyncEvent{Kind::timer_fired, {}, {}, timer, {}}; }
  static SyncEvent uploaded(std::string sha256, std::optional<Failure> failure) {
    return SyncEvent{Kind::upload_done, {}, std::move(failure), 0, std::move(sha256)};
  }
};

// What the engine asks of its host, in order. At most one socket and one upload at a time.
struct SyncAction {
  enum class Kind {
    open_socket,     // `url`: open a WebSocket (the previous one was closed first)
    send_frame,      // `frame` on the open socket
    close_socket,    // close and forget the socket (also after it reported closed)
    arm_timer,       // `timer` fires after `delay` (arming an armed id re-arms it)
    cancel_timer,    // `timer` never fires
    start_upload,    // HTTP PUT of the file at `path` as `sha256` (`name` for messages)
    cancel_upload,   // the upload in flight is no longer wanted (its upload_done is ignored)
    rows_changed,    // `rows` changed in the local view: tell the observers
    rejected,        // `rejection`: the server refused an op
    state_changed,   // `snapshot`: the state, error or progress changed to this
    progress,        // once: `progress`, how far this round got (background: in snapshot())
    session_ended,   // the server refused the token: forget it
    account_deleted, // ... because the account was erased: wipe the local data
    finished,        // once: the round ended; `summary`, or `failure`
  };
  Kind kind = Kind::state_changed;
  std::string url;
  std::string frame;
  std::int64_t timer = 0;
  std::chrono::milliseconds delay{0};
  std::string sha256, path, name;
  ChangedRows rows;
  std::optional<Rejection> rejection;
  SyncProgress progress;
  SyncSnapshot snapshot;
  SyncSummary summary;
  std::optional<Failure> failure;
};

class SyncMachine {
 public:
  // `files`, when given, is the account's upload queue: each round sends the files queued
  // there before the ops that attach them.
  SyncMachine(SyncMachineConfig config, SyncStore& store, std::mutex& store_mutex, files::FileStore* files = nullptr);
  SyncMachine(const SyncMachine&) = delete;
  SyncMachine& operator=(const SyncMachine&) = delete;

  // The one entry point: one event in, the actions it causes out.
  std::vector<SyncAction> feed(const SyncEvent& event);

  const SyncSnapshot& snapshot() const { return snapshot_; }
  // Ended for good: stopped, signed out, or (once) finished. Events are then ignored.
  bool ended() const { return phase_ == Phase::ended; }
  // The frame of the last event was not a server message protocol::parse_server_message reads
  // (the engine ignored it; nothing changed). A host that ends the socket on such a frame (the
  // web binding) asks here rather than reading every frame once more before feeding it.
  bool last_frame_unreadable() const { return last_frame_unreadable_; }

 private:
  enum class Phase { idle, connecting, hello, resuming, syncing, waiting, backoff, ended };
  // The request a pending answer belongs to.
  enum class Call { hello, resume, push, pull, pull_in_vain };
  // The round: push, pull, then (when receipts were queued) push and pull once more.
  enum class Step { push, pull, push_receipts, pull_receipts };
  static constexpr std::int64_t kBackoffTimer = -1;
  static constexpr std::int64_t kDeadlineTimer = -2;
  static constexpr std::int64_t kStorePageTimer = -3;  // 0 ms: store the page held (held_page_)

  void connect();
  void on_frame(const std::string& frame);
  // A poke: its carried changes stored when they follow on from the cursor, else a pull.
  void on_poke(const boost::json::object& event);
  bool pull_in_flight() const;
  void on_answer(Call call, std::int64_t id, Outcome<boost::json::object> answer);
  void on_resumed(Outcome<boost::json::object> answer);
  void begin_round();
  // Uploads first, then the next push batch; to the pull when the outbox is empty.
  void continue_push();
  void on_pushed(std::int64_t id, Outcome<boost::json::object> answer);
  void on_uploaded(const SyncEvent& event);
  void next_pull();
  void on_pulled(Outcome<boost::json::object> answer);
  void on_page(PulledPage page);
  // The rest of a page's handling: stored, observed, then the next pull or the round's end.
  void store_page(const PulledPage& page);
  // Whether a carried poke arriving now could be stored (otherwise it only says: pull).
  bool carried_pokes_usable() const;
  void on_plain_poke();
  void after_push();
  void after_pull();
  void round_done();
  // Any failure of the current socket: close it; background: back off and retry; once: finish.
  void fail(Failure failure);
  void stop();

  std::int64_t send_request(Call call, std::string type, boost::json::object fields);
  void drop_socket();
  void set_state(SyncState state, bool online, std::optional<Failure> error);
  void report_progress(bool pulling, bool more);
  Outcome<std::size_t> queue_receipts();
  void emit(SyncAction a) { out_.push_back(std::move(a)); }
  SyncAction action(SyncAction::Kind k) {
    SyncAction a{};
    a.kind = k;
    return a;
  }
  void emit_state() {
    SyncAction a = action(SyncAction::Kind::state_changed);
    a.snapshot = snapshot_;
    emit(std::move(a));
  }

  SyncMachineConfig config_;
  std::string where_;  // the server, for messages
  SyncStore& store_;
  std::mutex& store_mutex_;
  files::FileStore* files_;
  Backoff backoff_;
  SyncSnapshot snapshot_;
  std::vector<SyncAction> out_;

  Phase phase_ = Phase::idle;
  bool socket_ = false;  // a socket was opened and not yet closed
  bool poke_ = false;         // the server said something changed
  bool local_write_ = false;  // the outbox grew
  // This socket's server carries changes in its pokes (its hello answer said so), and a pull
  // on this socket has completed: from then on a carried poke that follows on from the cursor
  // is stored as it comes, and a push the server says it will poke back needs no pull.
  bool live_rows_ = false;
  bool caught_up_ = false;
  bool last_frame_unreadable_ = false;
  bool round_pushes_live_ = true;  // every push of this round will come back in a carried poke
  std::int64_t next_id_ = 1;
  std::map<std::int64_t, Call> pending_;  // requests sent, by id, awaiting their answer
  std::string awaiting_;                  // the request type awaited now, for timeout messages

  // The round in progress.
  Step step_ = Step::push;
  SyncSummary summary_;
  std::set<std::string> pulled_threads_;
  std::optional<std::string> uploading_;         // the sha256 of the upload in flight
  std::string uploading_name_;                   // ... and its file name, for messages
  // The pushes in flight, oldest first: their request ids and ops (a prefix of the outbox, in
  // its order), and how many pushes this socket's server takes at once.
  struct PushInFlight {
    std::int64_t id = 0;
    std::vector<passerelle::sync::Op> ops;
  };
  std::deque<PushInFlight> pushing_;
  std::int64_t push_window_ = 1;
  std::int64_t pull_id_ = 0;                     // the pull whose page comes next
  std::int64_t pull_cursor_ = 0;                 // ... asked from this cursor
  std::optional<std::int64_t> pull_horizon_;     // ... with this horizon
  // The next page, asked for as soon as a page arrives: its request and id.
  std::optional<std::pair<boost::json::object, std::int64_t>> ahead_;
  // A page received with more to come, stored at the next event (the 0 ms timer armed for it,
  // or whatever comes first): so the host sends the request for the next page before this one's
  // storing begins, and the server reads that page while the device stores this one.
  std::optional<PulledPage> held_page_;
  int restarts_ = 0;
};

}  // namespace passerelle::client
