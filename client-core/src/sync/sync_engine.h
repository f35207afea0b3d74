// The device's sync loop (docs/sync.md): connect, hello, auth.resume, upload queued files
// (HTTP, docs/messages.md), push the outbox in batches (one push in flight), pull until `more`
// is false, queue delivered receipts for what the pull brought (and push them), then wait for
// a poke (pull) or a local write (push); on any network failure reconnect with exponential
// backoff and jitter.
//
// It runs on its own thread (start()) or on the caller's thread for one round (run_once()).
// The SyncStore is shared with the caller's mutate/get calls: every store call here holds
// `store_mutex`, and no lock is held while the hooks (observers) run.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "connection.h"
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

struct SyncEngineConfig {
  ConnectionOptions connection;
  std::string token;  // the session token auth.resume presents
  std::chrono::milliseconds backoff_min{500};
  std::chrono::milliseconds backoff_max{60'000};
  std::int64_t pull_limit = passerelle::sync::kClientPullLimit;
  // Most bytes of ops in one push frame: below the server's default 64 KiB frame limit with
  // room for the envelope.
  std::size_t max_push_bytes = 48 * 1024;
  // After a pull, queue receipt.update {delivered_n} for threads with new messages of others
  // (docs/messages.md). Off only for tests that count ops.
  bool delivery_receipts = true;
  // A file upload fails once no byte has moved for this long (its size does not matter).
  std::chrono::milliseconds transfer_stall_timeout{30'000};
};

// What the engine tells the Client; each runs on the engine's thread (or the run_once caller's),
// with no engine or store lock held.
struct SyncEngineHooks {
  std::function<void(const ChangedRows&)> rows_changed;
  std::function<void(const Rejection&)> rejected;
  std::function<void()> state_changed;
  // The server refused the session token (unauthenticated on resume): the Client forgets it.
  std::function<void()> session_ended;
  // The same because the account was erased (protocol::kAccountDeletedMessage): the Client
  // wipes the account's local data. Called instead of session_ended.
  std::function<void()> account_deleted;
};

class SyncEngine {
 public:
  // `files`, when given, is the account's upload queue: each round sends the files queued
  // there before the ops that attach them (under `store_mutex` too: same SQLite connection).
  SyncEngine(SyncEngineConfig config, SyncStore& store, std::mutex& store_mutex, SyncEngineHooks hooks,
             files::FileStore* files = nullptr);
  ~SyncEngine();  // stop()
  SyncEngine(const SyncEngine&) = delete;
  SyncEngine& operator=(const SyncEngine&) = delete;

  // Starts the background loop; no effect when it runs. Returns at once.
  void start();
  // Stops the loop and joins its thread (a request in flight is abandoned: the outbox keeps
  // its ops and a later push repeats them; the server answers a repeat from its record).
  // Must not be called from a hook.
  void stop();
  bool running() const { return thread_.joinable(); }
  // A local write was queued: push soon. Cheap, never blocks.
  void notify_local_write();

  // One round on the caller's thread: connect, resume, push everything, pull to the end.
  // Bounded by `timeout` overall. Refused while the background loop runs.
  Outcome<SyncSummary> run_once(std::chrono::milliseconds timeout, const ProgressHandler& progress);

  // The engine's part of SyncStatus (online, state, last_error).
  struct Snapshot {
    bool online = false;
    SyncState state = SyncState::offline;
    std::optional<Failure> last_error;
    std::optional<SyncProgress> progress;  // while syncing: how far the current round got
  };
  Snapshot snapshot() const;

 private:
  struct Signal;  // flags + condition variable shared with the connection's handlers
  using Deadline = std::chrono::steady_clock::time_point;

  void loop();
  std::unique_ptr<Connection> open_session(Deadline deadline, Outcome<Done>& result);
  // A request on its way: `send` returns at once, `await` waits for the answer. An answer
  // nobody awaits is dropped when it comes.
  struct PendingCall {
    std::shared_ptr<std::optional<Outcome<boost::json::object>>> slot;
    std::string what;
  };
  PendingCall send(Connection& c, std::string type, boost::json::object fields);
  Outcome<boost::json::object> await(PendingCall& pending, Deadline deadline);
  Outcome<boost::json::object> call(Connection& c, std::string type, boost::json::object fields, Deadline deadline);
  Outcome<Done> round(Connection& c, Deadline deadline, SyncSummary& summary, const ProgressHandler& progress);
  Outcome<Done> push_all(Connection& c, Deadline deadline, SyncSummary& summary, const ProgressHandler& progress);
  Outcome<Done> pull_all(Connection& c, Deadline deadline, SyncSummary& summary, const ProgressHandler& progress,
                         std::set<std::string>* pulled_threads);
  // Sends every pending upload; a file the server refuses for good is marked failed, a network
  // or server failure fails the round (retried with backoff; uploads are content-addressed).
  Outcome<Done> upload_pending(Deadline deadline, SyncSummary& summary);
  // receipt.update {delivered_n} for the threads a pull brought messages to. Returns how many.
  Outcome<std::size_t> queue_receipts(const std::set<std::string>& threads);
  void set_state(SyncState state, bool online, std::optional<Failure> error);
  // Waits until `deadline` or stop; true if stopped.
  bool sleep_until(Deadline deadline);

  SyncEngineConfig config_;
  SyncStore& store_;
  std::mutex& store_mutex_;
  SyncEngineHooks hooks_;
  files::FileStore* files_;
  std::shared_ptr<Signal> signal_;
  Backoff backoff_;

  mutable std::mutex snapshot_mutex_;
  Snapshot snapshot_;

  std::thread thread_;
};

}  // namespace passerelle::client
