// Server-only indexes over replicated rows, kept in the same transaction as the row write
// (ChangeLog::put/remove call them), so they are never out of step with the rows:
//  - file_refs: which rows refer to which uploaded file; reading such a row is what allows
//    downloading the file (GET /v1/blobs/<sha256>).
//  - message_inbox: per recipient, the messages they have not read yet; the e-mail digest
//    reads it (docs/messages.md). A message enters it for every thread member but its author
//    and leaves it when the member's read mark passes it or the message is deleted.
//  - row_keys: the key the dashboard finds a row by (row_keys_schema.h), so a coach's caseload
//    reads their candidates' rows by key instead of every row of the program.
//  - plan_step_summaries: per plan, what its steps add up to (plans::StepSummary), computed
//    again from row_keys whenever the plan or one of its steps is written or removed, so a
//    program's figures never read its steps.
// Tables: files_schema.h.
#pragma once

#include <boost/json/object.hpp>
#include <soci/session.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/time.h"
#include "storage/deferred_writes.h"

namespace passerelle::server::sync {

// The row_keys entry of a live row: a candidate profile's coach id, a plan step's plan id, the
// candidate id of a plan, thread, mentorship, meeting, referral or outcome; nullopt for others.
std::optional<std::string> dashboard_row_key(std::string_view collection, const boost::json::object& row);
// The row cut down to the fields indicators/indicators.h reads (row_keys.facts), serialized.
std::string dashboard_facts(const boost::json::object& row);

// Computes plan_step_summaries' entry of `plan_id` again from the row_keys entries of the plan
// and of the steps that name it (none when the plan is gone or lists no step of its own).
class StepSummaries {
 public:
  explicit StepSummaries(soci::session& sql);
  ~StepSummaries();
  void update(const std::string& plan_id);

 private:
  struct Statements;
  std::unique_ptr<Statements> st_;
};

// Lives as long as the ChangeLog that owns it (one transaction, one session); the statement a
// message send runs is prepared once for that life rather than once per row.
class Projections {
 public:
  explicit Projections(soci::session& sql);
  ~Projections();

  void put(passerelle::sync::RowStore& rows, std::string_view collection, std::string_view id,
           const boost::json::object& row, Timestamp now);
  void remove(std::string_view collection, std::string_view id);

  // A push's change log (batched modes) sets it: a plan's step summary is then recomputed once,
  // at update_summaries() (ChangeLog::flush, before the commit), however many of its steps the
  // push wrote (a plan made from a template writes 30). Otherwise at each write.
  bool defer_summaries = false;
  void update_summaries();

  // False for the migrations older than the row_keys table (9), whose rows it indexes itself
  // (and migration 11 their plans' step summaries).
  bool index_row_keys = true;
  // PostgreSQL push (ChangeLog's coalesced mode): inserts and upserts are queued there instead
  // of run at once; they are sent before any statement here reads or deletes what they write.
  storage::DeferredWrites* deferred = nullptr;

 private:
  void add_to_inboxes(passerelle::sync::RowStore& rows, const std::string& message_id,
                      const boost::json::object& message, Timestamp sent_at);

  void index_row_key(std::string_view collection, const std::string& id, const boost::json::object& row);

  // The plan a step's row_keys entry names now ("" when it has none).
  std::string indexed_plan_of(const std::string& step_id);

  struct InboxInsert;
  struct KeyUpsert;
  struct StepPlan;
  soci::session& sql_;
  std::unique_ptr<InboxInsert> inbox_insert_;
  std::unique_ptr<KeyUpsert> key_upsert_;
  std::unique_ptr<StepPlan> step_plan_;
  std::unique_ptr<StepSummaries> summaries_;
  std::set<std::string> dirty_plans_;  // deferred summaries (defer_summaries)
  void summary_changed(const std::string& plan_id);
  void send_deferred();
};

}  // namespace passerelle::server::sync
