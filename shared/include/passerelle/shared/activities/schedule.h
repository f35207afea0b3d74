// A speed-jobbing session's schedule as people read it: slot times, each person's agenda, the
// printable sheets and the .ics (written by mentors/ics.h's RFC 5545 writer, the same one the
// meeting feed uses). Pure functions over replicated rows, so a device prints and exports its
// schedule offline; docs/activities.md, "Schedules".
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <utility>
#include <vector>

#include "passerelle/shared/activities/rotation.h"
#include "passerelle/shared/mentors/ics.h"
#include "passerelle/shared/protocol.h"
#include "passerelle/shared/time.h"

namespace passerelle::activities {

inline constexpr std::int64_t kMaxBreakMinutes = 15, kDefaultBreakMinutes = 2;

// Slot i runs [start + i*(slot+break), + slot): the break lets people change tables.
std::vector<std::pair<Timestamp, Timestamp>> slot_times(Timestamp start, std::int64_t slot_minutes,
                                                        std::int64_t break_minutes, int slots);

// An agenda row (collection::agendas) for `user_id` ("candidate" or "employer" side) from the
// rotation; `names` maps ids to the names shown, `tables` employer ids to table numbers.
boost::json::object agenda_row(const boost::json::object& activity, const std::string& user_id, bool employer_side,
                               const Rotation& rotation, const std::vector<std::pair<Timestamp, Timestamp>>& times,
                               const boost::json::object& names, const boost::json::object& tables);

// The .ics of one person's agenda (one VEVENT per meeting, UID stable across rebuilds:
// "<activity>-<employer>-<candidate>@passerelle"), or of an activity itself for a registered
// candidate (one VEVENT, UID "<activity>@passerelle", CANCELLED when the activity is).
std::string agenda_ics(const boost::json::object& activity, const boost::json::object& agenda, protocol::Locale locale);
std::string activity_ics(const boost::json::object& activity, protocol::Locale locale);

// Printable sheets (plain text, one line per slot): a person's agenda, in `time_zone` (the
// activity's when empty), and the organizer's grid (slots down, tables across).
std::string agenda_text(const boost::json::object& activity, const boost::json::object& agenda, protocol::Locale locale);
std::string schedule_text(const boost::json::object& activity, const boost::json::object& schedule, protocol::Locale locale);

}  // namespace passerelle::activities
