// Mentoring profiles (docs/mentoring.md): the candidate's career profile and the mentor's
// profile, as the mutators validate them and matching reads them. Rows are JSON objects;
// these helpers decode and check the fields both sides agree on.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/shared/error.h"
#include "passerelle/shared/json_reader.h"

namespace passerelle::mentors {

// A language a person speaks: ISO 639-1 code ("fr") and CEFR level ("A1".."C2") or "native".
struct Language {
  std::string code;
  std::string level;
};

// 0 for A1 ... 5 for C2, 6 for native; -1 for anything else.
int level_rank(std::string_view level);
// A working language is spoken at B2 or above (or natively): enough for a one-hour meeting.
bool is_working_level(std::string_view level);

// Decodes `key` as [{code, level}, ...] (1 to 10 entries, codes unique), naming bad fields.
std::vector<Language> languages_field(JsonReader& in, std::string_view key);
std::vector<Language> languages_of(const boost::json::object& row, std::string_view key = "languages");
boost::json::array to_json(const std::vector<Language>& languages);
// The codes both people speak at a working level, in the first list's order.
std::vector<std::string> shared_working_languages(const std::vector<Language>& a, const std::vector<Language>& b);

// A NOC 2021 occupation code: five digits ("21231"). Its first digit is the broad
// occupational category, its first two the major group.
bool is_noc_code(std::string_view code);

// Immigration stages a candidate reports (never shown to mentors).
bool is_immigration_stage(std::string_view stage);
inline constexpr const char* kImmigrationStages[] = {"exploring", "selected",     "csq_received",
                                                      "pr_applied", "pr_approved", "work_permit",
                                                      "arrived"};

// Who reads a candidate's career profile (occupation, languages, immigration stage): the
// candidate, their own coach (none: nobody but them and admins) and admins. The mutators and
// the server's migration of older rows both use it.
std::vector<std::string> career_audience(const std::string& candidate_id, const std::string& coach_id);

// Lower-case words of at least 4 letters (ASCII folding only), minus a few stop words: the
// keywords of a profession or employer for matching.
std::vector<std::string> keywords(std::string_view text);

// The collections of mentoring (docs/mentoring.md lists every field and audience).
namespace collection {
inline constexpr std::string_view career_profiles = "career_profiles";  // id = candidate id
inline constexpr std::string_view mentor_profiles = "mentor_profiles";  // id = mentor id
inline constexpr std::string_view availability = "availability";        // id = mentor id
inline constexpr std::string_view busy = "busy";                        // id = user id
inline constexpr std::string_view mentorships = "mentorships";
inline constexpr std::string_view meetings = "meetings";
inline constexpr std::string_view referrals = "referrals";
inline constexpr std::string_view calendar_feeds = "calendar_feeds";    // id = user id
inline constexpr std::string_view calendar_tokens = "calendar_tokens";  // id = token hash; server only
}  // namespace collection

}  // namespace passerelle::mentors
