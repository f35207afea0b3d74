// push and pull (docs/protocol.md, docs/sync.md); the poke event after each commit.
//
// push runs on the writer thread inside the group-commit batch and is answered only after the
// COMMIT returned, so an acknowledged op is durable. pull reads on a read connection from the
// worker pool: it never blocks an I/O thread nor waits behind the writer.
#include <soci/soci.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

#include "../log.h"
#include "../services.h"
#include "activities/activity_audit.h"
#include "activities/seats.h"
#include "audit/audit.h"
#include "calendar/calendar.h"
#include "employers/employer_audit.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/wire.h"
#include "passerelle/shared/time.h"
#include "sync/live.h"
#include "sync/pull.h"
#include "sync/push.h"
#include "sync/push_chains.h"
#include "../storage/db_error.h"

namespace passerelle::server::handlers {
namespace {

using net::Access;
using net::Context;
using net::Reply;
namespace ws = passerelle::sync;

// Decodes the ops of a push; the error names the offending field ("ops[3].op_id").
Result<std::vector<ws::Op>> read_ops(const boost::json::object& body) {
  JsonReader in(body);
  const boost::json::array& items = in.array("ops");
  if (in.ok() && items.empty()) in.fail("ops", "must hold at least one op");
  if (in.ok() && items.size() > ws::kMaxOpsPerPush)
    in.fail("ops", "holds " + std::to_string(items.size()) + " ops; at most " +
                       std::to_string(ws::kMaxOpsPerPush) + " per push");
  if (auto st = in.status(); !st) return st.error();
  std::vector<ws::Op> ops;
  ops.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto op = ws::op_from_json(items[i], "ops[" + std::to_string(i) + "]");
    if (!op) return op.error();
    ops.push_back(std::move(*op));
  }
  return ops;
}

// Putting a candidate in a caseload changes who may read their file: an account change for the
// audit log (docs/dashboard.md), written in the push's transaction.
void audit_account_changes(soci::session& sql, const ws::Actor& actor, const std::string& remote,
                           const std::vector<ws::Op>& ops, const std::vector<ws::OpResult>& results) {
  for (std::size_t i = 0; i < ops.size() && i < results.size(); ++i) {
    if (results[i].status == ws::OpStatus::applied) employers::audit_applied_op(sql, actor, remote, ops[i]);  // docs/employers.md
    if (ops[i].name != "caseload.assign" || results[i].status != ws::OpStatus::applied) continue;
    auto* candidate = ops[i].args.if_contains("candidate_id");
    auto* coach = ops[i].args.if_contains("coach_id");
    if (!candidate || !candidate->is_string() || !coach || !coach->is_string()) continue;
    audit::record(sql, audit::make_entry(actor.user_id, actor.role, remote, "caseload.assign",
                                         std::string(candidate->get_string()), {{"coach_id", coach->get_string()}}));
  }
}

void push(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  auto ops = read_ops(req.body);
  if (!ops) return reply.fail(ops.error());
  std::optional<std::int64_t> after;
  if (auto* a = req.body.if_contains(ws::kPushAfterField)) {
    if (!a->is_int64()) return reply.fail(ErrorCode::bad_request, std::string("field '") + ws::kPushAfterField + "' must be an integer");
    after = a->as_int64();
  }
  ws::Actor actor{ctx.user->id, ctx.user->role};
  auto started = std::chrono::steady_clock::now();
  auto outcome = std::make_shared<server::sync::PushOutcome>();
  auto to_mail = std::make_shared<std::vector<std::string>>();  // meetings whose e-mail is due after the commit
  auto poke = std::make_shared<server::sync::LivePoke>();
  ws::MutationSettings settings{std::chrono::hours(svc.config.meeting_notice_hours), svc.config.video_base_url};
  bool ack_early = svc.config.unsafe_ack_before_commit;  // the fault harness's control run only
  // PostgreSQL: the push before this one in its batch reads this one's ledger, counter and rows.
  auto ahead = svc.db.url().is_postgresql() ? server::sync::read_ahead_of(actor.user_id, *ops) : nullptr;
  svc.db.writer().submit(
      [actor, ops = std::move(*ops), outcome, to_mail, poke, settings, remote = ctx.remote_address, ack_early,
       reply, after, &chains = svc.push_chains, token = ctx.token_hash, id = req.id](soci::session& sql) -> Status {
        if (!chains.arrive(token, id, after))
          return Status(ErrorCode::internal, "the push this one follows failed; push both again");
        // A storage failure throws: the writer rolls this item back (nothing recorded) and
        // answers `internal`; the device pushes the same ops again. The pushes sent behind this
        // one must not run before it: they fail too (PushChains).
        try {
          *outcome = server::sync::run_push(sql, actor, ops, now_utc(), settings);
        } catch (...) {
          chains.failed(token, id);
          throw;
        }
        // A retried op (same user and op_id) is answered from its record and ran nothing now: it
        // writes no audit entry and sends no e-mail again (one act, one entry, one e-mail).
        const std::vector<ws::Op>* ran = &ops;
        const std::vector<ws::OpResult>* ran_results = &outcome->results;
        std::vector<ws::Op> fresh;
        std::vector<ws::OpResult> fresh_results;
        if (std::find(outcome->replayed.begin(), outcome->replayed.end(), true) != outcome->replayed.end()) {
          for (std::size_t i = 0; i < ops.size() && i < outcome->results.size(); ++i)
            if (!outcome->replayed[i]) fresh.push_back(ops[i]), fresh_results.push_back(outcome->results[i]);
          ran = &fresh;
          ran_results = &fresh_results;
        }
        audit_account_changes(sql, actor, remote, *ran, *ran_results);
        activities::audit_activity_ops(sql, actor, remote, *ran, *ran_results);
        activities::keep_seats(sql, ops, outcome->results);  // the database's guard on seats (migration 13)
        *to_mail = calendar::meetings_to_mail(sql, *ran, *ran_results);
        // The poke's frames, made here where the readers' `prev` cannot move (docs/sync.md).
        if (outcome->last_seq > 0 && !outcome->touched_users.empty())
          *poke = server::sync::live_poke(sql, outcome->written,  outcome->last_seq,
                                          {outcome->touched_users.begin(), outcome->touched_users.end()},
                                          outcome->readers_latest ? &*outcome->readers_latest : nullptr);
        outcome->written.clear();
        if (ack_early) {  // --unsafe-ack-before-commit: answered before COMMIT, a lie on purpose
          boost::json::array results;
          for (const auto& r : outcome->results) results.push_back(ws::to_json(r));
          reply.ok({{"results", std::move(results)}});
        }
        return Status::Ok();
      },
      [&svc, reply, outcome, to_mail, poke, started, user_id = actor.user_id, ack_early, token = ctx.token_hash,
       id = req.id](Status st) {
        // Failed after it ran (its batch's COMMIT, the connection lost): the pushes behind it
        // that come in later batches fail too. Called before the writer's next batch begins.
        if (!st) svc.push_chains.failed(token, id);
        if (!st && ack_early) return;  // already answered
        if (!st) {
          log::error("push_failed", {{"user_id", user_id}, {"message", st.error().message}});
          return reply.fail(ErrorCode::internal, "the ops could not be recorded; push them again");
        }
        // Post-commit hook: meeting e-mails with their .ics, from the committed rows (worker pool).
        calendar::mail_meetings(svc, std::move(*to_mail));
        // The answer and the pokes are built and sent on the hub's delivery thread, in commit
        // order: the writer begins its next batch meanwhile (they were 6 % of its samples under
        // the chat workload; docs/benchmarks.md, "Eleventh pass"). The answer still follows the
        // COMMIT, and the pusher's carried poke still follows its answer (both queued in turn on
        // the connection's strand).
        svc.hub.after_commit([&metrics = svc.metrics, &hub = svc.hub, reply, outcome, poke, started, user_id,
                              ack_early] {
          boost::json::array results;
          std::uint64_t applied = 0, rejected = 0;
          for (const auto& r : outcome->results) {
            (r.status == ws::OpStatus::applied ? applied : rejected) += 1;
            results.push_back(ws::to_json(r));
          }
          // Counted before answering so that whoever saw the answer also sees the count.
          metrics.push_done(applied, rejected,
                            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
          if (!ack_early) {
            boost::json::object answer{{"results", std::move(results)}};
            // A poke carrying this push's changes to the pusher follows this answer on the same
            // connection: a device that asked for carried pokes need not pull (docs/sync.md).
            if (poke->readers.count(user_id)) answer[ws::kLiveRowsField] = true;
            reply.ok(std::move(answer));
          }
          if (!poke->users.empty()) metrics.pokes_sent(hub.send_poke(*poke));
        });
      },
      /*flushes_first=*/true, std::move(ahead));  // run_push's first statement is a pipeline (storage/writer.h)
}

void pull(Services& svc, const Context& ctx, const protocol::Request& req, Reply reply) {
  JsonReader in(req.body);
  std::int64_t cursor = in.integer("cursor");
  auto limit = in.optional_integer("limit");
  auto full_horizon = in.optional_integer("full_horizon");
  if (in.ok() && cursor < 0) in.fail("cursor", "must be an integer >= 0");
  if (in.ok() && limit && (*limit < 1 || *limit > ws::kMaxPullLimit))
    in.fail("limit", "must be an integer between 1 and " + std::to_string(ws::kMaxPullLimit));
  if (in.ok() && full_horizon && *full_horizon < 0) in.fail("full_horizon", "must be an integer >= 0");
  if (auto st = in.status(); !st) return reply.fail(st.error());

  svc.workers.post([&svc, reply, user_id = ctx.user->id, group = ws::role_audience(ctx.user->role), cursor, limit = limit.value_or(ws::kDefaultPullLimit),
                    full_horizon] {
    server::sync::PullAnswer page;
    try {
      page = svc.db.read([&](soci::session& sql) {
        return server::sync::read_pull(sql, user_id, cursor, limit, full_horizon, group);
      });
    } catch (const std::exception& e) {
      log::error("pull_failed", storage::failure_fields(e, {{"user_id", user_id}}));
      return reply.fail(ErrorCode::internal, "the changes could not be read; pull again");
    }
    svc.metrics.pull_done(page.count);  // before the answer, as for push
    // The rows' stored JSON as it is (sync/change_text.h): parsing each row only to write it
    // again was most of a pull's cost here.
    reply.ok_members(page.members());
  });
}

}  // namespace

void register_sync_handlers(net::Dispatcher& d, Services& svc) {
  if (svc.config.unsafe_ack_before_commit)
    log::warn("UNSAFE_ACK_BEFORE_COMMIT",
              {{"message", "pushes are answered BEFORE their commit: a crash loses acknowledged writes. "
                           "For the fault harness's control run only (docs/faults.md); never in production."}});
  d.add("push", Access::authenticated, [&svc](const Context& c, const protocol::Request& r, Reply reply) {
    push(svc, c, r, std::move(reply));
  });
  d.add("pull", Access::authenticated, [&svc](const Context& c, const protocol::Request& r, Reply reply) {
    pull(svc, c, r, std::move(reply));
  });
}

}  // namespace passerelle::server::handlers
