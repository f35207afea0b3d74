#include "sync/projections.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <soci/soci.h>

#include <unordered_map>

#include "passerelle/shared/messages/files.h"
#include "passerelle/shared/messages/receipts.h"
#include "passerelle/shared/plans/progress.h"
#include "passerelle/shared/sync/collections.h"
#include "passerelle/shared/sync/row_fields.h"
#include "storage/connection_cache.h"

namespace passerelle::server::sync {
namespace json = boost::json;
namespace collection = passerelle::sync::collection;

namespace {

constexpr const char* kFileRefSql =
    "INSERT INTO file_refs (sha256, collection, row_id) VALUES (:h, :c, :i) ON CONFLICT DO NOTHING";
constexpr const char* kKeyUpsertSql =
    "INSERT INTO row_keys (collection, row_id, row_key, facts) VALUES (:c, :i, :k, :f)"
    " ON CONFLICT (collection, row_id) DO UPDATE SET row_key = excluded.row_key, facts = excluded.facts";
// The common case of a row written again under the same key (a thread at each message): SQLite
// rewrites row_keys_by_key for any upsert that sets row_key, equal or not, so the facts alone
// are updated first and the upsert runs only when that found nothing.
constexpr const char* kFactsUpdateSql =
    "UPDATE row_keys SET facts = :f WHERE collection = :c AND row_id = :i AND row_key = :k";
constexpr const char* kInboxInsertSql =
    "INSERT INTO message_inbox (user_id, message_id, thread_id, n, sent_at_ms)"
    " VALUES (:u, :m, :t, :n, :s) ON CONFLICT DO NOTHING";

void index_file_refs(soci::session& sql, storage::DeferredWrites* deferred, const std::string& c, const std::string& i,
                     const json::object& row) {
  auto refs = files::referenced_files(row);
  if (refs.empty()) return;  // rows only gain references (evidence is appended, messages never edited)
  for (auto& sha : refs) {
    if (deferred) deferred->add(kFileRefSql, {sha, c, i});
    else sql << kFileRefSql, soci::use(sha), soci::use(c), soci::use(i);
  }
}

void clear_read(soci::session& sql, const json::object& receipt) {
  std::string user = passerelle::sync::row_string(receipt, "user_id"), thread = passerelle::sync::row_string(receipt, "thread_id");
  long long read_n = messages::read_marks(receipt).read_n;
  sql << "DELETE FROM message_inbox WHERE user_id = :u AND thread_id = :t AND n <= :n", soci::use(user),
      soci::use(thread), soci::use(read_n);
}

}  // namespace

std::optional<std::string> dashboard_row_key(std::string_view c, const json::object& row) {
  if (c == collection::profiles) {
    if (passerelle::sync::row_string(row, "role") != "candidate") return std::nullopt;
    return passerelle::sync::row_string(row, "coach_id");
  }
  if (c == collection::plan_steps) return passerelle::sync::row_string(row, "plan_id");
  if (c == collection::plans || c == collection::threads || c == "mentorships" || c == "meetings" ||
      c == "referrals" || c == "outcomes")
    return passerelle::sync::row_string(row, "candidate_id");
  // Employers and activities (issue 21's indicators, docs/dashboard.md): a candidate's proposals,
  // internships and registrations and her career profile (her occupation) by her id; activities
  // by organizer, needs by employer, employer profiles by their own id (read by id).
  if (c == "employer_proposals" || c == "internships" || c == "activity_registrations")
    return passerelle::sync::row_string(row, "candidate_id");
  if (c == "career_profiles" || c == "employer_profiles") return passerelle::sync::row_string(row, "id");
  if (c == "activities") return passerelle::sync::row_string(row, "organizer_id");
  if (c == "employer_needs") return passerelle::sync::row_string(row, "employer_id");
  return std::nullopt;
}

std::string dashboard_facts(const json::object& row) {
  // Every field indicators.cpp and plans/progress.cpp read from any of the indexed rows; the
  // comparison test (tests/server/program_rows_test.cpp) fails when a figure reads another.
  static constexpr std::string_view kFields[] = {
      "id", "role", "name", "country", "time_zone", "planned_arrival", "cohort", "coach_id", "coach_thread_id",
      "plan_id", "candidate_id", "step_ids", "created_at", "status", "due_date", "last_activity_at", "last_n",
      "last_message_at", "kind", "outcome", "start", "parent_id", "date",
      // employers and activities
      "occupation_code", "occupation_codes", "employer_id", "employer_ids", "need_id", "activity_id", "attended",
      "outcome_at", "proposed_at"};
  json::object facts;
  for (auto f : kFields)
    if (auto it = row.find(f); it != row.end()) facts[f] = it->value();
  return json::serialize(facts);
}

struct Projections::KeyUpsert {
  explicit KeyUpsert(soci::session& sql)
      : st((sql.prepare << kKeyUpsertSql, soci::use(collection), soci::use(id), soci::use(key), soci::use(facts))),
        same_key((sql.prepare << kFactsUpdateSql, soci::use(facts), soci::use(collection), soci::use(id),
                  soci::use(key))) {}
  std::string collection, id, key, facts;  // bound before the statements, which refer to them
  soci::statement st, same_key;
};

struct StepSummaries::Statements {
  explicit Statements(soci::session& sql)
      : plan((sql.prepare << "SELECT facts FROM row_keys WHERE collection = 'plans' AND row_id = :p",
              soci::into(facts, facts_ind), soci::use(plan_id))),
        steps((sql.prepare << "SELECT facts FROM row_keys WHERE collection = 'plan_steps' AND row_key = :p",
               soci::into(facts, facts_ind), soci::use(plan_id))),
        upsert((sql.prepare << "INSERT INTO plan_step_summaries (plan_id, summary) VALUES (:p, :s)"
                               " ON CONFLICT (plan_id) DO UPDATE SET summary = excluded.summary",
                soci::use(plan_id), soci::use(summary))),
        erase((sql.prepare << "DELETE FROM plan_step_summaries WHERE plan_id = :p", soci::use(plan_id))) {}
  std::string plan_id, facts, summary;  // bound before the statements, which refer to them
  soci::indicator facts_ind = soci::i_null;
  soci::statement plan, steps, upsert, erase;
};

StepSummaries::StepSummaries(soci::session& sql) : st_(std::make_unique<Statements>(sql)) {}
StepSummaries::~StepSummaries() = default;

void StepSummaries::update(const std::string& plan_id) {
  auto& st = *st_;
  st.plan_id = plan_id;
  st.facts_ind = soci::i_null;
  st.plan.execute(true);
  std::optional<json::object> plan;
  if (st.plan.got_data() && st.facts_ind == soci::i_ok) {
    boost::system::error_code ec;
    auto v = json::parse(st.facts, ec);
    if (!ec && v.is_object()) plan = std::move(v.as_object());
  }
  // Run to its end: a SQLite statement left on a row keeps its read snapshot after COMMIT, and
  // the writer's next BEGIN IMMEDIATE then fails (SQLITE_BUSY) once anyone else has written.
  storage::finish(st.plan);
  const json::value* ids = plan ? plan->if_contains("step_ids") : nullptr;
  if (!ids || !ids->is_array() || ids->get_array().empty()) {
    st.erase.execute(true);
    return;
  }
  std::unordered_map<std::string, json::object> own;  // the steps that name this plan, by id
  st.steps.execute();
  while (st.steps.fetch()) {
    boost::system::error_code ec;
    auto v = json::parse(st.facts, ec);
    if (!ec && v.is_object()) {
      std::string id = passerelle::sync::row_string(v.as_object(), "id");
      own.insert_or_assign(std::move(id), std::move(v.as_object()));
    }
  }
  std::vector<const json::object*> listed;
  for (const auto& sid : ids->get_array())
    if (sid.is_string())
      if (auto it = own.find(std::string(sid.get_string())); it != own.end()) listed.push_back(&it->second);
  if (listed.empty()) {
    st.erase.execute(true);
    return;
  }
  st.summary = json::serialize(plans::to_json(plans::summarize_steps(listed)));
  st.upsert.execute(true);
}

struct Projections::StepPlan {
  explicit StepPlan(soci::session& sql)
      : st((sql.prepare << "SELECT row_key FROM row_keys WHERE collection = 'plan_steps' AND row_id = :i",
            soci::into(key, ind), soci::use(id))) {}
  std::string id, key;  // bound before `st`, which refers to them
  soci::indicator ind = soci::i_null;
  soci::statement st;
};

void Projections::send_deferred() {
  if (deferred) deferred->flush();
}

void Projections::summary_changed(const std::string& plan_id) {
  if (defer_summaries) {
    dirty_plans_.insert(plan_id);
    return;
  }
  send_deferred();  // the summary reads row_keys
  if (!summaries_) summaries_ = std::make_unique<StepSummaries>(sql_);
  summaries_->update(plan_id);
}

void Projections::update_summaries() {
  if (dirty_plans_.empty()) return;
  send_deferred();  // the summaries read row_keys
  if (!summaries_) summaries_ = std::make_unique<StepSummaries>(sql_);
  std::set<std::string> plans = std::move(dirty_plans_);
  dirty_plans_.clear();
  for (const auto& id : plans) summaries_->update(id);
}

std::string Projections::indexed_plan_of(const std::string& step_id) {
  send_deferred();  // it reads row_keys
  // Prepared once: a plan's creation writes every step of the template.
  if (!step_plan_) step_plan_ = std::make_unique<StepPlan>(sql_);
  auto& q = *step_plan_;
  q.id = step_id;
  q.ind = soci::i_null;
  q.st.execute(true);
  std::string key = q.st.got_data() && q.ind == soci::i_ok ? q.key : std::string();
  storage::finish(q.st);  // no snapshot kept past the transaction (see StepSummaries::update)
  return key;
}

void Projections::index_row_key(std::string_view collection_name, const std::string& id, const json::object& row) {
  auto key = dashboard_row_key(collection_name, row);
  if (!key) {
    // A profile whose role is no longer candidate leaves the index; other collections never enter.
    if (collection_name == collection::profiles) {
      send_deferred();  // after any queued upsert of this row
      std::string c(collection_name);
      sql_ << "DELETE FROM row_keys WHERE collection = :c AND row_id = :i", soci::use(c), soci::use(id);
    }
    return;
  }
  if (!key_upsert_) key_upsert_ = std::make_unique<KeyUpsert>(sql_);
  key_upsert_->collection.assign(collection_name);
  key_upsert_->id = id;
  key_upsert_->key = std::move(*key);
  std::string before;  // a step's plan until now: its summary loses the step when it moves
  if (collection_name == collection::plan_steps) before = indexed_plan_of(id);
  key_upsert_->facts = dashboard_facts(row);
  if (deferred) {
    // PostgreSQL compares the indexed values itself (an unchanged key is a heap-only update):
    // one statement, pipelined.
    deferred->add(kKeyUpsertSql, {key_upsert_->collection, key_upsert_->id, key_upsert_->key, key_upsert_->facts});
  } else {
    key_upsert_->same_key.execute(true);
    if (key_upsert_->same_key.get_affected_rows() == 0) key_upsert_->st.execute(true);
  }
  if (collection_name == collection::plans || collection_name == collection::plan_steps) {
    const std::string& plan = collection_name == collection::plans ? id : key_upsert_->key;
    if (!plan.empty()) summary_changed(plan);
    if (collection_name == collection::plan_steps && !before.empty() && before != plan) summary_changed(before);
  }
}

struct Projections::InboxInsert {
  explicit InboxInsert(soci::session& sql)
      : st((sql.prepare << kInboxInsertSql, soci::use(user), soci::use(message_id), soci::use(thread_id), soci::use(n), soci::use(at))) {}
  std::string user, message_id, thread_id;  // bound before `st`, which refers to them
  long long n = 0, at = 0;
  soci::statement st;
};

Projections::Projections(soci::session& sql) : sql_(sql) {}
Projections::~Projections() = default;

void Projections::add_to_inboxes(passerelle::sync::RowStore& rows, const std::string& message_id,
                                 const json::object& message, Timestamp sent_at) {
  std::string thread_id = passerelle::sync::row_string(message, "thread_id");
  std::string author = passerelle::sync::row_string(message, "author_id");
  auto thread = rows.get(collection::threads, thread_id);
  if (!thread) return;
  auto members = thread->find("members");
  if (members == thread->end() || !members->value().is_array()) return;
  if (!inbox_insert_) inbox_insert_ = std::make_unique<InboxInsert>(sql_);
  auto& ins = *inbox_insert_;
  ins.message_id = message_id;
  ins.thread_id = thread_id;
  ins.n = messages::message_number(message);
  ins.at = to_unix_ms(sent_at);
  for (const auto& m : members->value().get_array()) {
    if (!m.is_string() || m.get_string() == author) continue;
    ins.user.assign(m.get_string());
    if (deferred)
      deferred->add(kInboxInsertSql, {ins.user, ins.message_id, ins.thread_id, std::to_string(ins.n), std::to_string(ins.at)});
    else
      ins.st.execute(true);
  }
}

void Projections::put(passerelle::sync::RowStore& rows, std::string_view collection_name, std::string_view id,
                      const json::object& row, Timestamp now) {
  std::string c(collection_name), i(id);
  index_file_refs(sql_, deferred, c, i, row);
  if (index_row_keys) index_row_key(collection_name, i, row);
  if (collection_name == collection::messages) add_to_inboxes(rows, i, row, now);
  else if (collection_name == collection::receipts) {
    send_deferred();  // the inboxes it clears may be queued
    clear_read(sql_, row);
  }
}

void Projections::remove(std::string_view collection_name, std::string_view id) {
  send_deferred();  // the deletes below follow the queued inserts
  std::string c(collection_name), i(id);
  sql_ << "DELETE FROM file_refs WHERE collection = :c AND row_id = :i", soci::use(c), soci::use(i);
  if (index_row_keys) {
    std::string plan;  // whose step summary changes
    if (collection_name == collection::plans) plan = i;
    else if (collection_name == collection::plan_steps) plan = indexed_plan_of(i);
    sql_ << "DELETE FROM row_keys WHERE collection = :c AND row_id = :i", soci::use(c), soci::use(i);
    if (!plan.empty()) summary_changed(plan);
  }
  if (collection_name == collection::messages) sql_ << "DELETE FROM message_inbox WHERE message_id = :i", soci::use(i);
}

}  // namespace passerelle::server::sync
