#include <date/date.h>
#include <date/tz.h>

#include <algorithm>

#include "passerelle/shared/employers/employers.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/sync/row_fields.h"
#include "passerelle/shared/text.h"

namespace passerelle::employers {
namespace json = boost::json;
using namespace std::chrono;
using sync::row_string;
using sync::row_strings;

std::optional<std::int64_t> wall_clock_minutes(Timestamp start, Timestamp end, std::string_view zone) {
  try {
    const date::time_zone* z = date::locate_zone(zone);
    auto a = z->to_local(start), b = z->to_local(end);
    return duration_cast<minutes>(b - a).count();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<Timestamp> start_of_local_day(sys_days day, std::string_view zone) {
  try {
    const date::time_zone* z = date::locate_zone(zone);
    // A midnight skipped by a daylight-saving change starts the day at the first instant after.
    auto t = z->to_sys(date::local_days(day.time_since_epoch()), date::choose::latest);
    return time_point_cast<milliseconds>(t);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Status check_internship_length(Timestamp start, Timestamp end, std::string_view zone, protocol::Locale locale) {
  bool fr = locale == protocol::Locale::fr;
  if (end <= start)
    return Status(ErrorCode::bad_request, fr ? "la fin du stage doit venir après son début" : "the internship must end after it starts");
  auto length = wall_clock_minutes(start, end, zone);
  if (!length) return Status(ErrorCode::bad_request, fr ? "fuseau horaire inconnu" : "unknown time zone");
  if (*length > std::int64_t{kMaxInternshipDays} * 24 * 60)
    return Status(ErrorCode::conflict,
                  fr ? "un stage exploratoire non rémunéré dure au plus 28 jours (Règlement sur l'aide aux personnes et aux "
                       "familles, art. 6) ; pour garder la personne plus longtemps, proposez-lui un emploi (la subvention "
                       "salariale PRIIME peut aider) et inscrivez le résultat « embauche »"
                     : "an unpaid exploratory internship lasts at most 28 days (Individual and Family Assistance "
                       "Regulation, s. 6); to keep the intern longer, offer them a job (the PRIIME wage subsidy can "
                       "help) and record the outcome \"hired\"");
  return Status::Ok();
}

bool is_internship_outcome(std::string_view outcome) {
  return std::find(std::begin(kInternshipOutcomes), std::end(kInternshipOutcomes), outcome) != std::end(kInternshipOutcomes);
}

namespace {

std::string folded(std::string_view s) {
  std::string out(trim(s));
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::vector<Preselected> preselect(const json::object& need, const json::object& employer, const std::vector<json::object>& cards,
                                   const std::vector<std::string>& excluded, const PreselectWeights& w) {
  std::vector<Preselected> out;
  std::string need_code = row_string(need, "occupation_code");
  std::vector<std::string> need_langs = row_strings(need, "languages");
  if (need_langs.empty()) need_langs = row_strings(employer, "languages");
  std::string start_by = row_string(need, "start_by");
  std::vector<std::string> regions;
  for (const char* key : {"region"})
    if (auto r = folded(row_string(need, key)); !r.empty()) regions.push_back(r);
  for (const char* key : {"region", "city"})
    if (auto r = folded(row_string(employer, key)); !r.empty()) regions.push_back(r);

  for (const auto& card : cards) {
    Preselected p;
    p.candidate_id = row_string(card, "id");
    p.name = row_string(card, "name");
    if (p.candidate_id.empty() || std::find(excluded.begin(), excluded.end(), p.candidate_id) != excluded.end()) continue;
    std::string code = row_string(card, "occupation_code");
    if (mentors::is_noc_code(need_code) && mentors::is_noc_code(code)) {
      if (code == need_code)
        p.reasons.push_back({"same_occupation", "same occupation (NOC " + code + ")", w.same_occupation,
                             "même profession (CNP " + code + ")"});
      else if (code.substr(0, 2) == need_code.substr(0, 2))
        p.reasons.push_back({"same_major_group", "same occupation major group (NOC " + code.substr(0, 2) + ")",
                             w.same_major_group, "même grand groupe de professions (CNP " + code.substr(0, 2) + ")"});
      else if (code[0] == need_code[0])
        p.reasons.push_back({"same_broad_category", "same broad occupational category (NOC " + code.substr(0, 1) + ")",
                             w.same_broad_category, "même grande catégorie professionnelle (CNP " + code.substr(0, 1) + ")"});
    }
    std::string spoken;
    int n = 0;
    for (const auto& l : mentors::languages_of(card))
      if (mentors::is_working_level(l.level) && std::find(need_langs.begin(), need_langs.end(), l.code) != need_langs.end()) {
        spoken += (spoken.empty() ? "" : ", ") + l.code;
        ++n;
      }
    if (n > 0)
      p.reasons.push_back({"language", "speaks the working language(s): " + spoken, n * w.per_language,
                           "parle la ou les langues de travail : " + spoken});
    std::string available = row_string(card, "available_from");
    if (!available.empty() && !start_by.empty() && parse_date(available) && parse_date(start_by) && available <= start_by)
      p.reasons.push_back({"availability", "available from " + available + " (after arrival), before the start on " + start_by,
                           w.available_in_time,
                           "disponible dès le " + available + " (après l'arrivée), avant le début le " + start_by});
    std::string target = folded(row_string(card, "target_region"));
    if (!target.empty())
      for (const auto& r : regions)
        if (target == r || target.find(r) != std::string::npos || r.find(target) != std::string::npos) {
          std::string said = row_string(card, "target_region");
          p.reasons.push_back({"region", "wants to settle in " + said, w.same_region, "souhaite s'établir à " + said});
          break;
        }
    for (const auto& r : p.reasons) p.score += r.points;
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const Preselected& a, const Preselected& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.candidate_id < b.candidate_id;
  });
  return out;
}

}  // namespace passerelle::employers
