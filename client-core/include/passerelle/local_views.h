// Views the device computes from its local rows, written once for every binding: the native C
// API and CLI read the rows through Client, the WebAssembly core (bindings/web) through its
// SyncStore; both hand them to these functions, so a phone, a desktop and a browser answer the
// same slots, progress and calendar entries for the same rows.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/outcome.h"
#include "passerelle/shared/plans/progress.h"
#include "passerelle/shared/protocol.h"
#include "passerelle/shared/time.h"

namespace passerelle::client {

// Read access to the local view (rows by collection), whatever holds it.
class LocalRows {
 public:
  virtual ~LocalRows() = default;
  virtual Outcome<std::optional<boost::json::object>> get(std::string_view collection, std::string_view id) = 0;
  // Every row of `collection`, or those whose top-level string `field` equals `value`.
  virtual Outcome<std::vector<boost::json::object>> list(std::string_view collection, std::string_view field = {},
                                                         std::string_view value = {}) = 0;
};

// A person's IANA zone: the time_zone of their career profile, else mentor profile, else
// profile; "UTC" when none of them says.
std::string person_time_zone(LocalRows& rows, std::string_view user_id);

// The free slots of a mentorship (`mentorship_id`, or the only active one when empty) over
// `days` (<= 0: kDefaultSlotDays) from `now`, each {start, end, local_start, time_zone,
// mentor_local_start, mentor_time_zone, mentorship_id}: the candidate's zone and the mentor's.
Outcome<boost::json::array> slots_view(LocalRows& rows, std::string_view mentorship_id, int days, Timestamp now);

// The zone that decides what is overdue in a plan: its candidate's profile zone, else UTC.
std::string plan_time_zone(LocalRows& rows, const boost::json::object& plan);
// A plan's steps in plan order (the plan row's step_ids); steps the device lacks are skipped.
Outcome<std::vector<boost::json::object>> plan_steps_in_order(LocalRows& rows, const boost::json::object& plan);
// {total, todo, in_progress, done, skipped, percent_done, overdue, next_step_id,
//  days_since_activity, off_track}
boost::json::object progress_json(const plans::PlanProgress& progress);
// The progress of the plan of `candidate_id` at `now` (default rules); nullopt when the device
// has no plan for them; conflict (usage) when it has several.
Outcome<std::optional<boost::json::object>> plan_progress_view(LocalRows& rows, std::string_view candidate_id, Timestamp now);

// A meeting as an iCalendar text of one event, as `viewer_id` sees it in `locale`
// (shared/mentors/ics.h); not_found (usage) when the meeting is not on this device.
Outcome<std::string> meeting_ics(LocalRows& rows, std::string_view meeting_id, std::string_view viewer_id,
                                 protocol::Locale locale);

// An activity as `viewer_id` takes part in it, for the phone app and the employer's page:
// {activity_id, registration (her row or null), status_text (activities::registration_text in
// `locale`, or null), agenda (her or his speed-jobbing agenda row, or null), agenda_text (the
// printable sheet, or null), ics (the agenda's calendar, else the activity's one event)}.
// not_found (usage) when the activity is not on this device.
Outcome<boost::json::object> activity_view(LocalRows& rows, std::string_view activity_id, std::string_view viewer_id,
                                           protocol::Locale locale);

}  // namespace passerelle::client
