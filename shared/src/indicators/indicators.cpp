#include "passerelle/shared/indicators/indicators.h"
#include "passerelle/shared/sync/row_fields.h"
#include "passerelle/shared/text.h"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace passerelle::indicators {
namespace json = boost::json;
using std::chrono::sys_days;

namespace {

std::string arrival_year(std::string_view planned_arrival) {
  auto d = parse_date(planned_arrival);
  return d ? std::to_string(static_cast<int>(std::chrono::year_month_day(*d).year())) : std::string();
}

bool label_or_year_is(std::string_view label, std::string_view planned_arrival, std::string_view cohort) {
  if (cohort.empty()) return false;
  return label == cohort || arrival_year(planned_arrival) == cohort;
}

template <class T>
std::unordered_map<std::string, std::vector<const json::object*>> by_candidate(const std::vector<T>& rows) {
  std::unordered_map<std::string, std::vector<const json::object*>> out;
  for (const auto& r : rows) out[passerelle::sync::row_string(r, "candidate_id")].push_back(&r);
  return out;
}

// Everything about one candidate, gathered once.
struct Candidate {
  const json::object* profile = nullptr;
  const json::object* plan = nullptr;
  const json::object* coaching_thread = nullptr;
  plans::StepSummary steps;
  std::vector<const json::object*> threads, mentorships, meetings, referrals, outcomes;
};

std::vector<Candidate> gather(const ProgramRows& rows) {
  std::map<std::string, const json::object*> plans;  // ordered: see plan_naming
  std::unordered_map<std::string, const json::object*> steps;
  steps.reserve(rows.plan_steps.size());
  for (const auto& p : rows.plans) plans[passerelle::sync::row_string(p, "id")] = &p;
  // A candidate whose profile names no plan (or a gone one) has the plan that names them; with
  // several, the one of greatest id (UUIDv7: the latest).
  std::unordered_map<std::string, const json::object*> plan_naming;
  for (const auto& [pid, plan] : plans) plan_naming[passerelle::sync::row_string(*plan, "candidate_id")] = plan;
  for (const auto& s : rows.plan_steps) steps[passerelle::sync::row_string(s, "id")] = &s;
  auto threads = by_candidate(rows.threads);
  auto mentorships = by_candidate(rows.mentorships);
  auto meetings = by_candidate(rows.meetings);
  auto referrals = by_candidate(rows.referrals);
  auto outcomes = by_candidate(rows.outcomes);
  std::vector<Candidate> out;
  for (const auto& p : rows.profiles) {
    if (passerelle::sync::row_string(p, "role") != "candidate") continue;
    Candidate c;
    c.profile = &p;
    std::string id = passerelle::sync::row_string(p, "id");
    std::string plan_id = passerelle::sync::row_string(p, "plan_id");
    if (auto it = plans.find(plan_id); it != plans.end()) c.plan = it->second;
    if (!c.plan)
      if (auto it = plan_naming.find(id); it != plan_naming.end()) c.plan = it->second;
    if (c.plan) {
      std::string own_id = passerelle::sync::row_string(*c.plan, "id");
      if (auto kept = rows.step_summaries.find(own_id); kept != rows.step_summaries.end()) {
        c.steps = kept->second;
      } else {
        std::vector<const json::object*> plan_steps;
        auto ids = c.plan->find("step_ids");
        if (ids != c.plan->end() && ids->value().is_array())
          for (const auto& sid : ids->value().get_array())
            if (sid.is_string())
              if (auto it = steps.find(std::string(sid.get_string()));
                  it != steps.end() && passerelle::sync::row_string(*it->second, "plan_id") == own_id)
                plan_steps.push_back(it->second);
        c.steps = plans::summarize_steps(plan_steps);
      }
    }
    c.threads = threads[id];
    std::string coach_thread = passerelle::sync::row_string(p, "coach_thread_id");
    for (const auto* t : c.threads)
      if (passerelle::sync::row_string(*t, "kind") == "coaching" && (coach_thread.empty() || passerelle::sync::row_string(*t, "id") == coach_thread)) c.coaching_thread = t;
    c.mentorships = mentorships[id];
    c.meetings = meetings[id];
    c.referrals = referrals[id];
    c.outcomes = outcomes[id];
    out.push_back(std::move(c));
  }
  return out;
}

bool held(const json::object& meeting) {
  return passerelle::sync::row_string(meeting, "status") != "cancelled" && passerelle::sync::row_string(meeting, "outcome") == "held";
}
bool no_show(const json::object& meeting) {
  std::string o = passerelle::sync::row_string(meeting, "outcome");
  return o == "no_show_candidate" || o == "no_show_mentor";
}
int count_held(const Candidate& c) {
  return static_cast<int>(std::count_if(c.meetings.begin(), c.meetings.end(), [](auto* m) { return held(*m); }));
}
int count_referrals(const Candidate& c) {
  int n = 0;
  for (const auto* r : c.referrals) {
    std::string s = passerelle::sync::row_string(*r, "status");
    if (passerelle::sync::row_string(*r, "parent_id").empty() && (s == "introduced" || s == "met")) ++n;
  }
  return n;
}

plans::PlanProgress progress_of(const Candidate& c, Timestamp now, const plans::ProgressRules& rules) {
  return plans::compute_progress(*c.plan, c.steps, now, passerelle::sync::row_string(*c.profile, "time_zone"), rules);
}

std::optional<Timestamp> max_time(std::optional<Timestamp> a, std::optional<Timestamp> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

bool is_outcome_status(std::string_view s) {
  return s == "employed_in_field" || s == "employed_out_of_field" || s == "studying" || s == "searching";
}

bool is_cohort_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxCohortBytes || !is_valid_utf8(label) || trim(label).size() != label.size())
    return false;
  return std::none_of(label.begin(), label.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string cohort_of(const json::object& profile) {
  std::string label = passerelle::sync::row_string(profile, "cohort");
  return label.empty() ? arrival_year(passerelle::sync::row_string(profile, "planned_arrival")) : label;
}

bool in_cohort(const json::object& profile, std::string_view cohort) {
  return label_or_year_is(passerelle::sync::row_string(profile, "cohort"),
                          passerelle::sync::row_string(profile, "planned_arrival"), cohort);
}

std::vector<CaseloadRow> only_cohort(std::vector<CaseloadRow> rows, std::string_view cohort) {
  // A row's cohort is its label, or the arrival year when it has none: either way, as in_cohort.
  std::erase_if(rows, [&](const CaseloadRow& r) { return !label_or_year_is(r.cohort, r.planned_arrival, cohort); });
  return rows;
}

std::vector<CaseloadRow> caseload(const ProgramRows& rows, Timestamp now, const plans::ProgressRules& rules) {
  std::vector<CaseloadRow> out;
  for (const auto& c : gather(rows)) {
    const auto& p = *c.profile;
    CaseloadRow r;
    r.candidate_id = passerelle::sync::row_string(p, "id");
    r.name = passerelle::sync::row_string(p, "name");
    r.country = passerelle::sync::row_string(p, "country");
    r.time_zone = passerelle::sync::row_string(p, "time_zone");
    if (!r.time_zone.empty()) r.local_time = format_local(now, r.time_zone).value_or("");
    r.planned_arrival = passerelle::sync::row_string(p, "planned_arrival");
    r.cohort = cohort_of(p);
    r.coach_id = passerelle::sync::row_string(p, "coach_id");
    if (auto it = rows.coach_names.find(r.coach_id); it != rows.coach_names.end()) r.coach_name = it->second;
    std::optional<Timestamp> last;
    if (c.plan) {
      r.plan_id = passerelle::sync::row_string(*c.plan, "id");
      auto prog = progress_of(c, now, rules);
      r.percent_done = prog.percent_done;
      r.steps_total = prog.total;
      r.overdue = prog.overdue;
      r.off_track = prog.off_track;
      last = c.steps.last_activity;
    }
    if (c.coaching_thread) last = max_time(last, parse_rfc3339(passerelle::sync::row_string(*c.coaching_thread, "last_message_at")));
    if (last) r.last_activity = format_rfc3339(*last);
    if (auto it = rows.unread_by_candidate.find(r.candidate_id); it != rows.unread_by_candidate.end())
      r.unread = it->second;
    r.meetings_held = count_held(c);
    for (const auto* m : c.meetings)
      if (passerelle::sync::row_string(*m, "status") != "cancelled" && passerelle::sync::row_string(*m, "outcome").empty()) ++r.meetings_upcoming;
    r.referrals = count_referrals(c);
    // The latest mentorship (ids are UUIDv7: time-ordered).
    std::string latest_id;
    for (const auto* m : c.mentorships)
      if (passerelle::sync::row_string(*m, "id") > latest_id) {
        latest_id = passerelle::sync::row_string(*m, "id");
        r.mentorship = passerelle::sync::row_string(*m, "status");
      }
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const CaseloadRow& a, const CaseloadRow& b) {
    return a.name != b.name ? a.name < b.name : a.candidate_id < b.candidate_id;
  });
  return out;
}

json::object to_json(const CaseloadRow& r) {
  json::object o{{"candidate_id", r.candidate_id}, {"name", r.name}, {"country", r.country},
                 {"time_zone", r.time_zone}, {"local_time", r.local_time}, {"planned_arrival", r.planned_arrival},
                 {"coach_id", r.coach_id}, {"coach_name", r.coach_name}, {"plan_id", r.plan_id},
                 {"steps_total", r.steps_total}, {"overdue", r.overdue}, {"last_activity", r.last_activity},
                 {"unread", r.unread}, {"meetings_held", r.meetings_held},
                 {"meetings_upcoming", r.meetings_upcoming}, {"referrals", r.referrals},
                 {"mentorship", r.mentorship}, {"off_track", r.off_track}, {"cohort", r.cohort}};
  if (r.percent_done) o["percent_done"] = *r.percent_done;
  else o["percent_done"] = nullptr;
  return o;
}

namespace {
void add_employment_figures(const ProgramRows& rows, const IndicatorQuery& q, Timestamp now, Indicators& ind);
}  // namespace

Indicators compute_indicators(const ProgramRows& rows, const IndicatorQuery& q, Timestamp now) {
  Indicators ind;
  for (int months : {3, 6, 12}) ind.employment.push_back(EmploymentAt{months});
  sys_days today = std::chrono::floor<std::chrono::days>(now);
  std::vector<double> days_to_meeting;
  for (const auto& c : gather(rows)) {
    const auto& p = *c.profile;
    if (!c.coaching_thread) continue;  // not coached (no coach assigned)
    auto started = parse_rfc3339(passerelle::sync::row_string(*c.coaching_thread, "created_at"));
    if (!started) continue;
    sys_days start_day = std::chrono::floor<std::chrono::days>(*started);
    if (q.from && start_day < *q.from) continue;
    if (q.to && start_day > *q.to) continue;
    auto arrival = parse_date(passerelle::sync::row_string(p, "planned_arrival"));
    if (q.cohort && !in_cohort(p, *q.cohort)) continue;
    ++ind.candidates;
    if (passerelle::sync::row_int(*c.coaching_thread, "last_n") > 0 && (!arrival || start_day < *arrival)) ++ind.coached_abroad;

    if (!c.plan) {
      ++ind.plan_none;
    } else {
      int pct = progress_of(c, now, {}).percent_done;
      if (pct >= 100) ++ind.plan_100;
      else if (pct >= 75) ++ind.plan_75_99;
      else if (pct >= 50) ++ind.plan_50_74;
      else if (pct >= 25) ++ind.plan_25_49;
      else ++ind.plan_0_24;
    }
    if (count_held(c) >= 2) ++ind.with_two_meetings;
    ind.referrals += count_referrals(c);

    std::optional<Timestamp> first_meeting;
    for (const auto* m : c.meetings) {
      if (held(*m))
        if (auto s = parse_rfc3339(passerelle::sync::row_string(*m, "start")); s && (!first_meeting || *s < *first_meeting)) first_meeting = s;
      if (passerelle::sync::row_string(*m, "status") == "cancelled") continue;
      if (held(*m) || no_show(*m)) ++ind.meetings_with_outcome;
      if (no_show(*m)) ++ind.no_shows;
    }
    if (first_meeting)
      days_to_meeting.push_back(
          std::chrono::duration_cast<std::chrono::minutes>(*first_meeting - *started).count() / (60.0 * 24.0));

    if (arrival) {
      for (auto& e : ind.employment) {
        std::chrono::year_month_day at = std::chrono::year_month_day(*arrival) + std::chrono::months(e.months);
        if (!at.ok()) at = std::chrono::year_month_day(at.year() / at.month() / std::chrono::last);
        sys_days horizon{at};
        if (horizon > today) continue;
        ++e.eligible;
        // The latest record dated on or before the horizon (ties: the later id).
        const json::object* latest = nullptr;
        for (const auto* o : c.outcomes) {
          auto d = parse_date(passerelle::sync::row_string(*o, "date"));
          if (!d || *d > horizon) continue;
          if (!latest || passerelle::sync::row_string(*o, "date") > passerelle::sync::row_string(*latest, "date") ||
              (passerelle::sync::row_string(*o, "date") == passerelle::sync::row_string(*latest, "date") && passerelle::sync::row_string(*o, "id") > passerelle::sync::row_string(*latest, "id")))
            latest = o;
        }
        std::string s = latest ? passerelle::sync::row_string(*latest, "status") : std::string();
        if (s == "employed_in_field") ++e.employed_in_field;
        else if (s == "employed_out_of_field") ++e.employed_out_of_field;
        else if (s == "studying") ++e.studying;
        else if (s == "searching") ++e.searching;
        else ++e.unknown;
      }
    }
  }
  if (ind.candidates > 0) {
    ind.share_two_meetings = static_cast<double>(ind.with_two_meetings) / ind.candidates;
    ind.referrals_per_candidate = static_cast<double>(ind.referrals) / ind.candidates;
  }
  if (ind.meetings_with_outcome > 0)
    ind.no_show_rate = static_cast<double>(ind.no_shows) / ind.meetings_with_outcome;
  ind.candidates_admitted = ind.candidates;
  add_employment_figures(rows, q, now, ind);
  if (!days_to_meeting.empty()) {
    std::sort(days_to_meeting.begin(), days_to_meeting.end());
    std::size_t n = days_to_meeting.size();
    ind.median_days_to_first_meeting =
        n % 2 ? days_to_meeting[n / 2] : (days_to_meeting[n / 2 - 1] + days_to_meeting[n / 2]) / 2.0;
  }
  return ind;
}

bool same_field(std::string_view candidate_occupation, const std::vector<std::string>& job_codes) {
  if (candidate_occupation.size() < 2) return false;
  for (const auto& code : job_codes)
    if (code.size() >= 2 && code.compare(0, 2, candidate_occupation.substr(0, 2)) == 0) return true;
  return false;
}

namespace {

using passerelle::sync::row_string;

// The day of an RFC 3339 time or a YYYY-MM-DD date.
std::optional<sys_days> day_of(std::string_view text) {
  if (auto t = parse_rfc3339(text)) return std::chrono::floor<std::chrono::days>(*t);
  return parse_date(text);
}

bool in_period(const IndicatorQuery& q, std::optional<sys_days> day) {
  return day && (!q.from || *day >= *q.from) && (!q.to || *day <= *q.to);
}

std::vector<std::string> strings_of(const json::object& row, std::string_view key) {
  std::vector<std::string> out;
  if (auto* v = row.if_contains(key); v && v->is_array())
    for (const auto& e : v->get_array())
      if (e.is_string()) out.emplace_back(e.get_string());
  return out;
}

const json::object* find_row(const std::unordered_map<std::string, json::object>& rows, const std::string& id) {
  auto it = rows.find(id);
  return it == rows.end() ? nullptr : &it->second;
}

// One hire of a candidate: when, in field or not, and whether an outcome record says so.
struct Hire {
  sys_days day;
  bool in_field = false, recorded = false;
};

// The employers and activities figures: one pass over each collection's rows.
void add_employment_figures(const ProgramRows& rows, const IndicatorQuery& q, Timestamp now, Indicators& ind) {
  std::set<std::string> counted;  // the viewer's candidates in the cohort
  for (const auto& p : rows.profiles)
    if (row_string(p, "role") == "candidate" && (!q.cohort || in_cohort(p, *q.cohort))) counted.insert(row_string(p, "id"));
  std::set<std::string> companies;
  std::unordered_map<std::string, std::vector<sys_days>> supported_on;  // candidate: days an activity or internship began
  std::unordered_map<std::string, Hire> hire;                          // candidate: her latest hire in the period
  auto note_hire = [&](const std::string& cand, Hire h) {
    auto it = hire.find(cand);
    if (it == hire.end() || h.day > it->second.day || (h.day == it->second.day && h.recorded)) hire[cand] = h;
  };

  for (const auto& pr : rows.proposals)
    if (counted.count(row_string(pr, "candidate_id")) && in_period(q, day_of(row_string(pr, "proposed_at"))))
      companies.insert(row_string(pr, "employer_id"));

  for (const auto& in : rows.internships) {
    std::string cand = row_string(in, "candidate_id");
    if (!counted.count(cand)) continue;
    auto start = day_of(row_string(in, "start"));
    if (start) supported_on[cand].push_back(*start);
    std::string outcome = row_string(in, "outcome");
    if (in_period(q, start)) {
      ++ind.internships;
      companies.insert(row_string(in, "employer_id"));
      if (outcome == "hired_priime") ++ind.internships_hired_priime;
      else if (outcome == "hired") ++ind.internships_hired;
      else if (outcome == "not_hired") ++ind.internships_not_hired;
      else if (outcome == "ended_early") ++ind.internships_ended_early;
      else ++ind.internships_no_outcome;
    }
    auto hired_on = day_of(row_string(in, "outcome_at"));
    if ((outcome == "hired" || outcome == "hired_priime") && in_period(q, hired_on)) {
      std::vector<std::string> codes;
      if (const auto* need = find_row(rows.needs, row_string(in, "need_id")))
        if (auto code = row_string(*need, "occupation_code"); !code.empty()) codes.push_back(code);
      if (codes.empty())
        if (const auto* employer = find_row(rows.employer_profiles, row_string(in, "employer_id")))
          codes = strings_of(*employer, "occupation_codes");
      const auto* career = find_row(rows.career_profiles, cand);
      note_hire(cand, Hire{*hired_on, same_field(career ? row_string(*career, "occupation_code") : "", codes), false});
    }
  }

  std::set<std::string> held, participants;
  for (const auto& reg : rows.registrations) {
    std::string cand = row_string(reg, "candidate_id");
    if (!counted.count(cand)) continue;
    const auto* activity = find_row(rows.activities, row_string(reg, "activity_id"));
    if (!activity || row_string(*activity, "status") == "cancelled") continue;
    auto starts = parse_rfc3339(row_string(*activity, "start"));
    if (!starts || *starts > now) continue;  // not held yet
    auto* att = reg.if_contains("attended");
    bool recorded = att && att->is_bool(), came = recorded && att->get_bool();
    if (came) supported_on[cand].push_back(std::chrono::floor<std::chrono::days>(*starts));
    if (!in_period(q, std::chrono::floor<std::chrono::days>(*starts))) continue;
    bool seat = row_string(reg, "status") == "confirmed";
    if (!seat && !came) continue;  // waited and did not come, or withdrew
    held.insert(row_string(*activity, "id"));
    for (const auto& e : strings_of(*activity, "employer_ids")) companies.insert(e);
    if (seat) ++ind.activity_seats;
    if (came) ++ind.attended, participants.insert(cand);
    else if (recorded) ++ind.absent;
    else ++ind.attendance_unrecorded;
  }

  // An outcome record of employment dated in the period counts when an activity she attended or
  // an internship began on or before its date.
  for (const auto& o : rows.outcomes) {
    std::string cand = row_string(o, "candidate_id"), status = row_string(o, "status");
    if (!counted.count(cand) || (status != "employed_in_field" && status != "employed_out_of_field")) continue;
    auto day = day_of(row_string(o, "date"));
    if (!in_period(q, day)) continue;
    auto it = supported_on.find(cand);
    if (it == supported_on.end() ||
        std::none_of(it->second.begin(), it->second.end(), [&](sys_days d) { return d <= *day; }))
      continue;
    note_hire(cand, Hire{*day, status == "employed_in_field", true});
  }

  companies.erase("");
  ind.companies_supported = static_cast<int>(companies.size());
  ind.activities_held = static_cast<int>(held.size());
  ind.participants = static_cast<int>(participants.size());
  if (ind.attended + ind.absent > 0) ind.attendance_rate = static_cast<double>(ind.attended) / (ind.attended + ind.absent);
  for (const auto& [cand, h] : hire) {
    ++ind.employed_after_support;
    ++(h.in_field ? ind.employed_in_field : ind.employed_out_of_field);
  }
}

}  // namespace

json::object to_json(const Indicators& i) {
  json::array employment;
  for (const auto& e : i.employment)
    employment.push_back(json::object{{"months", e.months}, {"eligible", e.eligible},
                                      {"employed_in_field", e.employed_in_field},
                                      {"employed_out_of_field", e.employed_out_of_field},
                                      {"studying", e.studying}, {"searching", e.searching}, {"unknown", e.unknown}});
  json::object o{{"candidates", i.candidates},
                 {"coached_abroad", i.coached_abroad},
                 {"plan_completion", json::object{{"none", i.plan_none}, {"0-24", i.plan_0_24},
                                                  {"25-49", i.plan_25_49}, {"50-74", i.plan_50_74},
                                                  {"75-99", i.plan_75_99}, {"100", i.plan_100}}},
                 {"with_two_meetings", i.with_two_meetings},
                 {"share_two_meetings", i.share_two_meetings},
                 {"referrals", i.referrals},
                 {"referrals_per_candidate", i.referrals_per_candidate},
                 {"meetings_with_outcome", i.meetings_with_outcome},
                 {"no_shows", i.no_shows},
                 {"no_show_rate", i.no_show_rate},
                 {"employment", std::move(employment)},
                 {"candidates_admitted", i.candidates_admitted},
                 {"companies_supported", i.companies_supported},
                 {"employed_after_support", json::object{{"total", i.employed_after_support},
                                                         {"in_field", i.employed_in_field},
                                                         {"out_of_field", i.employed_out_of_field}}},
                 {"activities", json::object{{"held", i.activities_held}, {"seats", i.activity_seats},
                                             {"attended", i.attended}, {"absent", i.absent},
                                             {"unrecorded", i.attendance_unrecorded},
                                             {"participants", i.participants},
                                             {"attendance_rate", i.attendance_rate}}},
                 {"internships", json::object{{"started", i.internships}, {"hired_priime", i.internships_hired_priime},
                                              {"hired", i.internships_hired}, {"not_hired", i.internships_not_hired},
                                              {"ended_early", i.internships_ended_early},
                                              {"no_outcome", i.internships_no_outcome}}}};
  if (i.median_days_to_first_meeting) o["median_days_to_first_meeting"] = *i.median_days_to_first_meeting;
  else o["median_days_to_first_meeting"] = nullptr;
  return o;
}

std::string csv_field(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string caseload_csv(const std::vector<CaseloadRow>& rows) { return caseload_csv_header() + caseload_csv_lines(rows); }

std::string caseload_csv_header() {
  return "candidate_id,name,country,time_zone,local_time,planned_arrival,coach,plan_percent_done,steps,"
         "overdue_steps,last_activity,unread_messages,meetings_held,referrals,mentorship,off_track,cohort\r\n";
}

std::string caseload_csv_lines(const std::vector<CaseloadRow>& rows) {
  std::string out;
  for (const auto& r : rows) {
    std::vector<std::string> f = {r.candidate_id, r.name, r.country, r.time_zone, r.local_time, r.planned_arrival,
                                  r.coach_name, r.percent_done ? std::to_string(*r.percent_done) : std::string(),
                                  std::to_string(r.steps_total), std::to_string(r.overdue), r.last_activity,
                                  std::to_string(r.unread), std::to_string(r.meetings_held),
                                  std::to_string(r.referrals), r.mentorship, r.off_track ? "yes" : "no", r.cohort};
    for (std::size_t k = 0; k < f.size(); ++k) out += (k ? "," : "") + csv_field(f[k]);
    out += "\r\n";
  }
  return out;
}

std::string indicators_csv(const Indicators& i) {
  std::vector<std::pair<std::string, std::string>> lines = {
      {"candidates", std::to_string(i.candidates)},
      {"coached_abroad", std::to_string(i.coached_abroad)},
      {"plan_completion_none", std::to_string(i.plan_none)},
      {"plan_completion_0_24", std::to_string(i.plan_0_24)},
      {"plan_completion_25_49", std::to_string(i.plan_25_49)},
      {"plan_completion_50_74", std::to_string(i.plan_50_74)},
      {"plan_completion_75_99", std::to_string(i.plan_75_99)},
      {"plan_completion_100", std::to_string(i.plan_100)},
      {"with_two_meetings", std::to_string(i.with_two_meetings)},
      {"share_two_meetings", fixed(i.share_two_meetings, 4)},
      {"referrals", std::to_string(i.referrals)},
      {"referrals_per_candidate", fixed(i.referrals_per_candidate, 4)},
      {"median_days_to_first_meeting",
       i.median_days_to_first_meeting ? fixed(*i.median_days_to_first_meeting, 2) : std::string()},
      {"meetings_with_outcome", std::to_string(i.meetings_with_outcome)},
      {"no_shows", std::to_string(i.no_shows)},
      {"no_show_rate", fixed(i.no_show_rate, 4)},
  };
  for (const auto& e : i.employment) {
    std::string m = "employment_" + std::to_string(e.months) + "m_";
    lines.push_back({m + "eligible", std::to_string(e.eligible)});
    lines.push_back({m + "employed_in_field", std::to_string(e.employed_in_field)});
    lines.push_back({m + "employed_out_of_field", std::to_string(e.employed_out_of_field)});
    lines.push_back({m + "studying", std::to_string(e.studying)});
    lines.push_back({m + "searching", std::to_string(e.searching)});
    lines.push_back({m + "unknown", std::to_string(e.unknown)});
  }
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"candidates_admitted", std::to_string(i.candidates_admitted)},
           {"companies_supported", std::to_string(i.companies_supported)},
           {"employed_after_activity_or_internship", std::to_string(i.employed_after_support)},
           {"employed_after_activity_or_internship_in_field", std::to_string(i.employed_in_field)},
           {"employed_after_activity_or_internship_out_of_field", std::to_string(i.employed_out_of_field)},
           {"activities_held", std::to_string(i.activities_held)},
           {"activity_seats", std::to_string(i.activity_seats)},
           {"activity_attended", std::to_string(i.attended)},
           {"activity_absent", std::to_string(i.absent)},
           {"activity_attendance_unrecorded", std::to_string(i.attendance_unrecorded)},
           {"activity_participants", std::to_string(i.participants)},
           {"activity_attendance_rate", fixed(i.attendance_rate, 4)},
           {"internships_started", std::to_string(i.internships)},
           {"internships_hired_priime", std::to_string(i.internships_hired_priime)},
           {"internships_hired", std::to_string(i.internships_hired)},
           {"internships_not_hired", std::to_string(i.internships_not_hired)},
           {"internships_ended_early", std::to_string(i.internships_ended_early)},
           {"internships_no_outcome", std::to_string(i.internships_no_outcome)}})
    lines.emplace_back(k, v);
  std::string out = "indicator,value\r\n";
  for (const auto& [k, v] : lines) out += csv_field(k) + "," + csv_field(v) + "\r\n";
  return out;
}

}  // namespace passerelle::indicators
