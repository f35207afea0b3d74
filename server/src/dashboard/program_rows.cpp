#include "dashboard/program_rows.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <iterator>
#include <map>
#include <set>
#include <unordered_set>

#include "storage/profiles.h"

#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::server::dashboard {
namespace json = boost::json;
using protocol::Role;

std::vector<json::object> live_rows(soci::session& sql, const std::string& collection) {
  std::vector<json::object> out;
  soci::rowset<std::string> rs =
      (sql.prepare << "SELECT data FROM sync_rows WHERE collection = :c AND deleted = 0", soci::use(collection));
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

// Parses a row_keys.facts column into `out` (the row cut down to what the figures read). The
// rows of one request share one monotonic arena (json::storage_ptr is reference counted:
// it goes with the last row), so hundreds of thousands of small rows cost no malloc each.
void add_facts(const std::string& facts, std::vector<json::object>& out, const json::storage_ptr& arena) {
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

// A coach: their candidates' profiles by coach id, then each candidate's rows by candidate id
// and each plan's steps by plan id. The cost follows the caseload, not the program.
indicators::ProgramRows load_caseload_rows(soci::session& sql, const protocol::UserInfo& viewer) {
  indicators::ProgramRows rows;
  KeyedRows keyed(sql, json::make_shared_resource<json::monotonic_resource>());
  std::vector<json::object> profiles;
  keyed.read("profiles", viewer.id, profiles);
  for (auto& p : profiles)
    if (passerelle::sync::row_string(p, "role") == "candidate" && passerelle::sync::row_string(p, "coach_id") == viewer.id)
      rows.profiles.push_back(std::move(p));
  // The caseload names the coach of each row: here, the viewer.
  if (auto me = storage::read_profile(sql, viewer.id); me && passerelle::sync::row_string(*me, "role") == "coach")
    rows.coach_names[viewer.id] = passerelle::sync::row_string(*me, "name");
  std::vector<json::object>* into[] = {&rows.plans, &rows.threads, &rows.mentorships, &rows.meetings, &rows.referrals, &rows.outcomes};
  for (const auto& p : rows.profiles) {
    std::string id = passerelle::sync::row_string(p, "id");
    for (std::size_t k = 0; k < std::size(kByCandidate); ++k) keyed.read(kByCandidate[k], id, *into[k]);
  }
  for (const auto& plan : rows.plans) keyed.read("plan_steps", passerelle::sync::row_string(plan, "id"), rows.plan_steps);
  add_unread(sql, viewer, rows);
  return rows;
}

// An admin: every candidate, each collection in one pass over its index entries.
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
  rows.plans = only(all_rows(sql, "plans", arena), candidates, "candidate_id");
  std::unordered_set<std::string> plan_ids;
  for (const auto& p : rows.plans) plan_ids.insert(passerelle::sync::row_string(p, "id"));
  rows.plan_steps = only(all_rows(sql, "plan_steps", arena), plan_ids, "plan_id");
  rows.threads = only(all_rows(sql, "threads", arena), candidates, "candidate_id");
  rows.mentorships = only(all_rows(sql, "mentorships", arena), candidates, "candidate_id");
  rows.meetings = only(all_rows(sql, "meetings", arena), candidates, "candidate_id");
  rows.referrals = only(all_rows(sql, "referrals", arena), candidates, "candidate_id");
  rows.outcomes = only(all_rows(sql, std::string(indicators::kOutcomesCollection), arena), candidates, "candidate_id");
  add_unread(sql, viewer, rows);
  return rows;
}

}  // namespace

indicators::ProgramRows load_program_rows(soci::session& sql, const protocol::UserInfo& viewer) {
  return viewer.role == Role::admin ? load_all_rows(sql, viewer) : load_caseload_rows(sql, viewer);
}

bool may_open_candidate(soci::session& sql, const protocol::UserInfo& viewer, const std::string& candidate_id) {
  if (viewer.role != Role::admin && viewer.role != Role::coach) return false;
  auto profile = storage::read_profile(sql, candidate_id);
  if (!profile || passerelle::sync::row_string(*profile, "role") != "candidate") return false;
  return viewer.role == Role::admin || passerelle::sync::row_string(*profile, "coach_id") == viewer.id;
}

}  // namespace passerelle::server::dashboard
