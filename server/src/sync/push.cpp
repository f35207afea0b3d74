#include "sync/push.h"

#include "storage/connection_cache.h"
#include "sync/change_log.h"
#include "sync/file_catalog.h"
#include "passerelle/shared/sync/collections.h"

namespace passerelle::server::sync {
using passerelle::sync::Op;
using passerelle::sync::OpResult;
using passerelle::sync::OpStatus;

namespace {

// The two per-op statements of a push, prepared once per connection and re-run for each op
// (see ChangeLog::Statements for why).
struct OpRecord {
  explicit OpRecord(soci::session& sql)
      : lookup((sql.prepare << "SELECT status, error_code, error_message FROM sync_ops WHERE user_id = :u AND op_id = :o",
                soci::use(user), soci::use(op_id), soci::into(status), soci::into(code, code_ind),
                soci::into(message, message_ind))),
        insert((sql.prepare << "INSERT INTO sync_ops (user_id, op_id, name, status, error_code, error_message, seq, applied_at_ms)"
                               " VALUES (:u, :o, :n, :st, :c, :m, :s, :t)",
                soci::use(user), soci::use(op_id), soci::use(name), soci::use(status), soci::use(code, err_ind),
                soci::use(message, err_ind), soci::use(seq), soci::use(at))) {}

  std::string user, op_id, name, status, code, message;
  soci::indicator code_ind = soci::i_null, message_ind = soci::i_null, err_ind = soci::i_null;
  long long seq = 0, at = 0;
  soci::statement lookup, insert;
};

std::optional<OpResult> recorded_outcome(OpRecord& rec, const std::string& user, const std::string& op_id) {
  rec.user = user;
  rec.op_id = op_id;
  rec.code_ind = rec.message_ind = soci::i_null;
  if (!rec.lookup.execute(true)) return std::nullopt;
  OpResult r{op_id, rec.status == "applied" ? OpStatus::applied : OpStatus::rejected, std::nullopt};
  if (r.status == OpStatus::rejected)
    r.error = Error{parse_error_code(rec.code_ind == soci::i_ok ? rec.code : "").value_or(ErrorCode::internal),
                    rec.message_ind == soci::i_ok ? rec.message : std::string()};
  storage::finish(rec.lookup);  // one row at most (primary key)
  return r;
}

void record_outcome(OpRecord& rec, const std::string& user, const Op& op, const OpResult& r, std::int64_t seq,
                    Timestamp now) {
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
                                   const passerelle::sync::MutationSettings& settings, bool per_op_savepoints) {
  PushOutcome out;
  // Without savepoints nothing is rolled back to a mark, so row writes may be held and
  // coalesced (a thread written once per message is written once per push).
  ChangeLog log(sql, now, per_op_savepoints ? ChangeLog::Mode::batched : ChangeLog::Mode::coalesced);
  log.capture_into(&out.written);
  SqlFileCatalog files(sql, passerelle::sync::role_audience(actor.role), [&log] { log.write_pending(); });
  storage::Cached<OpRecord> cached_rec(sql);
  OpRecord& rec = *cached_rec;
  for (const Op& op : ops) {
    if (auto seen = recorded_outcome(rec, actor.user_id, op.op_id)) {
      out.results.push_back(std::move(*seen));
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
      if (per_op_savepoints) {
        sql << "ROLLBACK TO SAVEPOINT passerelle_op";
        sql << "RELEASE SAVEPOINT passerelle_op";
      }
      throw;
    }
    OpResult r{op.op_id, OpStatus::applied, std::nullopt};
    if (!st) {
      if (!per_op_savepoints) return std::nullopt;
      sql << "ROLLBACK TO SAVEPOINT passerelle_op";
      log.rewind(mark);
      r.status = OpStatus::rejected;
      r.error = st.error();
    }
    record_outcome(rec, actor.user_id, op, r, st ? log.last_seq() : 0, now);
    if (per_op_savepoints) sql << "RELEASE SAVEPOINT passerelle_op";
    out.results.push_back(std::move(r));
  }
  log.flush();
  out.touched_users = log.touched_users();
  out.last_seq = log.last_seq();
  return out;
}

}  // namespace

PushOutcome run_push(soci::session& sql, const passerelle::sync::Actor& actor, const std::vector<Op>& ops,
                     Timestamp now, const passerelle::sync::MutationSettings& settings) {
  sql << "SAVEPOINT passerelle_push";
  try {
    auto out = run_ops(sql, actor, ops, now, settings, false);
    if (!out) {
      sql << "ROLLBACK TO SAVEPOINT passerelle_push";
      out = run_ops(sql, actor, ops, now, settings, true);
    }
    sql << "RELEASE SAVEPOINT passerelle_push";
    return std::move(*out);
  } catch (...) {
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
