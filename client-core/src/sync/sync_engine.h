// The native driver of the sync engine (sync_machine.h holds the rules; docs/architecture.md,
// "The sync engine and its drivers"). It runs a SyncMachine on Asio: on its own thread
// (start()) or on the caller's thread for one round (run_once()); it turns the machine's
// actions into a socket of the Transport, Asio timers and HTTP uploads (blob_transfer.h, on a
// thread of their own so the socket keeps being served), and their outcomes into events.
//
// The SyncStore is shared with the caller's mutate/get calls: the machine holds `store_mutex`
// for every store call, and no lock is held while the hooks (observers) run.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "connection.h"
#include "files/file_store.h"
#include "passerelle/outcome.h"
#include "passerelle/sync_types.h"
#include "sync/sync_machine.h"
#include "sync/sync_store.h"
#include "passerelle/transport.h"

namespace passerelle::client {

struct SyncEngineConfig {
  // The server (its URL), the CA file and the timeouts; the built-in transport's frame limit.
  ConnectionOptions connection;
  std::string token;  // the session token auth.resume presents
  std::chrono::milliseconds backoff_min{500};
  std::chrono::milliseconds backoff_max{60'000};
  std::int64_t pull_limit = passerelle::sync::kClientPullLimit;
  // Most bytes of ops in one push frame (SyncMachineConfig::max_push_bytes).
  std::size_t max_push_bytes = 48 * 1024;
  // After a pull, queue delivered receipts (docs/messages.md). Off only for tests that count ops.
  bool delivery_receipts = true;
  // A file upload fails once no byte has moved for this long (its size does not matter).
  std::chrono::milliseconds transfer_stall_timeout{30'000};
  // The WebSocket the engine speaks through; empty: the built-in one (builtin_transport.h).
  std::shared_ptr<Transport> transport;
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
  // A local write was queued: push soon. Cheap, never blocks; any thread. This is the
  // machine's local_write event, whoever wrote (this process or another one on the same file).
  void notify_local_write();

  // One round on the caller's thread: connect, resume, push everything, pull to the end.
  // Bounded by `timeout` overall. Refused while the background loop runs.
  Outcome<SyncSummary> run_once(std::chrono::milliseconds timeout, const ProgressHandler& progress);

  using Snapshot = SyncSnapshot;
  Snapshot snapshot() const;

 private:
  struct Run;  // one SyncMachine on its io_context, with its socket, timers and upload

  SyncMachineConfig machine_config(bool once, std::chrono::milliseconds deadline) const;
  // Carries out the actions of one event, in order.
  void carry_out(Run& run, std::vector<SyncAction> actions);
  void feed(Run& run, const SyncEvent& event);

  SyncEngineConfig config_;
  SyncStore& store_;
  std::mutex& store_mutex_;
  SyncEngineHooks hooks_;
  files::FileStore* files_;

  mutable std::mutex snapshot_mutex_;
  Snapshot snapshot_;

  std::mutex run_mutex_;  // guards background_ against notify_local_write from other threads
  std::unique_ptr<Run> background_;
  std::thread thread_;
};

}  // namespace passerelle::client
