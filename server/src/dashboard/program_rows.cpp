#include "dashboard/program_rows.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <iterator>
#include <map>
#include <set>
#include <unordered_set>

#include "storage/profiles.h"

#include "passerelle/shared/plans/progress.h"

#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::server::dashboard {
namespace json = boost::json;
using protocol::Role;

std::vector<json::object> live_rows(soci::session& sql, const std::string& collection) {
  std::vector<json::object> out;
  soci::rowset<std::string> rs =
      (sql.prepare << "SELECT data FROM sync_rows WHERE collection = :c AND deleted = 0 ORDER BY id", soci::use(collection));
  for (const auto& data : rs) {
    boost::system::error_code ec;
    auto v = json::parse(data, ec);
    if (!ec && v.is_object()) out.push_back(std::move(v.as_object()));
  }
  return out;
}

namespace {

// Keeps the rows whose `key` names one of `ids`.
std::vector<json::object> only(std::vector<json::object> rows, const std::unordered_set<std::string>& ids, std::string_view key) {
  std::vector<json::object> out;
  for (auto& r : rows)
    if (ids.count(passerelle::sync::row_string(r, key))) out.push_back(std::move(r));
  return out;
}

// A plan's facts without its `step_ids` member: the rows read here come with the plan's step
// summary, which stands for its steps, and the ids were most of a program's facts (30 per plan).
// The facts are serialized JSON, where a quote inside a string is always escaped, so the member's
// name cannot occur inside a value; its array is skipped by brackets outside strings.
std::string_view without_step_ids(std::string_view facts, std::string& buffer) {
  static constexpr std::string_view kKey = "\"step_ids\":[";
  auto at = facts.find(kKey);
  if (at == std::string_view::npos) return facts;
  std::size_t i = at + kKey.size();
  int depth = 1;
  bool in_string = false;
  for (; i < facts.size() && depth > 0; ++i) {
    char c = facts[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') in_string = true;
    else if (c == '[' || c == '{') ++depth;
    else if (c == ']' || c == '}') --depth;
  }
  if (depth != 0) return facts;  // not as serialized: parse it whole
  std::size_t from = at, to = i;
  if (to < facts.size() && facts[to] == ',') ++to;  // "step_ids":[...], the next member
  else if (from > 0 && facts[from - 1] == ',') --from;  // ,"step_ids":[...] the last member
  buffer.assign(facts.substr(0, from));
  buffer.append(facts.substr(to));
  return buffer;
}

// Parses a row_keys.facts column into `out` (the row cut down to what the figures read). The
// rows of one request share one monotonic arena (json::storage_ptr is reference counted:
// it goes with the last row), so hundreds of thousands of small rows cost no malloc each.
void add_facts(const std::string& text, std::vector<json::object>& out, const json::storage_ptr& arena) {
  thread_local std::string buffer;
  std::string_view facts = without_step_ids(text, buffer);
  boost::system::error_code ec;
  auto v = json::parse(facts, ec, arena);
  if (!ec && v.is_object()) out.push_back(std::move(v.as_object()));
}

// The rows of a collection with one key (sync/row_keys_schema.h), in id order as a collection
// scan gives them. One statement, prepared once per request, run once per key.
class KeyedRows {
 public:
  KeyedRows(soci::session& sql, json::storage_ptr arena)
      : arena_(std::move(arena)),
        st_((sql.prepare << "SELECT facts FROM row_keys WHERE collection = :c AND row_key = :k ORDER BY row_id",
             soci::into(facts_), soci::use(collection_), soci::use(key_))) {}

  void read(std::string_view collection, const std::string& key, std::vector<json::object>& out) {
    collection_.assign(collection);
    key_ = key;
    st_.execute();
    while (st_.fetch()) add_facts(facts_, out, arena_);
  }

 private:
  json::storage_ptr arena_;
  std::string facts_, collection_, key_;  // bound before `st_`, which refers to them
  soci::statement st_;
};

// Every indexed row of a collection, in id order.
std::vector<json::object> all_rows(soci::session& sql, const std::string& collection, const json::storage_ptr& arena) {
  std::vector<json::object> out;
  soci::rowset<std::string> rs =
      (sql.prepare << "SELECT facts FROM row_keys WHERE collection = :c ORDER BY row_id", soci::use(collection));
  for (const auto& facts : rs) add_facts(facts, out, arena);
  return out;
}

constexpr std::string_view kByCandidate[] = {"plans", "threads", "mentorships", "meetings", "referrals", "outcomes"};

void add_unread(soci::session& sql, const protocol::UserInfo& viewer, indicators::ProgramRows& rows) {
  std::map<std::string, std::string> thread_candidate;
  for (const auto& t : rows.threads) thread_candidate[passerelle::sync::row_string(t, "id")] = passerelle::sync::row_string(t, "candidate_id");
  // Typed into() rather than soci::row: an aggregate has no declared column type in SQLite.
  std::string thread_id;
  long long count = 0;
  soci::statement st = (sql.prepare << "SELECT thread_id, COUNT(*) FROM message_inbox WHERE user_id = :u"
                                       " GROUP BY thread_id",
                        soci::into(thread_id), soci::into(count), soci::use(viewer.id));
  st.execute();
  while (st.fetch()) {
    auto it = thread_candidate.find(thread_id);
    if (it != thread_candidate.end()) rows.unread_by_candidate[it->second] += count;
  }
}

// A step summary as stored (plan_step_summaries), or an empty one.
plans::StepSummary parse_summary(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return {};
  return plans::step_summary_from_json(v).value_or(plans::StepSummary{});
}

// The step summaries of `rows.plans`, one indexed lookup per plan.
void add_summaries(soci::session& sql, indicators::ProgramRows& rows) {
  std::string plan_id, summary;
  soci::statement st = (sql.prepare << "SELECT summary FROM plan_step_summaries WHERE plan_id = :p",
                        soci::into(summary), soci::use(plan_id));
  for (const auto& plan : rows.plans) {
    plan_id = passerelle::sync::row_string(plan, "id");
    if (rows.step_summaries.count(plan_id)) continue;
    st.execute(true);
    rows.step_summaries[plan_id] = st.got_data() ? parse_summary(summary) : plans::StepSummary{};
  }
}

// The candidates' rows read by candidate id, one indexed lookup per candidate and collection.
void add_rows_by_candidate(KeyedRows& keyed, indicators::ProgramRows& rows) {
  std::vector<json::object>* into[] = {&rows.plans, &rows.threads, &rows.mentorships, &rows.meetings, &rows.referrals, &rows.outcomes};
  for (const auto& p : rows.profiles) {
    std::string id = passerelle::sync::row_string(p, "id");
    for (std::size_t k = 0; k < std::size(kByCandidate); ++k) keyed.read(kByCandidate[k], id, *into[k]);
  }
}

// A page holds its candidates' plans; a profile may name another candidate's plan, which the
// whole caseload would hold (an admin's: any candidate's; a coach's: one of their candidates').
void add_plans_named(soci::session& sql, const protocol::UserInfo& viewer, indicators::ProgramRows& rows,
                     const json::storage_ptr& arena) {
  std::unordered_set<std::string> plan_ids;
  for (const auto& plan : rows.plans) plan_ids.insert(passerelle::sync::row_string(plan, "id"));
  for (const auto& p : rows.profiles) {
    std::string named = passerelle::sync::row_string(p, "plan_id");
    if (named.empty() || plan_ids.count(named)) continue;
    std::string facts, owner_coach;
    soci::indicator ind = soci::i_null;
    sql << "SELECT facts FROM row_keys WHERE collection = 'plans' AND row_id = :p", soci::use(named), soci::into(facts, ind);
    if (!sql.got_data() || ind != soci::i_ok) continue;
    std::vector<json::object> plan;
    add_facts(facts, plan, arena);
    if (plan.empty()) continue;
    std::string owner = passerelle::sync::row_string(plan.front(), "candidate_id");
    sql << "SELECT row_key FROM row_keys WHERE collection = 'profiles' AND row_id = :c", soci::use(owner),
        soci::into(owner_coach, ind);
    if (!sql.got_data() || (viewer.role != Role::admin && owner_coach != viewer.id)) continue;
    plan_ids.insert(named);
    rows.plans.push_back(std::move(plan.front()));
  }
}

// A coach: their candidates' profiles by coach id (after `after`, at most `limit`), then each
// candidate's rows by candidate id and each plan's step summary. The cost follows the caseload,
// not the program.
indicators::ProgramRows load_caseload_rows(soci::session& sql, const protocol::UserInfo& viewer, const std::string& after,
                                           std::size_t limit, bool& more) {
  indicators::ProgramRows rows;
  auto arena = json::make_shared_resource<json::monotonic_resource>();
  KeyedRows keyed(sql, arena);
  std::vector<json::object> profiles;
  {
    std::string facts;
    long long fetch = limit == 0 ? (1LL << 62) : static_cast<long long>(limit) + 1;  // PostgreSQL refuses LIMIT -1
    soci::statement st = (sql.prepare << "SELECT facts FROM row_keys WHERE collection = 'profiles' AND row_key = :k"
                                         " AND row_id > :a ORDER BY row_id LIMIT :l",
                          soci::into(facts), soci::use(viewer.id), soci::use(after), soci::use(fetch));
    st.execute();
    while (st.fetch()) add_facts(facts, profiles, arena);
  }
  more = limit != 0 && profiles.size() > limit;
  if (more) profiles.resize(limit);
  for (auto& p : profiles)
    if (passerelle::sync::row_string(p, "role") == "candidate" && passerelle::sync::row_string(p, "coach_id") == viewer.id)
      rows.profiles.push_back(std::move(p));
  // The caseload names the coach of each row: here, the viewer.
  if (auto me = storage::read_profile(sql, viewer.id); me && passerelle::sync::row_string(*me, "role") == "coach")
    rows.coach_names[viewer.id] = passerelle::sync::row_string(*me, "name");
  add_rows_by_candidate(keyed, rows);
  if (limit != 0) add_plans_named(sql, viewer, rows, arena);
  add_summaries(sql, rows);
  add_unread(sql, viewer, rows);
  return rows;
}

// The names of the coaches `rows.profiles` name, read one by one.
void add_coach_names(soci::session& sql, indicators::ProgramRows& rows) {
  std::set<std::string> ids;
  for (const auto& p : rows.profiles) ids.insert(passerelle::sync::row_string(p, "coach_id"));
  for (const auto& id : ids)
    if (auto coach = storage::read_profile(sql, id); coach && passerelle::sync::row_string(*coach, "role") == "coach")
      rows.coach_names[id] = passerelle::sync::row_string(*coach, "name");
}

// An admin: every candidate, each collection in one pass over its index entries, and one pass
// over the plans with their step summaries (no step is read).
indicators::ProgramRows load_all_rows(soci::session& sql, const protocol::UserInfo& viewer) {
  indicators::ProgramRows rows;
  auto arena = json::make_shared_resource<json::monotonic_resource>();
  std::unordered_set<std::string> candidates;
  for (auto& p : all_rows(sql, "profiles", arena)) {
    if (passerelle::sync::row_string(p, "role") != "candidate") continue;
    candidates.insert(passerelle::sync::row_string(p, "id"));
    rows.profiles.push_back(std::move(p));
  }
  // The names of the coaches the candidates name (the caseload's coach column).
  {
    soci::rowset<std::string> rs =
        (sql.prepare << "SELECT data FROM sync_rows WHERE collection = 'profiles' AND deleted = 0 AND id IN"
                        " (SELECT DISTINCT row_key FROM row_keys WHERE collection = 'profiles')");
    for (const auto& data : rs) {
      boost::system::error_code ec;
      auto v = json::parse(data, ec);
      if (ec || !v.is_object() || passerelle::sync::row_string(v.as_object(), "role") != "coach") continue;
      rows.coach_names[passerelle::sync::row_string(v.as_object(), "id")] = passerelle::sync::row_string(v.as_object(), "name");
    }
  }
  {
    std::string facts, summary;
    soci::indicator summary_ind = soci::i_null;
    soci::statement st = (sql.prepare << "SELECT k.facts, s.summary FROM row_keys k LEFT JOIN plan_step_summaries s"
                                         " ON s.plan_id = k.row_id WHERE k.collection = 'plans' ORDER BY k.row_id",
                          soci::into(facts), soci::into(summary, summary_ind));
    st.execute();
    std::vector<json::object> plans;
    while (st.fetch()) {
      std::size_t before = plans.size();
      add_facts(facts, plans, arena);
      if (plans.size() == before || !candidates.count(passerelle::sync::row_string(plans.back(), "candidate_id"))) {
        plans.resize(before);
        continue;
      }
      rows.step_summaries[passerelle::sync::row_string(plans.back(), "id")] =
          summary_ind == soci::i_ok ? parse_summary(summary) : plans::StepSummary{};
    }
    rows.plans = std::move(plans);
  }
  rows.threads = only(all_rows(sql, "threads", arena), candidates, "candidate_id");
  rows.mentorships = only(all_rows(sql, "mentorships", arena), candidates, "candidate_id");
  rows.meetings = only(all_rows(sql, "meetings", arena), candidates, "candidate_id");
  rows.referrals = only(all_rows(sql, "referrals", arena), candidates, "candidate_id");
  rows.outcomes = only(all_rows(sql, std::string(indicators::kOutcomesCollection), arena), candidates, "candidate_id");
  add_unread(sql, viewer, rows);
  return rows;
}

// An admin's page: the candidates after `after` by id, their rows by candidate id range, and the
// plans their profiles name that belong to another candidate (as the whole program has them).
indicators::ProgramRows load_admin_page(soci::session& sql, const protocol::UserInfo& viewer, const std::string& after,
                                        std::size_t limit, bool& more) {
  indicators::ProgramRows rows;
  auto arena = json::make_shared_resource<json::monotonic_resource>();
  {
    std::string facts;
    long long fetch = static_cast<long long>(limit) + 1;
    soci::statement st = (sql.prepare << "SELECT facts FROM row_keys WHERE collection = 'profiles' AND row_id > :a"
                                         " ORDER BY row_id LIMIT :l",
                          soci::into(facts), soci::use(after), soci::use(fetch));
    st.execute();
    while (st.fetch()) add_facts(facts, rows.profiles, arena);
  }
  more = rows.profiles.size() > limit;
  if (more) rows.profiles.resize(limit);
  std::erase_if(rows.profiles, [](const json::object& p) { return passerelle::sync::row_string(p, "role") != "candidate"; });
  add_coach_names(sql, rows);
  if (!rows.profiles.empty()) {
    // Each collection's rows of the page's candidates in one range of the (collection, row_key)
    // index: from the first candidate's id to the last's, keeping the page's.
    std::string first = passerelle::sync::row_string(rows.profiles.front(), "id");
    std::string last = passerelle::sync::row_string(rows.profiles.back(), "id");
    std::unordered_set<std::string> ids;
    for (const auto& p : rows.profiles) ids.insert(passerelle::sync::row_string(p, "id"));
    std::string collection, facts, summary;
    soci::indicator summary_ind = soci::i_null;
    soci::statement st = (sql.prepare << "SELECT k.facts, s.summary FROM row_keys k LEFT JOIN plan_step_summaries s"
                                         " ON k.collection = 'plans' AND s.plan_id = k.row_id"
                                         " WHERE k.collection = :c AND k.row_key >= :a AND k.row_key <= :b"
                                         " ORDER BY k.row_key, k.row_id",
                          soci::into(facts), soci::into(summary, summary_ind), soci::use(collection), soci::use(first),
                          soci::use(last));
    std::vector<json::object>* into[] = {&rows.plans, &rows.threads, &rows.mentorships, &rows.meetings, &rows.referrals, &rows.outcomes};
    for (std::size_t k = 0; k < std::size(kByCandidate); ++k) {
      collection.assign(kByCandidate[k]);
      st.execute();
      while (st.fetch()) {
        auto& out = *into[k];
        std::size_t before = out.size();
        add_facts(facts, out, arena);
        if (out.size() == before) continue;
        if (!ids.count(passerelle::sync::row_string(out.back(), "candidate_id"))) {
          out.pop_back();
          continue;
        }
        if (k == 0)
          rows.step_summaries[passerelle::sync::row_string(out.back(), "id")] =
              summary_ind == soci::i_ok ? parse_summary(summary) : plans::StepSummary{};
      }
    }
  }
  add_plans_named(sql, viewer, rows, arena);
  add_summaries(sql, rows);
  add_unread(sql, viewer, rows);
  return rows;
}

// Rows by id (the primary key of row_keys), each read once.
class RowsById {
 public:
  RowsById(soci::session& sql, json::storage_ptr arena)
      : arena_(std::move(arena)),
        st_((sql.prepare << "SELECT facts FROM row_keys WHERE collection = :c AND row_id = :i", soci::into(facts_),
             soci::use(collection_), soci::use(id_))) {}

  void read(std::string_view collection, const std::string& id, std::unordered_map<std::string, json::object>& out) {
    if (id.empty() || out.count(id)) return;
    collection_.assign(collection);
    id_ = id;
    st_.execute(true);
    if (!st_.got_data()) return;
    std::vector<json::object> one;
    add_facts(facts_, one, arena_);
    if (!one.empty()) out.emplace(id, std::move(one.front()));
  }

 private:
  json::storage_ptr arena_;
  std::string facts_, collection_, id_;  // bound before `st_`, which refers to them
  soci::statement st_;
};

void keep_by_id(std::vector<json::object> all, std::unordered_map<std::string, json::object>& out) {
  for (auto& r : all) {
    std::string id = passerelle::sync::row_string(r, "id");
    out.emplace(std::move(id), std::move(r));
  }
}

}  // namespace

void add_employment_rows(soci::session& sql, const protocol::UserInfo& viewer, indicators::ProgramRows& rows) {
  auto arena = json::make_shared_resource<json::monotonic_resource>();
  std::unordered_set<std::string> candidates;
  for (const auto& p : rows.profiles) candidates.insert(passerelle::sync::row_string(p, "id"));
  if (viewer.role == Role::admin) {
    rows.proposals = only(all_rows(sql, "employer_proposals", arena), candidates, "candidate_id");
    rows.internships = only(all_rows(sql, "internships", arena), candidates, "candidate_id");
    rows.registrations = only(all_rows(sql, "activity_registrations", arena), candidates, "candidate_id");
    for (auto& c : only(all_rows(sql, "career_profiles", arena), candidates, "id")) {
      std::string id = passerelle::sync::row_string(c, "id");
      rows.career_profiles.emplace(std::move(id), std::move(c));
    }
    keep_by_id(all_rows(sql, "activities", arena), rows.activities);
    keep_by_id(all_rows(sql, "employer_needs", arena), rows.needs);
    keep_by_id(all_rows(sql, "employer_profiles", arena), rows.employer_profiles);
    return;
  }
  KeyedRows keyed(sql, arena);
  RowsById by_id(sql, arena);
  for (const auto& id : candidates) {
    keyed.read("employer_proposals", id, rows.proposals);
    keyed.read("internships", id, rows.internships);
    keyed.read("activity_registrations", id, rows.registrations);
    by_id.read("career_profiles", id, rows.career_profiles);
  }
  for (const auto& r : rows.registrations)
    by_id.read("activities", passerelle::sync::row_string(r, "activity_id"), rows.activities);
  for (const auto& in : rows.internships) {
    by_id.read("employer_needs", passerelle::sync::row_string(in, "need_id"), rows.needs);
    by_id.read("employer_profiles", passerelle::sync::row_string(in, "employer_id"), rows.employer_profiles);
  }
}

indicators::ProgramRows load_program_rows(soci::session& sql, const protocol::UserInfo& viewer) {
  bool more = false;
  return viewer.role == Role::admin ? load_all_rows(sql, viewer) : load_caseload_rows(sql, viewer, "", 0, more);
}

indicators::ProgramRows load_program_rows_page(soci::session& sql, const protocol::UserInfo& viewer,
                                               const std::string& after, std::size_t limit, bool& more) {
  if (limit == 0) limit = 1;
  return viewer.role == Role::admin ? load_admin_page(sql, viewer, after, limit, more)
                                    : load_caseload_rows(sql, viewer, after, limit, more);
}

std::size_t count_candidates(soci::session& sql, const protocol::UserInfo& viewer, const std::optional<std::string>& cohort) {
  if (cohort) {
    std::size_t n = 0;
    std::string facts;
    // An admin: every candidate; a coach: theirs.
    int everyone = viewer.role == Role::admin ? 1 : 0;
    soci::statement st = (sql.prepare << "SELECT facts FROM row_keys WHERE collection = 'profiles' AND (:e = 1 OR row_key = :k)",
                          soci::into(facts), soci::use(everyone), soci::use(viewer.id));
    st.execute();
    while (st.fetch()) {
      boost::system::error_code ec;
      auto v = json::parse(facts, ec);
      if (!ec && v.is_object() && indicators::in_cohort(v.as_object(), *cohort)) ++n;
    }
    return n;
  }
  long long n = 0;
  if (viewer.role == Role::admin)
    sql << "SELECT COUNT(*) FROM row_keys WHERE collection = 'profiles'", soci::into(n);
  else
    sql << "SELECT COUNT(*) FROM row_keys WHERE collection = 'profiles' AND row_key = :k", soci::use(viewer.id), soci::into(n);
  return static_cast<std::size_t>(n);
}

bool may_open_candidate(soci::session& sql, const protocol::UserInfo& viewer, const std::string& candidate_id) {
  if (viewer.role != Role::admin && viewer.role != Role::coach) return false;
  auto profile = storage::read_profile(sql, candidate_id);
  if (!profile || passerelle::sync::row_string(*profile, "role") != "candidate") return false;
  return viewer.role == Role::admin || passerelle::sync::row_string(*profile, "coach_id") == viewer.id;
}

}  // namespace passerelle::server::dashboard
