// The sync-facing value types of the client API (docs/sync.md): which rows changed, an op the
// server refused, where the engine stands, what one sync round did. Shared by client.h and the
// device sync store so both speak the same types.
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Same-directory includes: the device store includes this header from builds that only have
// client-core/src on their include path (tests/sync).
#include "outcome.h"
#include "passerelle/shared/error.h"

namespace passerelle::client {

// Rows of the local view that changed, as (collection, id): what observers are told.
using RowKey = std::pair<std::string, std::string>;
using ChangedRows = std::set<RowKey>;

// An op the server refused, kept for the person to see (and dismiss).
struct Rejection {
  std::string op_id;
  std::string name;
  boost::json::object args;
  Error error;
  std::string rejected_at;  // RFC 3339, device time
};

// Where the sync engine stands.
//   offline     no connection (not started, or waiting to reconnect after a failure)
//   connecting  connecting, saying hello and resuming the session
//   syncing     pushing the outbox / pulling changes
//   up_to_date  connected, outbox empty, pulled to the end; waiting for a poke or a local write
//   error       stopped for good: the server refused the session ("log in again")
enum class SyncState { offline, connecting, syncing, up_to_date, error };
std::string_view to_string(SyncState state) noexcept;

// Progress of a round, after each push answer and each pulled page.
struct SyncProgress {
  std::size_t pushed = 0;
  std::size_t pulled_rows = 0;
  std::int64_t cursor = 0;
  bool pulling = false;
  bool more = false;  // while pulling: another page is waiting
};
using ProgressHandler = std::function<void(const SyncProgress&)>;

struct SyncStatus {
  bool online = false;  // the engine holds an authenticated connection
  SyncState state = SyncState::offline;
  std::int64_t pending_ops = 0;                // ops in the outbox, not yet answered
  std::optional<std::string> last_synced_at;   // device time of the last pull to the end (RFC 3339)
  std::int64_t cursor = 0;                     // highest server seq applied on this device
  std::int64_t rejections = 0;                 // refused ops not yet dismissed
  std::optional<Failure> last_error;           // why the last attempt failed, if it did
  std::optional<SyncProgress> progress;        // while syncing in the background: ops pushed and rows pulled so far
};

// What one sync round did (Client::sync_once).
struct SyncSummary {
  std::size_t pushed = 0;    // ops sent (and answered)
  std::size_t applied = 0;   // ...the server applied (or had applied before: retries count too)
  std::size_t rejected = 0;  // ...the server refused; they are in rejections()
  std::size_t pulled_rows = 0;
  std::int64_t cursor = 0;
  std::vector<Rejection> new_rejections;
  std::size_t uploaded = 0;         // files sent (or found already there) before the ops
  std::size_t uploads_failed = 0;   // files the server refused for good (Client::uploads() says why)
  std::size_t receipts_queued = 0;  // delivered receipts written for what was pulled
};


}  // namespace passerelle::client
