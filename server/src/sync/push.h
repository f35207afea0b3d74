// push: runs a device's ops in order, each exactly once per (user, op_id).
#pragma once

#include <soci/soci.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/sync/wire.h"
#include "storage/deferred_writes.h"
#include "sync/change_log.h"

namespace passerelle::server::sync {

struct PushOutcome {
  std::vector<passerelle::sync::OpResult> results;  // one per op, in order
  // One per op: answered from an earlier push's record (a retry), so nothing ran now and the
  // push's side effects (audit entries, e-mails) must not happen again.
  std::vector<bool> replayed;
  std::set<std::string> touched_users;              // poke them once the commit is durable
  std::int64_t last_seq = 0;                        // highest seq written, 0 if none
  std::vector<WrittenRow> written;                  // the rows as written, for carried pokes
  // On PostgreSQL, the readers' latest changes below the first written seq, read in the push's
  // last pipeline for live_poke (sync/live.h); empty: live_poke reads them itself.
  std::optional<std::map<std::string, std::int64_t>> readers_latest;
};

// What a push's first pipeline reads (PostgreSQL: the op ledger with the seq counter, the rows
// its ops name), read instead by the push before it in the same writer batch, after that push's
// writes, in its last pipeline (storage/writer.h, Writer::submit's `ahead`). Made by the
// handler from the push's ops, before submitting it; used only by run_push for the same user
// and ops, and only when nothing was sent on the connection since it was read.
struct PushReadAhead : storage::ReadAhead {
  std::string user;
  std::vector<std::string> op_ids, names;
  std::string expected;  // the ops' argument ids, as ChangeLog::expected_ids_text() gives them
  // Filled by the push before: the collections whose rows were read, the reads' answers.
  std::vector<std::string> collections;
  std::vector<storage::DeferredWrites::Rows> rows;
};
std::shared_ptr<PushReadAhead> read_ahead_of(const std::string& user, const std::vector<passerelle::sync::Op>& ops);

// Runs `ops` for `actor` on the writer's connection, inside the caller's transaction. A rejected
// op undoes only its own writes and its outcome is recorded all the same (the ops run once
// without a savepoint each; if one is rejected, they run again from the start with one each). An op already recorded for this user returns that outcome and runs nothing.
// Storage failures throw; the caller's transaction then records nothing and the device retries.
// `settings` are the server's configured domain rules (ServeConfig: meeting notice, video links).
PushOutcome run_push(soci::session& sql, const passerelle::sync::Actor& actor,
                     const std::vector<passerelle::sync::Op>& ops, Timestamp now,
                     const passerelle::sync::MutationSettings& settings = {});

}  // namespace passerelle::server::sync
