// The coach dashboard's caseload and the program indicators (docs/dashboard.md): pure
// functions of the replicated rows a viewer may see, so the server's answers, the CSV exports
// and the unit tests share one definition of every figure.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "passerelle/shared/plans/progress.h"
#include "passerelle/shared/time.h"

namespace passerelle::indicators {

// Employment outcome records (collection `outcomes`, mutator `outcome.record`).
inline constexpr std::string_view kOutcomesCollection = "outcomes";
// employed_in_field, employed_out_of_field, studying, searching
bool is_outcome_status(std::string_view status);

// Cohorts. A coach or admin may give a candidate a cohort label (profile field `cohort`, set by
// `candidate.set_cohort`), e.g. "2027-Q1 Casablanca"; every candidate is also in the cohort of the
// year of their planned arrival ("2027"), which is their cohort when they have no label.
inline constexpr std::size_t kMaxCohortBytes = 60;
// 1..kMaxCohortBytes bytes of UTF-8, no control character, no space at either end.
bool is_cohort_label(std::string_view label);
// The label, else the year of planned arrival, else "".
std::string cohort_of(const boost::json::object& profile);
// In `cohort` when it is the candidate's label or the year of their planned arrival.
bool in_cohort(const boost::json::object& profile, std::string_view cohort);

// The rows the figures are computed from, already limited to what the viewer may see
// (a coach: their own candidates; an admin: everyone). Rows are the replicated JSON rows.
struct ProgramRows {
  std::vector<boost::json::object> profiles;  // candidates' profiles (other roles are ignored)
  std::vector<boost::json::object> plans, plan_steps, threads, mentorships, meetings, referrals, outcomes;
  // A plan's steps are those its step_ids list that name it (their plan_id), in that order.
  // The server gives their summaries by plan id instead of the steps (plans::StepSummary,
  // kept on write); a plan without one here is summarized from `plan_steps`.
  std::unordered_map<std::string, plans::StepSummary> step_summaries;
  // Messages the viewer has not read, per candidate (their coaching and mentorship threads).
  std::map<std::string, std::int64_t> unread_by_candidate;
  // Names of coaches, by id (for the caseload's coach column).
  std::map<std::string, std::string> coach_names;
  // Employers and activities (docs/employers.md, docs/activities.md), for the indicators only
  // (the caseload leaves them empty): the candidates' proposals, internships and activity
  // registrations; their career profiles (occupation_code) by candidate id; and, by id, the
  // activities, needs and employer profiles those rows name.
  std::vector<boost::json::object> proposals, internships, registrations;
  std::unordered_map<std::string, boost::json::object> career_profiles, activities, needs, employer_profiles;
};

// One line of the caseload table.
struct CaseloadRow {
  std::string candidate_id, name, country, time_zone;
  std::string local_time;       // "YYYY-MM-DD HH:MM" in the candidate's zone now ("" if unknown)
  std::string planned_arrival;  // "YYYY-MM-DD" or ""
  std::string coach_id, coach_name;
  std::string plan_id;          // "" when no plan yet
  std::optional<int> percent_done;  // no plan: none
  int steps_total = 0;
  int overdue = 0;
  std::string last_activity;    // RFC 3339, the latest of step activity and coaching messages ("" if none)
  std::int64_t unread = 0;
  int meetings_held = 0;        // mentor meetings held (of 2)
  int meetings_upcoming = 0;    // booked, not cancelled, not yet given an outcome
  int referrals = 0;            // direct referrals introduced or met (of 3)
  std::string mentorship;       // status of the latest mentorship, "" when none
  std::string cohort;           // cohort_of(profile)
  bool off_track = false;
};

std::vector<CaseloadRow> caseload(const ProgramRows& rows, Timestamp now, const plans::ProgressRules& rules = {});
// The rows of a cohort (as in_cohort), for the caseload export's `cohort` filter.
std::vector<CaseloadRow> only_cohort(std::vector<CaseloadRow> rows, std::string_view cohort);
boost::json::object to_json(const CaseloadRow& row);

// Which candidates the indicators count: those whose coaching started (their coaching
// thread's creation) within [from, to] (dates, inclusive, UTC), and, with `cohort`, who are in
// that cohort (in_cohort: their label, or the year of their planned arrival).
struct IndicatorQuery {
  std::optional<std::chrono::sys_days> from, to;
  std::optional<std::string> cohort;
};

struct EmploymentAt {
  int months = 0;          // 3, 6, 12
  int eligible = 0;        // candidates whose arrival + months is on or before today
  int employed_in_field = 0, employed_out_of_field = 0, studying = 0, searching = 0, unknown = 0;
};

struct Indicators {
  int candidates = 0;            // candidates in the selection
  int coached_abroad = 0;        // ... with a coaching message before their arrival date
  // Plan completion: no plan, 0-24 %, 25-49 %, 50-74 %, 75-99 %, 100 %.
  int plan_none = 0, plan_0_24 = 0, plan_25_49 = 0, plan_50_74 = 0, plan_75_99 = 0, plan_100 = 0;
  int with_two_meetings = 0;     // candidates with 2 held mentor meetings
  double share_two_meetings = 0;  // with_two_meetings / candidates (0 when none)
  int referrals = 0;             // direct referrals introduced or met
  double referrals_per_candidate = 0;
  std::optional<double> median_days_to_first_meeting;  // first contact -> first held meeting
  int meetings_with_outcome = 0, no_shows = 0;
  double no_show_rate = 0;       // no_shows / meetings_with_outcome (0 when none)
  std::vector<EmploymentAt> employment;  // at 3, 6 and 12 months after arrival

  // Employers and activities (issue 21). These count events dated in [from, to] (the period)
  // of the viewer's candidates in the cohort, whenever their coaching started; see
  // docs/dashboard.md for each definition.
  int candidates_admitted = 0;   // = candidates: coaching started in the period
  int companies_supported = 0;   // employers with a proposal, an internship or a held activity
  // Candidates hired in the period after an activity they attended or an internship, once each.
  int employed_after_support = 0, employed_in_field = 0, employed_out_of_field = 0;
  int activities_held = 0;       // not cancelled, started, with a counted candidate's seat
  int activity_seats = 0;        // counted candidates' confirmed registrations to them
  int attended = 0, absent = 0, attendance_unrecorded = 0;
  int participants = 0;          // distinct candidates who attended at least one
  double attendance_rate = 0;    // attended / (attended + absent), 0 when none recorded
  int internships = 0;           // started in the period
  int internships_hired_priime = 0, internships_hired = 0, internships_not_hired = 0, internships_ended_early = 0,
      internships_no_outcome = 0;
};

// "In field" for a hire through an internship: the need's NOC 2021 code (without a need, one of
// the employer's sought occupations) is in the same major group (first two digits) as the
// candidate's occupation (her career profile's occupation_code). Unknown codes: not in field.
bool same_field(std::string_view candidate_occupation, const std::vector<std::string>& job_codes);

Indicators compute_indicators(const ProgramRows& rows, const IndicatorQuery& query, Timestamp now);
boost::json::object to_json(const Indicators& ind);

// RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF (quotes
// doubled), a header row first. UTF-8 without a byte-order mark.
std::string csv_field(std::string_view value);
std::string caseload_csv(const std::vector<CaseloadRow>& rows);
// The same in parts, for an export written as it is read: the header row, then rows' lines.
std::string caseload_csv_header();
std::string caseload_csv_lines(const std::vector<CaseloadRow>& rows);
// One `indicator,value` line per figure (the header is `indicator,value`).
std::string indicators_csv(const Indicators& ind);

}  // namespace passerelle::indicators
