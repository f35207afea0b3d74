// The device's half of the sync model (docs/sync.md), over the account's SQLite file:
// server rows as last pulled, the rows pending ops wrote on top of them (together: the local
// view; a row no pending op touched is stored once), the outbox, the rejections list and the
// cursor. Every method is one SQLite transaction, so a kill -9 at
// any point leaves either the state before or the state after — never a half-applied pull, a
// write in the view but not in the outbox, or a cursor ahead of its rows.
//
// Not thread-safe: the client serializes calls (one owner thread or a mutex).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "passerelle/shared/error.h"
#include "passerelle/sync_types.h"
#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/sync/wire.h"
#include "passerelle/shared/time.h"
#include "sqlite.h"
#include "sync/pulled_page.h"

namespace passerelle::client {

// A parsed page as apply_pull_page stores it: each row's data serialized into the page's text.
PulledPage pulled_page_text(const passerelle::sync::PullPage& page);

class SyncStore {
 public:
  // The schema steps this store needs, in order, for a file's migration list. Append-only: a
  // file records the steps it ran, so a shipped step never changes.
  static std::vector<const char*> schema_steps();
  // schema_steps() numbered from `first_version`, for a file that holds only this store.
  static std::vector<sqlite::Migration> migrations(int first_version);

  // The device's clock. It stamps only what the device shows and its own ids; order and
  // conflicts are decided by the server, so a wrong device clock changes no outcome.
  using Clock = std::function<Timestamp()>;

  // `actor` is the signed-in user: local replays run as them.
  SyncStore(sqlite::Database& db, passerelle::sync::Actor actor, Clock clock = now_utc);

  // Validates `args`, applies the mutator to the local view, and queues the op, all in one
  // transaction. A mutator that rejects locally (bad args, not allowed on what the device
  // sees) queues nothing and returns its error. Returns the new op's id.
  // `also`, when given, runs inside the same transaction once the op is queued (the upload
  // queue of the files a message attaches); its failure rolls the op back too.
  Result<std::string> mutate(std::string_view name, const boost::json::object& args, ChangedRows* changed,
                             const std::function<Status()>& also = {});

  // The local view.
  Result<std::optional<boost::json::object>> get(std::string_view collection, std::string_view id);
  // Rows of a collection, optionally only those whose top-level string `field` equals `value`,
  // ordered by id (UUIDv7 ids make that creation order).
  Result<std::vector<boost::json::object>> list(std::string_view collection, std::string_view field = {},
                                                std::string_view value = {});

  // A row of the local view and whether the server has sent it: false for a row that exists
  // only through pending ops (a message still queued, or pushed but not yet pulled back).
  struct ViewRow {
    boost::json::object data;
    bool from_server = false;
  };
  // Like list(), with that flag.
  Result<std::vector<ViewRow>> list_rows(std::string_view collection, std::string_view field = {},
                                         std::string_view value = {});

  const passerelle::sync::Actor& actor() const { return actor_; }

  // The oldest `max` queued ops, in the order they were written; with `after_op_id`, those
  // queued after that op, and none when it is no longer queued (another process on this file
  // had it answered: the caller starts again from the oldest).
  Result<std::vector<passerelle::sync::Op>> pending(std::size_t max, std::string_view after_op_id = {});
  Result<std::int64_t> pending_count();
  // Drops answered ops from the outbox; rejected ones go to the rejections list and their
  // optimistic effect is undone (a rebase). Results for unknown op ids are ignored.
  Status apply_push_results(const std::vector<passerelle::sync::OpResult>& results, ChangedRows* changed);

  // A poke that carries its changes (docs/sync.md, "Live"): stored as a pull page ending at
  // the poke's seq, by the same code, when this device's cursor is at least the poke's `prev`
  // (it then holds every change before the carried ones). Returns false, storing nothing, when
  // it is not (a gap: the caller pulls), when a full pull is under way, or when the poke carries
  // nothing; true when stored or already held.
  Result<bool> apply_live_changes(const passerelle::sync::LivePoke& poke, ChangedRows* changed);

  // Writes one pulled page: server rows, cursor and epoch, then rebases the view — atomically.
  // A page from another epoch than the one stored starts a resync instead (returns ok; the
  // caller sees needs_resync() and pulls from 0).
  // `pulled_from`, when given, is the cursor the page was asked for from: if the stored cursor
  // is no longer that one (another process on the same file stored a page meanwhile), the
  // page is dropped unwritten (returns ok; cursor() then differs from the page's) — written
  // over a newer page it would bring rows back to older states.
  Status apply_pull_page(const passerelle::sync::PullPage& page, ChangedRows* changed,
                         std::optional<std::int64_t> pulled_from = std::nullopt);
  // The same, for a page whose rows are already text (read_pull_answer): stored as they are.
  Status apply_pull_page(const PulledPage& page, ChangedRows* changed,
                         std::optional<std::int64_t> pulled_from = std::nullopt);
  // Starts again from cursor 0, keeping the outbox; rows the server no longer sends are
  // removed when the resync's last page arrives.
  Status begin_resync();
  bool needs_resync();
  // While the device re-reads everything from cursor 0 (first sync, or a resync), the horizon
  // its first page saw: the next pull request carries it (`full_horizon`). Rows not sent
  // again are dropped at the last page. Empty otherwise, or before the first page.
  std::optional<std::int64_t> full_pull_horizon();

  Result<std::int64_t> cursor();
  Result<std::vector<Rejection>> rejections();
  Status dismiss_rejection(std::string_view op_id);
  // Device time of the last pull that reached the end of the log, if any (RFC 3339).
  Result<std::optional<std::string>> last_synced_at();

 private:
  Status rebase(const std::set<RowKey>& touched, ChangedRows* changed);
  Result<std::string> state(std::string_view key, std::string_view fallback);
  Status set_state(std::string_view key, std::string_view value);
  // Marks a resync begun (inside the caller's transaction) and whether it must track the rows
  // it sees: only if rows were held before it.
  Status start_resync();

  sqlite::Database& db_;
  passerelle::sync::Actor actor_;
  Clock clock_;
};

}  // namespace passerelle::client
