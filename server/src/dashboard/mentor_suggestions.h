// Mentor suggestions for the dashboard's candidate page (`mentors.suggest`): the ranking and the
// reasons of mentors/matching.h, the same the apps compute on a device, run here on the rows the
// server holds so a browser needs no copy of the matching rules.
#pragma once

#include <boost/json/object.hpp>
#include <soci/soci.h>

#include <optional>
#include <string>

#include "passerelle/shared/protocol.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::dashboard {

// nullopt when `viewer` may not open this candidate's file (not staff, not their coach, or no
// such candidate): the caller answers all of these alike. Otherwise:
//   {candidate_id, career_profile: bool, open_mentorship_id: id|null,
//    suggestions: [{mentor_id, name, score, capacity_left, waking_slots, languages: [..],
//                   reasons: [{code, points, text: {fr, en}}]}]}
std::optional<boost::json::object> suggest_mentors_for(soci::session& sql, const protocol::UserInfo& viewer,
                                                       const std::string& candidate_id, Timestamp now);

}  // namespace passerelle::server::dashboard
