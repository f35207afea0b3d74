// The replicated collections and the shape of their rows (docs/sync.md lists every field).
// Rows are JSON objects; these helpers build the ones the system itself creates.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "passerelle/shared/protocol.h"
#include "passerelle/shared/time.h"

namespace passerelle::sync {

namespace collection {
// One per user, id = user id. Read by the user, their coach, their candidates (for a coach).
inline constexpr std::string_view profiles = "profiles";
// A conversation made by the system: candidate and coach (kind "coaching"), candidate and
// mentor (kind "mentorship", the coach reads too). `members` write; the audience reads.
inline constexpr std::string_view threads = "threads";
// One message of a thread, numbered `n` by the server. Read by the thread's audience.
inline constexpr std::string_view messages = "messages";
// One per (thread, reader): the reader's delivered and read marks (messages/receipts.h).
inline constexpr std::string_view receipts = "receipts";
// Action-plan templates, id = template key. Written by admins (server side for now).
inline constexpr std::string_view templates = "templates";
// A candidate's action plan (one per candidate); holds the ordered step ids.
inline constexpr std::string_view plans = "plans";
// One step of a plan. Read by whoever reads its plan.
inline constexpr std::string_view plan_steps = "plan_steps";
}  // namespace collection

// Longest message body in bytes of UTF-8.
inline constexpr std::size_t kMaxMessageBytes = 8 * 1024;

// An audience entry standing for every user of a role ("role:coach"): rows such as plan
// templates that all coaches read, without one entry per coach.
std::string role_audience(protocol::Role role);

// The profile row the server writes when an account is created.
boost::json::object new_profile_row(const protocol::UserInfo& user, Timestamp now);

}  // namespace passerelle::sync
