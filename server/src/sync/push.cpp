#include "sync/push.h"

#include "storage/connection_cache.h"
#include "storage/deferred_writes.h"
#include "storage/dialect.h"
#include "sync/change_log.h"
#include "sync/file_catalog.h"
#include "sync/live.h"
#include "passerelle/shared/sync/collections.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace passerelle::server::sync {
using passerelle::sync::Op;
using passerelle::sync::OpResult;
using passerelle::sync::OpStatus;

namespace {

constexpr const char* kRecordSql =
    "INSERT INTO sync_ops (user_id, op_id, name, status, error_code, error_message, seq, applied_at_ms)"
    " VALUES (:u, :o, :n, :st, :c, :m, :s, :t)";

// The two per-op statements of a push, prepared once per connection and re-run for each op
// (see ChangeLog::Statements for why).
struct OpRecord {
  explicit OpRecord(soci::session& sql)
      : lookup((sql.prepare << "SELECT status, error_code, error_message FROM sync_ops WHERE user_id = :u AND op_id = :o",
                soci::use(user), soci::use(op_id), soci::into(status), soci::into(code, code_ind),
                soci::into(message, message_ind))),
        insert((sql.prepare << kRecordSql, soci::use(user), soci::use(op_id), soci::use(name), soci::use(status), soci::use(code, err_ind),
                soci::use(message, err_ind), soci::use(seq), soci::use(at))) {}

  std::string user, op_id, name, status, code, message;
  soci::indicator code_ind = soci::i_null, message_ind = soci::i_null, err_ind = soci::i_null;
  long long seq = 0, at = 0;
  soci::statement lookup, insert;
};

OpResult outcome_of(const std::string& op_id, const std::string& status, soci::indicator code_ind, const std::string& code,
                    soci::indicator message_ind, const std::string& message) {
  OpResult r{op_id, status == "applied" ? OpStatus::applied : OpStatus::rejected, std::nullopt};
  if (r.status == OpStatus::rejected)
    r.error = Error{parse_error_code(code_ind == soci::i_ok ? code : "").value_or(ErrorCode::internal),
                    message_ind == soci::i_ok ? message : std::string()};
  return r;
}

// The ops of a push already recorded. On PostgreSQL they are read in one query up front, and
// the outcomes this push records go to the deferred writes: the map answers for both (an op_id
// twice in one push gets its first outcome, as the ledger's lookup would give).
struct KnownOutcomes {
  bool preloaded = false;
  std::unordered_map<std::string, OpResult> by_op;
};

// The collections that the ops of each name read among their arguments' ids, learnt from the
// pushes before on this connection (PostgreSQL): a push reads those rows up front, in the
// pipeline of its ledger read, instead of one round trip per collection when its first op
// asks. A wrong guess costs a read in that same round trip; an unguessed collection is read as
// before, and learnt.
struct ReadHints {
  explicit ReadHints(soci::session&) {}
  static constexpr std::size_t kMaxNames = 256;  // op names are the mutators' (a short list)
  std::unordered_map<std::string, std::set<std::string, std::less<>>> by_name;
};

// The ledger's lookup of a whole push with the seq counter, and the rows its ops will read
// (PostgreSQL): the reads of its first pipeline. `collections` gets the collections read.
std::vector<storage::DeferredWrites::Read> first_reads(soci::session& sql, const std::string& user,
                                                       const std::vector<std::string>& op_ids,
                                                       const std::vector<std::string>& names,
                                                       const std::string& expected,
                                                       std::vector<std::string>& collections) {
  std::vector<storage::DeferredWrites::Read> reads;
  // With the seq counter, which the first change of the push would read in a statement of its own.
  reads.push_back({storage::op_outcomes_sql(), {storage::text_array(op_ids), user}});
  storage::Cached<ReadHints> hints(sql);
  std::set<std::string, std::less<>> asked;
  for (const auto& name : names)
    if (auto it = hints->by_name.find(name); it != hints->by_name.end()) asked.insert(it->second.begin(), it->second.end());
  collections.clear();
  if (expected == "{}" || asked.empty()) return reads;
  collections.assign(asked.begin(), asked.end());
  reads.push_back({storage::rows_and_audiences_of_sql(), {storage::text_array(collections), expected}});
  return reads;
}

// What first_reads' statements answered, into the push's ledger outcomes and change log.
void take_first_reads(ChangeLog& log, KnownOutcomes& known, const std::vector<std::string>& collections,
                      std::vector<storage::DeferredWrites::Rows>& rows) {
  if (rows.size() != (collections.empty() ? 1u : 2u)) throw std::runtime_error("sync_ops: an unexpected answer");
  bool counted = false;
  for (const auto& row : rows.front()) {
    if (row.size() != 4) throw std::runtime_error("sync_ops: an unexpected outcome row");
    if (!row[0]) {  // the counter's row
      if (!row[3]) throw std::runtime_error("sync_meta has no 'seq' counter");
      log.know_counter(std::stoll(*row[3]));
      counted = true;
      continue;
    }
    if (!row[1]) throw std::runtime_error("sync_ops: an unexpected outcome row");
    const std::string empty;
    known.by_op.insert_or_assign(*row[0], outcome_of(*row[0], *row[1], row[2] ? soci::i_ok : soci::i_null,
                                                     row[2].value_or(empty), row[3] ? soci::i_ok : soci::i_null,
                                                     row[3].value_or(empty)));
  }
  if (!counted) throw std::runtime_error("sync_meta has no 'seq' counter");
  known.preloaded = true;
  if (collections.empty()) return;
  std::map<std::string, storage::DeferredWrites::Rows, std::less<>> by_collection;
  for (const auto& c : collections) by_collection[c];
  for (auto& row : rows[1]) {
    if (row.size() != 4 || !row[0]) throw std::runtime_error("sync_rows: an unexpected row read");
    auto it = by_collection.find(*row[0]);
    if (it == by_collection.end()) throw std::runtime_error("sync_rows: a row of a collection not asked for");
    it->second.push_back({std::move(row[1]), std::move(row[2]), std::move(row[3])});
  }
  for (const auto& [c, of_c] : by_collection) log.take_expected(c, of_c);
}

std::vector<std::string> op_ids_of(const std::vector<Op>& ops) {
  std::vector<std::string> ids;
  ids.reserve(ops.size());
  for (const Op& op : ops) ids.push_back(op.op_id);
  return ids;
}

std::vector<std::string> names_of(const std::vector<Op>& ops) {
  std::vector<std::string> names;
  for (const Op& op : ops)
    if (std::find(names.begin(), names.end(), op.name) == names.end()) names.push_back(op.name);
  return names;
}

// What the push before this one read ahead for it (see PushReadAhead), if it holds: the same
// user and ops, read after that push's writes, and nothing sent on the connection since.
PushReadAhead* read_ahead_for(storage::DeferredWrites& deferred, const ChangeLog& log, const std::string& user,
                              const std::vector<Op>& ops) {
  auto* ahead = dynamic_cast<PushReadAhead*>(deferred.this_item().get());
  if (!ahead || !ahead->filled || ahead->filled_at != deferred.sends()) return nullptr;
  if (ahead->user != user || ahead->op_ids != op_ids_of(ops) || ahead->expected != log.expected_ids_text())
    return nullptr;
  return ahead;
}

// The push's first pipeline: what the deferred writes hold (the push's savepoint) and its
// reads, one round trip; or nothing at all when the push before it read them ahead (the
// savepoints then ride with this push's writes).
void preload(soci::session& sql, storage::DeferredWrites& deferred, ChangeLog& log, KnownOutcomes& known,
             const std::string& user, const std::vector<Op>& ops) {
  if (auto* ahead = read_ahead_for(deferred, log, user, ops)) {
    ahead->filled = false;  // its answers are this push's once
    take_first_reads(log, known, ahead->collections, ahead->rows);
    return;
  }
  std::vector<std::string> collections;
  auto reads = first_reads(sql, user, op_ids_of(ops), names_of(ops), log.expected_ids_text(), collections);
  auto rows = deferred.flush_and_read(reads);
  take_first_reads(log, known, collections, rows);
}

// What this push's ops read, for the next push on this connection (see ReadHints).
void learn_reads(soci::session& sql, const ChangeLog& log, const std::vector<Op>& ops) {
  const auto& read = log.expected_collections();
  if (read.empty()) return;
  storage::Cached<ReadHints> hints(sql);
  for (const Op& op : ops) {
    auto it = hints->by_name.find(op.name);
    if (it == hints->by_name.end()) {
      if (hints->by_name.size() >= ReadHints::kMaxNames) continue;
      it = hints->by_name.emplace(op.name, std::set<std::string, std::less<>>{}).first;
    }
    it->second.insert(read.begin(), read.end());
  }
}

// The short strings among the ops' arguments: the ids of the rows the mutators will read.
std::vector<std::string> argument_ids(const std::vector<Op>& ops) {
  constexpr std::size_t kMaxIdBytes = 64, kMaxIds = 4096;
  std::vector<std::string> ids;
  auto take = [&](const boost::json::value& v) {
    if (v.is_string() && !v.get_string().empty() && v.get_string().size() <= kMaxIdBytes && ids.size() < kMaxIds)
      ids.emplace_back(v.get_string());
  };
  for (const Op& op : ops) {
    for (const auto& [key, value] : op.args) {
      take(value);
      if (value.is_array())
        for (const auto& item : value.get_array()) take(item);
    }
  }
  return ids;
}

std::optional<OpResult> recorded_outcome(OpRecord& rec, KnownOutcomes& known, const std::string& user,
                                         const std::string& op_id) {
  if (auto it = known.by_op.find(op_id); it != known.by_op.end()) return it->second;
  if (known.preloaded) return std::nullopt;
  rec.user = user;
  rec.op_id = op_id;
  rec.code_ind = rec.message_ind = soci::i_null;
  if (!rec.lookup.execute(true)) return std::nullopt;
  OpResult r = outcome_of(op_id, rec.status, rec.code_ind, rec.code, rec.message_ind, rec.message);
  storage::finish(rec.lookup);  // one row at most (primary key)
  return r;
}

void record_outcome(OpRecord& rec, KnownOutcomes& known, storage::DeferredWrites* deferred, const std::string& user,
                    const Op& op, const OpResult& r, std::int64_t seq, Timestamp now) {
  if (deferred) {
    std::optional<std::string_view> code, message;
    std::string code_text = r.error ? std::string(to_string(r.error->code)) : std::string();
    if (r.error) code = code_text, message = r.error->message;
    deferred->add(kRecordSql, {user, op.op_id, op.name, r.status == OpStatus::applied ? "applied" : "rejected", code,
                               message, std::to_string(seq), std::to_string(to_unix_ms(now))});
    known.by_op.emplace(op.op_id, r);
    return;
  }
  rec.user = user;
  rec.op_id = op.op_id;
  rec.name = op.name;
  rec.status = r.status == OpStatus::applied ? "applied" : "rejected";
  rec.code = r.error ? std::string(to_string(r.error->code)) : std::string();
  rec.message = r.error ? r.error->message : std::string();
  rec.err_ind = r.error ? soci::i_ok : soci::i_null;
  rec.seq = seq;
  rec.at = to_unix_ms(now);
  rec.insert.execute(true);
}

// Runs the ops in order. With `per_op_savepoints` each op gets its own savepoint and a rejected
// op undoes only its own writes. Without, a rejection stops the run and returns nullopt: the
// caller rolls everything back and runs again with them. Nearly every push is all accepted, and
// the two statements and the journal work of a savepoint per op were a fifth of a push's time.
std::optional<PushOutcome> run_ops(soci::session& sql, const passerelle::sync::Actor& actor,
                                   const std::vector<Op>& ops, Timestamp now,
                                   const passerelle::sync::MutationSettings& settings, bool per_op_savepoints,
                                   const char* release_sql) {
  PushOutcome out;
  // Without savepoints nothing is rolled back to a mark, so row writes may be held and
  // coalesced (a thread written once per message is written once per push).
  ChangeLog log(sql, now, per_op_savepoints ? ChangeLog::Mode::batched : ChangeLog::Mode::coalesced);
  log.capture_into(&out.written);
  SqlFileCatalog files(sql, passerelle::sync::role_audience(actor.role), [&log] { log.write_pending(); });
  storage::Cached<OpRecord> cached_rec(sql);
  OpRecord& rec = *cached_rec;
  storage::DeferredWrites* deferred = log.deferred();
  KnownOutcomes known;
  if (deferred) {
    log.expect_reads(argument_ids(ops));
    preload(sql, *deferred, log, known, actor.user_id, ops);
  }
  for (const Op& op : ops) {
    if (auto seen = recorded_outcome(rec, known, actor.user_id, op.op_id)) {
      out.results.push_back(std::move(*seen));
      out.replayed.push_back(true);
      continue;
    }
    if (per_op_savepoints) sql << "SAVEPOINT passerelle_op";
    auto mark = log.mark();
    passerelle::sync::MutationContext ctx{actor, log, now, op.op_id, true, &files};
    ctx.settings = settings;  // server configuration of domain rules (meeting notice, video links)
    Status st;
    try {
      st = passerelle::sync::run_mutator(ctx, op.name, op.args);
    } catch (...) {
      log.discard_deferred();  // nothing queued may outlive the rollback
      if (per_op_savepoints) {
        sql << "ROLLBACK TO SAVEPOINT passerelle_op";
        sql << "RELEASE SAVEPOINT passerelle_op";
      }
      throw;
    }
    OpResult r{op.op_id, OpStatus::applied, std::nullopt};
    if (!st) {
      if (!per_op_savepoints) {
        log.discard_deferred();  // the caller rolls back to before this run
        return std::nullopt;
      }
      sql << "ROLLBACK TO SAVEPOINT passerelle_op";
      log.rewind(mark);
      r.status = OpStatus::rejected;
      r.error = st.error();
    }
    record_outcome(rec, known, deferred, actor.user_id, op, r, st ? log.last_seq() : 0, now);
    if (per_op_savepoints) sql << "RELEASE SAVEPOINT passerelle_op";
    out.results.push_back(std::move(r));
    out.replayed.push_back(false);
  }
  try {
    // The readers' latest changes for the live poke (sync/live.h), in the writes' pipeline;
    // then what the next push in this batch reads first, after these writes (PushReadAhead).
    std::shared_ptr<PushReadAhead> next;
    if (deferred) next = std::dynamic_pointer_cast<PushReadAhead>(deferred->next_item());
    bool latest_asked = false;
    auto rows = log.flush_and_read(release_sql, [&] {
      std::vector<storage::DeferredWrites::Read> reads;
      if (auto names = poke_reader_names(out.written); !names.empty()) {
        std::int64_t first = out.written.front().seq;
        for (const auto& w : out.written) first = std::min(first, w.seq);
        reads.push_back({storage::readers_latest_sql(),
                         {std::to_string(first), std::to_string(first), storage::text_array(names)}});
        latest_asked = true;
      }
      if (next) {
        next->filled = false;
        auto ahead = first_reads(sql, next->user, next->op_ids, next->names, next->expected, next->collections);
        reads.insert(reads.end(), std::make_move_iterator(ahead.begin()), std::make_move_iterator(ahead.end()));
      }
      return reads;
    });
    if (next && !rows.empty()) {
      const std::size_t own = latest_asked ? 1 : 0;
      next->rows.assign(std::make_move_iterator(rows.begin() + own), std::make_move_iterator(rows.end()));
      rows.resize(own);
      next->filled = true;
      next->filled_at = deferred->sends();
    }
    if (!rows.empty()) {
      auto& latest = out.readers_latest.emplace();
      for (const auto& row : rows.front())
        if (row.size() == 2 && row[0]) latest[*row[0]] = row[1] ? std::stoll(*row[1]) : 0;
    }
  } catch (...) {
    log.discard_deferred();
    throw;
  }
  if (deferred) learn_reads(sql, log, ops);
  out.touched_users = log.touched_users();
  out.last_seq = log.last_seq();
  return out;
}

// The push's own savepoint on a connection that runs statements one by one (SQLite), prepared
// once per connection: `sql << "SAVEPOINT ..."` compiled both statements again for every push,
// about 3 % of the writer thread's time in the chat benchmark (docs/benchmarks.md, "Fourth pass").
struct PushSavepoint {
  static constexpr const char* kOpen = "SAVEPOINT passerelle_push";
  static constexpr const char* kRelease = "RELEASE SAVEPOINT passerelle_push";
  explicit PushSavepoint(soci::session& sql) : open((sql.prepare << kOpen)), release((sql.prepare << kRelease)) {}
  soci::statement open, release;
};

}  // namespace

std::shared_ptr<PushReadAhead> read_ahead_of(const std::string& user, const std::vector<Op>& ops) {
  auto ahead = std::make_shared<PushReadAhead>();
  ahead->user = user;
  ahead->op_ids = op_ids_of(ops);
  ahead->names = names_of(ops);
  ahead->expected = ChangeLog::expected_ids_text_of(argument_ids(ops));
  return ahead;
}

PushOutcome run_push(soci::session& sql, const passerelle::sync::Actor& actor, const std::vector<Op>& ops,
                     Timestamp now, const passerelle::sync::MutationSettings& settings) {
  storage::Cached<storage::DeferredWrites> deferred(sql);
  deferred->discard();  // nothing from an earlier, failed use of this connection
  // On PostgreSQL each statement is a round trip: the savepoint goes in the pipeline of the
  // ledger's read, which is run_ops' first statement, and its release in the pipeline of the
  // push's writes, after them (ChangeLog::flush).
  constexpr const char* kSavepoint = PushSavepoint::kOpen;
  constexpr const char* kRelease = PushSavepoint::kRelease;
  // The queue is the ChangeLog's only on a Database's connection (ChangeLog's constructor).
  const bool queued = deferred->available() && storage::ConnectionCache::of(sql);
  const std::uint64_t sends_before = deferred->sends();
  // Without the queue the savepoint's two statements are the connection's prepared ones, and
  // the release runs after the push's writes here rather than as ChangeLog::flush's `then`.
  std::optional<storage::Cached<PushSavepoint>> savepoint;
  if (queued) {
    deferred->add(kSavepoint, {});
  } else {
    savepoint.emplace(sql);
    (*savepoint)->open.execute(true);
  }
  const char* release = queued ? kRelease : nullptr;
  try {
    auto out = run_ops(sql, actor, ops, now, settings, false, release);
    if (!out) {
      if (queued && deferred->sends() == sends_before) {
        // Read ahead (PushReadAhead), the push sent nothing yet, not even its savepoints: they
        // go now, ahead of the run with a savepoint per op, which reads again for itself.
        deferred->discard();
        deferred->add(kSavepoint, {});
        deferred->flush();
      } else {
        sql << "ROLLBACK TO SAVEPOINT passerelle_push";
      }
      out = run_ops(sql, actor, ops, now, settings, true, release);
    }
    if (savepoint) (*savepoint)->release.execute(true);
    return std::move(*out);
  } catch (...) {
    deferred->discard();
    // A savepoint that never left the queue is not there to roll back to (and the failed
    // ROLLBACK would abort the writer's whole batch).
    if (queued && deferred->sends() == sends_before) throw;
    try {
      sql << "ROLLBACK TO SAVEPOINT passerelle_push";
      sql << "RELEASE SAVEPOINT passerelle_push";
    } catch (...) {
      // The caller's transaction fails with the first error; this one adds nothing.
    }
    throw;
  }
}

}  // namespace passerelle::server::sync
