// Mentor suggestions for a candidate (docs/mentoring.md, "Matching"). A pure function of rows the
// coach's device already holds (career profile, mentor profiles, availability, mentorships), so
// suggestions work offline; the server re-checks the hard filters when a mentorship is proposed.
#pragma once

#include <boost/json/object.hpp>

#include "passerelle/shared/protocol.h"
#include <optional>
#include <string>
#include <vector>

#include "passerelle/shared/time.h"

namespace passerelle::mentors {

// Points of each criterion: an exact occupation beats a shared group, which beats shared words.
struct MatchWeights {
  int same_occupation = 60;      // same NOC 2021 code
  int same_major_group = 30;     // same first two digits
  int same_broad_category = 15;  // same first digit
  int per_shared_keyword = 5;    // each shared profession word, at most max_keywords of them
  int max_keywords = 3;
  int organization_interest = 20;  // the mentor's employer is one the candidate named
  int per_waking_hour = 1;         // each slot of the next 14 days inside 08:00-21:00 for the candidate
  int max_waking_hours = 10;
};

struct MentorCandidate {
  boost::json::object profile;                     // mentor_profiles row
  std::optional<boost::json::object> availability;  // availability row, when published
};

struct Reason {
  std::string code;  // same_occupation, same_major_group, same_broad_category, keywords,
                     // organization, waking_hours, language
  std::string text;  // English, for people ("same occupation (NOC 21231)")
  int points = 0;
  std::string text_fr;  // the same in French ("même profession (CNP 21231)")

  // The text in the reader's language.
  const std::string& text_in(protocol::Locale locale) const {
    return locale == protocol::Locale::fr && !text_fr.empty() ? text_fr : text;
  }
};

struct Suggestion {
  std::string mentor_id;
  std::string name;
  int score = 0;
  std::vector<Reason> reasons;
  std::vector<std::string> languages;  // the working languages they share
  int capacity_left = 0;
  int waking_slots = 0;  // slots in the next 14 days inside the candidate's waking hours
};

// Ranked (score, then most capacity left, then id) after the hard filters: capacity left, a
// shared working language (B2+), and no earlier mentorship between the two
// (`excluded_mentor_ids`: the candidate's mentor_history). `candidate` is the career_profiles
// row; its time_zone decides waking hours (UTC when absent).
std::vector<Suggestion> suggest_mentors(const boost::json::object& candidate, const std::vector<MentorCandidate>& mentors,
                                        const std::vector<std::string>& excluded_mentor_ids, Timestamp now,
                                        const MatchWeights& weights = {});

// Active mentorships count against capacity: the number of ids in the mentor profile's
// `active_mentorship_ids`, and the profile's `capacity` (default 1).
int capacity_left(const boost::json::object& mentor_profile);

}  // namespace passerelle::mentors
