// Program activities (docs/activities.md): speed-jobbing sessions, career exploration days and
// sector conferences that staff organize and candidates register for, from their device and
// offline too. What both sides must agree on lives here: the collections, the kinds, the seat
// rules (who gets a seat, who waits, who moves up), the ids every device computes alike, and
// the words a person reads about her registration, in French and English.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/shared/protocol.h"
#include "passerelle/shared/time.h"

namespace passerelle::activities {

namespace collection {
// One per activity. Read by its organizer, admins, the candidates it is open to (role:candidate
// for "all", else each invited candidate), its employers, and the coaches of registered
// candidates.
inline constexpr std::string_view activities = "activities";
// One per (activity, candidate), id = registration_id(). Read by the candidate, her coach, the
// organizer, admins and, once she holds a seat, the employers she will meet (the host of an
// exploration day; her selected employers at a speed-jobbing session).
inline constexpr std::string_view registrations = "activity_registrations";
// One per activity, id = activity id: the seat holders and the waiting list in order. Server
// bookkeeping read by the organizer and admins only (a candidate never learns who else waits).
inline constexpr std::string_view rosters = "activity_rosters";
// One per speed-jobbing session, id = activity id: the slots and the whole rotation. Read by
// the organizer and admins.
inline constexpr std::string_view schedules = "activity_schedules";
// One per (session, person), id = agenda_id(): that person's own meetings, slot by slot. Read
// by that person, the organizer and admins (and a candidate's coach).
inline constexpr std::string_view agendas = "activity_agendas";
}  // namespace collection

enum class Kind { speed_jobbing, exploration_day, conference };
std::string_view to_string(Kind kind) noexcept;
std::optional<Kind> parse_kind(std::string_view text) noexcept;

// Limits (the mutators refuse beyond them).
inline constexpr std::int64_t kMaxCapacity = 5000;
inline constexpr std::size_t kMaxEmployers = 60;
inline constexpr std::size_t kMaxInvited = 5000;
inline constexpr std::int64_t kMinSlotMinutes = 3, kMaxSlotMinutes = 60, kDefaultSlotMinutes = 8;
// Attendance (activity.attendance) opens an hour before the start: staff check people in at the
// door. Before that, "attended" would be a guess.
inline constexpr std::chrono::hours kAttendanceOpensBefore{1};

// ---------------------------------------------------------------- seat rules
// A registration reaching the server takes a seat while seats_taken < capacity; otherwise it
// joins the end of the waiting list. Ops are applied one after another inside the push
// transaction (one writer; on PostgreSQL every write transaction first locks the change log's
// counter), so N registrations racing for the last seat give exactly one seat.
struct SeatState {
  std::int64_t capacity = 0;
  std::int64_t confirmed = 0;   // seats taken
  std::int64_t waitlisted = 0;  // people waiting
};
struct SeatDecision {
  bool seat = false;
  std::int64_t position = 0;  // on the waiting list, 1-based (0 with a seat)
};
SeatDecision decide_registration(const SeatState& state);
// How many people move up from the waiting list now (after a cancellation freed seats).
std::int64_t promotions(const SeatState& state);

// ---------------------------------------------------------------- ids
// The same on every device and the server: one registration per (activity, candidate), so two
// offline taps (or two devices) make one registration, not two.
std::string registration_id(std::string_view activity_id, std::string_view candidate_id);
std::string agenda_id(std::string_view activity_id, std::string_view user_id);

// ---------------------------------------------------------------- what a person reads
// A registration's status: "requested" (on the device, not yet answered by the server),
// "confirmed", "waitlisted", "cancelled". `reason` says why, as a code:
//   seat                 a seat was free when the registration reached the server
//   full                 the activity was full: waiting list, `position` says where
//   promoted             someone cancelled: moved up from the waiting list to a seat
//   pending              the device has not heard from the server yet
//   withdrawn            the candidate (or staff for her) cancelled the registration
//   activity_cancelled   the organizer cancelled the activity
// The sentence for a registration row in `locale` (both languages complete).
std::string registration_text(const boost::json::object& registration, protocol::Locale locale);
// "Speed-jobbing session" / "Séance de speed jobbing", ...
std::string kind_label(Kind kind, protocol::Locale locale);

}  // namespace passerelle::activities
