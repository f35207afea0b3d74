// Internal to the mentoring mutators (mentor_mutators.cpp, meeting_mutators.cpp,
// referral_mutators.cpp, calendar_mutators.cpp): who reads what, and shared loaders.
// docs/mentoring.md lists every collection, field and audience.
#pragma once

#include "mutators/mutators.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/sync/collections.h"

namespace passerelle::sync::mutators::mentoring {

namespace mc = passerelle::mentors::collection;

// A mentorship's people: the candidate, the mentor, the coach, and admins (program reports).
inline std::vector<std::string> mentorship_audience(const boost::json::object& ms) {
  std::vector<std::string> a;
  a = with_user(a, row_string(ms, "candidate_id"));
  a = with_user(a, row_string(ms, "mentor_id"));
  a = with_user(a, row_string(ms, "coach_id"));
  a = with_user(a, role_audience(protocol::Role::admin));
  return a;
}

// Who reads a mentor's profile, availability and busy times: the mentor, every coach (matching),
// admins, and the candidates of the mentor's active mentorships (kept in the row's audience by
// mentorship.respond / mentorship.complete).
inline std::vector<std::string> mentor_audience(MutationContext& ctx, const std::string& mentor_id) {
  auto a = ctx.rows.audience(mc::mentor_profiles, mentor_id);
  a = with_user(a, mentor_id);
  a = with_user(a, role_audience(protocol::Role::coach));
  a = with_user(a, role_audience(protocol::Role::admin));
  return a;
}

// Adds (or removes) a candidate to the readers of a mentor's profile, availability and busy rows.
inline void set_mentee_access(MutationContext& ctx, const std::string& mentor_id, const std::string& candidate_id,
                              bool access) {
  for (std::string_view c : {mc::mentor_profiles, mc::availability, mc::busy}) {
    auto row = ctx.rows.get(c, mentor_id);
    if (!row) continue;
    auto a = ctx.rows.audience(c, mentor_id);
    a = access ? with_user(a, candidate_id) : without_user(a, candidate_id);
    ctx.rows.put(c, mentor_id, *row, with_user(a, mentor_id));
  }
}

inline bool is_party(const MutationContext& ctx, const boost::json::object& ms) {
  return ctx.actor.user_id == row_string(ms, "candidate_id") || ctx.actor.user_id == row_string(ms, "mentor_id");
}
inline bool is_coach_of(const MutationContext& ctx, const boost::json::object& ms) {
  return ctx.actor.role == protocol::Role::admin ||
         (ctx.actor.role == protocol::Role::coach && ctx.actor.user_id == row_string(ms, "coach_id"));
}

// Appends to an array field, creating it.
inline void push_back(boost::json::object& row, std::string_view key, boost::json::value v) {
  auto* a = row.if_contains(key);
  if (!a || !a->is_array()) row[key] = boost::json::array();
  row[key].as_array().push_back(std::move(v));
}

// Cancels a scheduled meeting's row and frees its busy entries (mentorship.complete on close).
void cancel_meeting(MutationContext& ctx, boost::json::object& meeting, const std::string& reason);
// Sets (interval) or removes (nullopt) a meeting in a user's `busy` row. Its readers: the user,
// whoever read it already, and `extra` (a mentor's row: mentor_audience).
void set_busy(MutationContext& ctx, const std::string& user_id, const std::string& meeting_id,
              std::optional<std::pair<Timestamp, Timestamp>> interval, const std::vector<std::string>& extra = {});

}  // namespace passerelle::sync::mutators::mentoring
