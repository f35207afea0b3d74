#include "passerelle/shared/mentors/matching.h"

#include <algorithm>

#include "passerelle/shared/mentors/availability.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::mentors {
namespace json = boost::json;
using namespace std::chrono;

namespace {

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

int capacity_left(const json::object& mentor) {
  std::int64_t capacity = 1;
  if (auto* c = mentor.if_contains("capacity"); c && c->is_int64()) capacity = c->get_int64();
  return static_cast<int>(capacity) - static_cast<int>(passerelle::sync::row_strings(mentor, "active_mentorship_ids").size());
}

std::vector<Suggestion> suggest_mentors(const json::object& candidate, const std::vector<MentorCandidate>& mentors,
                                        const std::vector<std::string>& excluded, Timestamp now,
                                        const MatchWeights& w) {
  std::vector<Suggestion> out;
  std::string zone = passerelle::sync::row_string(candidate, "time_zone");
  if (zone.empty() || !is_valid_time_zone(zone)) zone = "UTC";
  auto cand_langs = languages_of(candidate);
  std::string cand_code = passerelle::sync::row_string(candidate, "occupation_code");
  auto cand_words = keywords(passerelle::sync::row_string(candidate, "profession"));
  std::vector<std::string> orgs;
  for (const auto& o : passerelle::sync::row_strings(candidate, "organizations")) orgs.push_back(lower(o));

  for (const auto& m : mentors) {
    Suggestion s;
    s.mentor_id = passerelle::sync::row_string(m.profile, "id");
    s.name = passerelle::sync::row_string(m.profile, "name");
    if (s.mentor_id.empty() || std::find(excluded.begin(), excluded.end(), s.mentor_id) != excluded.end()) continue;
    s.capacity_left = capacity_left(m.profile);
    if (s.capacity_left <= 0) continue;
    s.languages = shared_working_languages(cand_langs, languages_of(m.profile));
    if (s.languages.empty()) continue;

    std::string code = passerelle::sync::row_string(m.profile, "occupation_code");
    if (is_noc_code(cand_code) && is_noc_code(code)) {
      if (code == cand_code)
        s.reasons.push_back({"same_occupation", "same occupation (NOC " + code + ")", w.same_occupation,
                             "même profession (CNP " + code + ")"});
      else if (code.substr(0, 2) == cand_code.substr(0, 2))
        s.reasons.push_back({"same_major_group", "same occupation major group (NOC " + code.substr(0, 2) + ")",
                             w.same_major_group, "même grand groupe de professions (CNP " + code.substr(0, 2) + ")"});
      else if (code[0] == cand_code[0])
        s.reasons.push_back({"same_broad_category", "same broad occupational category (NOC " + code.substr(0, 1) + ")",
                             w.same_broad_category, "même grande catégorie professionnelle (CNP " + code.substr(0, 1) + ")"});
    }
    auto words = keywords(passerelle::sync::row_string(m.profile, "profession") + " " + passerelle::sync::row_string(m.profile, "sector"));
    std::vector<std::string> common;
    for (const auto& cw : cand_words)
      if (std::find(words.begin(), words.end(), cw) != words.end()) common.push_back(cw);
    if (!common.empty()) {
      int n = std::min<int>(static_cast<int>(common.size()), w.max_keywords);
      std::string list;
      for (int i = 0; i < n; ++i) list += (i ? ", " : "") + common[static_cast<std::size_t>(i)];
      s.reasons.push_back({"keywords", "profession words in common: " + list, n * w.per_shared_keyword,
                           "mots de métier en commun : " + list});
    }
    std::string employer = lower(passerelle::sync::row_string(m.profile, "employer"));
    if (!employer.empty())
      for (const auto& o : orgs)
        if (!o.empty() && (employer.find(o) != std::string::npos || o.find(employer) != std::string::npos)) {
          s.reasons.push_back({"organization", "works at " + passerelle::sync::row_string(m.profile, "employer") + ", an organization of interest",
                               w.organization_interest,
                               "travaille chez " + passerelle::sync::row_string(m.profile, "employer") + ", une organisation qui vous intéresse"});
          break;
        }
    if (m.availability) {
      auto a = availability_from_json(json::value(*m.availability));
      if (a) {
        for (const auto& slot : compute_slots(*a, now, now + days(14))) {
          // Inside waking hours when the whole hour lies within 08:00-21:00 of the candidate's day.
          auto l = format_local(slot.start, zone);
          auto le = format_local(slot.end - milliseconds(1), zone);
          if (!l || !le) continue;
          int h = std::stoi(l->substr(11, 2)), he = std::stoi(le->substr(11, 2));
          if (h >= 8 && he < 21 && l->substr(0, 10) == le->substr(0, 10)) ++s.waking_slots;
        }
      }
    }
    if (s.waking_slots > 0)
      s.reasons.push_back({"waking_hours",
                           std::to_string(s.waking_slots) + " slot(s) in the next 14 days between 08:00 and 21:00 your time",
                           std::min(s.waking_slots, w.max_waking_hours) * w.per_waking_hour,
                           std::to_string(s.waking_slots) +
                               " créneau(x) dans les 14 prochains jours entre 8 h et 21 h à votre heure"});
    std::string langs;
    for (const auto& l : s.languages) langs += (langs.empty() ? "" : ", ") + l;
    s.reasons.push_back({"language", "shared working language: " + langs, 0, "langue de travail commune : " + langs});
    for (const auto& r : s.reasons) s.score += r.points;
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const Suggestion& a, const Suggestion& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.capacity_left != b.capacity_left) return a.capacity_left > b.capacity_left;
    return a.mentor_id < b.mentor_id;
  });
  return out;
}

}  // namespace passerelle::mentors
