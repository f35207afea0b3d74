// Internal to shared/: the mutator definitions and small helpers they share.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/text.h"
#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::sync::mutators {

Mutator profile_update();
Mutator caseload_assign();
Mutator message_send();
Mutator message_delete();
Mutator receipt_update();
Mutator template_put();
Mutator plan_create();
Mutator step_add();
Mutator step_remove();
Mutator step_move();
Mutator step_reschedule();
Mutator step_rename();
Mutator step_set_status();
Mutator step_note();
Mutator step_comment();
Mutator step_attach();
Mutator plan_share();
// Mentoring (mentor_mutators.cpp, meeting_mutators.cpp, referral_mutators.cpp, calendar_mutators.cpp)
Mutator career_update();
Mutator mentor_update();
Mutator availability_set();
Mutator mentorship_propose();
Mutator mentorship_respond();
Mutator mentorship_complete();
Mutator meeting_request();
Mutator meeting_reschedule();
Mutator meeting_cancel();
Mutator meeting_outcome();
Mutator referral_add();
Mutator referral_update();
Mutator calendar_feed_set();
Mutator calendar_feed_revoke();
// Employment outcomes (docs/dashboard.md)
Mutator outcome_record();
Mutator candidate_set_cohort();
// Employers (shared/src/employers/employer_mutators.cpp, docs/employers.md)
Mutator employer_update();
Mutator employer_confirm_conditions();
Mutator need_create();
Mutator need_close();
Mutator consent_give();
Mutator consent_withdraw();
Mutator proposal_create();
Mutator proposal_respond();
Mutator internship_create();
Mutator internship_extend();
Mutator internship_outcome();
// A consenting candidate's card follows her career profile (employer_mutators.cpp).
void refresh_candidate_card(MutationContext& ctx, const std::string& candidate_id);
// Program activities (activity_mutators.cpp, docs/activities.md)
Mutator activity_create();
Mutator activity_cancel();
Mutator activity_register();
Mutator activity_unregister();
Mutator activity_schedule();
Mutator activity_attendance();

// When a candidate changes coach, their plan follows: the new coach reads and edits it.
void move_plan_to_coach(MutationContext& ctx, const std::string& plan_id, const std::string& coach_id);
// When a candidate changes coach, their career profile follows: the new coach reads it, the
// former one no longer does (their devices get a tombstone).
void move_career_to_coach(MutationContext& ctx, const std::string& candidate_id, const std::string& coach_id);

inline std::vector<std::string> with_user(std::vector<std::string> audience, const std::string& user) {
  if (!user.empty() && std::find(audience.begin(), audience.end(), user) == audience.end())
    audience.push_back(user);
  return audience;
}

inline std::vector<std::string> without_user(std::vector<std::string> audience, const std::string& user) {
  audience.erase(std::remove(audience.begin(), audience.end(), user), audience.end());
  return audience;
}

inline boost::json::array to_json_array(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// Reads a required person-written text: valid UTF-8, not blank, at most `max_bytes`.
// Returns it trimmed, or as written when `keep_spacing` (a message keeps its line breaks).
inline std::string text_field(JsonReader& in, std::string_view key, std::size_t max_bytes, bool keep_spacing = false) {
  std::string t = in.string(key);
  if (!in.ok()) return t;
  if (!is_valid_utf8(t)) in.fail(key, "must be valid UTF-8");
  else if (trim(t).empty()) in.fail(key, "must not be empty");
  else if (t.size() > max_bytes) in.fail(key, "is longer than " + std::to_string(max_bytes) + " bytes");
  return keep_spacing ? t : std::string(trim(t));
}

// Reads a required UUID field.
inline std::string uuid_field(JsonReader& in, std::string_view key) {
  std::string v = in.string(key);
  if (in.ok() && !is_uuid(v)) in.fail(key, "must be a UUID");
  return v;
}

}  // namespace passerelle::sync::mutators
