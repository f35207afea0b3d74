#include "dashboard/program_rows.h"

#include <boost/json/parse.hpp>

#include <set>

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
std::vector<json::object> only(std::vector<json::object> rows, const std::set<std::string>& ids, std::string_view key) {
  std::vector<json::object> out;
  for (auto& r : rows)
    if (ids.count(passerelle::sync::row_string(r, key))) out.push_back(std::move(r));
  return out;
}

}  // namespace

indicators::ProgramRows load_program_rows(soci::session& sql, const protocol::UserInfo& viewer) {
  indicators::ProgramRows rows;
  std::set<std::string> candidates;
  for (auto& p : live_rows(sql, "profiles")) {
    std::string role = passerelle::sync::row_string(p, "role");
    if (role == "coach") rows.coach_names[passerelle::sync::row_string(p, "id")] = passerelle::sync::row_string(p, "name");
    if (role != "candidate") continue;
    if (viewer.role != Role::admin && passerelle::sync::row_string(p, "coach_id") != viewer.id) continue;
    candidates.insert(passerelle::sync::row_string(p, "id"));
    rows.profiles.push_back(std::move(p));
  }
  rows.plans = only(live_rows(sql, "plans"), candidates, "candidate_id");
  std::set<std::string> plan_ids;
  for (const auto& p : rows.plans) plan_ids.insert(passerelle::sync::row_string(p, "id"));
  rows.plan_steps = only(live_rows(sql, "plan_steps"), plan_ids, "plan_id");
  rows.threads = only(live_rows(sql, "threads"), candidates, "candidate_id");
  rows.mentorships = only(live_rows(sql, "mentorships"), candidates, "candidate_id");
  rows.meetings = only(live_rows(sql, "meetings"), candidates, "candidate_id");
  rows.referrals = only(live_rows(sql, "referrals"), candidates, "candidate_id");
  rows.outcomes = only(live_rows(sql, std::string(indicators::kOutcomesCollection)), candidates, "candidate_id");

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
  return rows;
}

bool may_open_candidate(soci::session& sql, const protocol::UserInfo& viewer, const std::string& candidate_id) {
  if (viewer.role != Role::admin && viewer.role != Role::coach) return false;
  auto profile = storage::read_profile(sql, candidate_id);
  if (!profile || passerelle::sync::row_string(*profile, "role") != "candidate") return false;
  return viewer.role == Role::admin || passerelle::sync::row_string(*profile, "coach_id") == viewer.id;
}

}  // namespace passerelle::server::dashboard
