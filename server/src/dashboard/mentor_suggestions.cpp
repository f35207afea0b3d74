#include "dashboard/mentor_suggestions.h"

#include <boost/json/array.hpp>

#include "dashboard/program_rows.h"
#include "sync/change_log.h"

#include "passerelle/shared/mentors/matching.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::server::dashboard {
namespace json = boost::json;
namespace mc = passerelle::mentors::collection;
using passerelle::sync::row_string;
using passerelle::sync::row_strings;

namespace {

json::object to_json(const mentors::Suggestion& s) {
  json::array reasons;
  for (const auto& r : s.reasons)
    reasons.push_back(json::object{{"code", r.code}, {"points", r.points},
                                   {"text", json::object{{"fr", r.text_in(protocol::Locale::fr)},
                                                         {"en", r.text_in(protocol::Locale::en)}}}});
  json::array languages;
  for (const auto& l : s.languages) languages.emplace_back(l);
  return json::object{{"mentor_id", s.mentor_id},         {"name", s.name},
                      {"score", s.score},                 {"capacity_left", s.capacity_left},
                      {"waking_slots", s.waking_slots},   {"languages", std::move(languages)},
                      {"reasons", std::move(reasons)}};
}

}  // namespace

std::optional<json::object> suggest_mentors_for(soci::session& sql, const protocol::UserInfo& viewer,
                                                const std::string& candidate_id, Timestamp now) {
  if (!may_open_candidate(sql, viewer, candidate_id)) return std::nullopt;
  json::object answer{{"candidate_id", candidate_id}, {"open_mentorship_id", nullptr}, {"suggestions", json::array()}};
  auto career = server::sync::find_row(sql, mc::career_profiles, candidate_id);
  answer["career_profile"] = career.has_value();
  if (!career) return answer;  // nothing to match on until the candidate fills it in
  // mentorship.propose refuses while one is proposed or active: the page says so beside the list.
  if (auto open = row_string(*career, "mentorship_id"); !open.empty())
    if (auto ms = server::sync::find_row(sql, mc::mentorships, open)) {
      std::string status = row_string(*ms, "status");
      if (status == "proposed" || status == "active") answer["open_mentorship_id"] = open;
    }
  std::vector<mentors::MentorCandidate> pool;
  for (auto& profile : live_rows(sql, std::string(mc::mentor_profiles))) {
    auto availability = server::sync::find_row(sql, mc::availability, row_string(profile, "id"));
    pool.push_back({std::move(profile), std::move(availability)});
  }
  json::array list;
  for (const auto& s : mentors::suggest_mentors(*career, pool, row_strings(*career, "mentor_history"), now))
    list.push_back(to_json(s));
  answer["suggestions"] = std::move(list);
  return answer;
}

}  // namespace passerelle::server::dashboard
