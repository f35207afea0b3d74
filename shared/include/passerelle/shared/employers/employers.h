// Employers (docs/employers.md): partner employers' profiles and needs, a candidate's consent to
// be shown to employers, staff's preselection and proposals, and unpaid exploratory internships.
// The rules here are pure functions of rows, run by the mutators (server and devices alike) and
// by the staff's tools (preselection works offline on the rows a staff device holds).
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/shared/error.h"
#include "passerelle/shared/mentors/matching.h"
#include "passerelle/shared/protocol.h"
#include "passerelle/shared/time.h"

namespace passerelle::employers {

// The collections (docs/employers.md lists every field and audience).
namespace collection {
// One per employer account, id = employer id. Read by the employer and program staff.
inline constexpr std::string_view employer_profiles = "employer_profiles";
// A position or internship an employer wants to fill. Read by the employer and program staff.
inline constexpr std::string_view employer_needs = "employer_needs";
// One per candidate, id = candidate id: whether she agreed to be shown to employers.
// Read by the candidate and program staff (never by employers).
inline constexpr std::string_view consents = "employer_consents";
// What an employer may learn of a consenting candidate, id = candidate id. Read by the
// candidate, program staff, and the employers she is proposed to; removed when she withdraws.
inline constexpr std::string_view candidate_cards = "candidate_cards";
// Staff proposing a candidate for a need. Read by staff, the candidate and the employer.
inline constexpr std::string_view proposals = "employer_proposals";
// An unpaid exploratory internship. Read by staff, the candidate and the employer.
inline constexpr std::string_view internships = "internships";
// One per candidate, id = candidate id: the periods of her internships, so a new one is
// checked for overlap without a query. Read by the candidate and program staff.
inline constexpr std::string_view internship_periods = "internship_periods";
}  // namespace collection

// The legal limit of an unpaid exploratory internship (Individual and Family Assistance
// Regulation, s. 6): 28 days.
inline constexpr int kMaxInternshipDays = 28;
// Where the internship takes place when nobody says otherwise.
inline constexpr std::string_view kDefaultWorkplaceZone = "America/Toronto";

// The length of [start, end) as the workplace's wall clock counts it, in minutes: a four-week
// internship across a daylight-saving change is 28 days, not 28 days plus or minus an hour.
// nullopt for an unknown zone.
std::optional<std::int64_t> wall_clock_minutes(Timestamp start, Timestamp end, std::string_view zone);

// The instant the local day `day` starts in `zone` (a day given as a date starts at the
// workplace's midnight); nullopt for an unknown zone.
std::optional<Timestamp> start_of_local_day(std::chrono::sys_days day, std::string_view zone);

// ok, or bad_request when end <= start, or conflict when the wall-clock length exceeds 28 days
// (the message says why and points to hiring instead). `locale` picks the message's language.
Status check_internship_length(Timestamp start, Timestamp end, std::string_view zone, protocol::Locale locale);

// Outcomes of an internship.
bool is_internship_outcome(std::string_view outcome);
inline constexpr const char* kInternshipOutcomes[] = {"hired_priime", "hired", "not_hired", "ended_early"};

// Weights of preselection: the occupation counts most, as in mentor matching.
struct PreselectWeights {
  int same_occupation = 60;
  int same_major_group = 30;
  int same_broad_category = 15;
  int per_language = 10;      // each of the need's languages she speaks at a working level (B2+)
  int available_in_time = 15; // available (after arrival) on or before the need's start
  int same_region = 10;       // the region she aims for is the need's or the employer's
};

struct Preselected {
  std::string candidate_id;
  std::string name;
  int score = 0;
  std::vector<mentors::Reason> reasons;  // same shape as mentor suggestions: code, points, fr/en
};

// Consenting candidates (their candidate_cards rows) ranked for an employer's need, with the
// reasons shown, best first (score, then id). `excluded` are candidates already proposed for
// this need. Cards without an occupation or a language in common still appear, lower.
std::vector<Preselected> preselect(const boost::json::object& need, const boost::json::object& employer_profile,
                                   const std::vector<boost::json::object>& cards,
                                   const std::vector<std::string>& excluded, const PreselectWeights& weights = {});

}  // namespace passerelle::employers
