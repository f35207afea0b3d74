#include "passerelle/local_views.h"

#include <map>

#include "passerelle/mentor_slots.h"
#include "passerelle/shared/activities/activities.h"
#include "passerelle/shared/activities/schedule.h"
#include "passerelle/shared/mentors/ics.h"
#include "passerelle/shared/mentors/profiles.h"
#include "passerelle/shared/sync/collections.h"

namespace passerelle::client {

namespace json = boost::json;

namespace {
std::string str(const json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
Failure refused(ErrorCode code, std::string message) { return Failure{Origin::usage, Error{code, std::move(message)}}; }
}  // namespace

std::string person_time_zone(LocalRows& rows, std::string_view user_id) {
  namespace mc = mentors::collection;
  for (std::string_view c : {std::string_view(mc::career_profiles), std::string_view(mc::mentor_profiles),
                             std::string_view(sync::collection::profiles)}) {
    auto p = rows.get(c, user_id);
    if (!p || !*p) continue;
    if (const auto* z = (*p)->if_contains("time_zone"); z && z->is_string() && !z->as_string().empty())
      return std::string(z->as_string());
  }
  return "UTC";
}

Outcome<json::array> slots_view(LocalRows& rows, std::string_view mentorship_id, int days, Timestamp now) {
  namespace mc = mentors::collection;
  json::object mentorship;
  if (!mentorship_id.empty()) {
    auto row = rows.get(mc::mentorships, mentorship_id);
    if (!row) return std::move(row).failure();
    if (!*row)
      return refused(ErrorCode::not_found, "mentorship " + std::string(mentorship_id) + " is not on this device (sync first?)");
    mentorship = std::move(**row);
  } else {
    auto active = rows.list(mc::mentorships, "status", "active");
    if (!active) return std::move(active).failure();
    if (active->size() != 1)
      return refused(active->empty() ? ErrorCode::not_found : ErrorCode::conflict,
                     active->empty() ? "no active mentorship on this device"
                                     : "several active mentorships on this device: give its id");
    mentorship = std::move(active->front());
  }
  std::string mentor_id = str(mentorship, "mentor_id"), candidate_id = str(mentorship, "candidate_id");
  auto availability = rows.get(mc::availability, mentor_id);
  if (!availability) return std::move(availability).failure();
  if (!*availability) return refused(ErrorCode::not_found, "the mentor has published no availability yet (or sync first)");
  std::vector<json::object> busy;
  for (const auto& who : {mentor_id, candidate_id}) {
    auto b = rows.get(mc::busy, who);
    if (!b) return std::move(b).failure();
    if (*b) busy.push_back(std::move(**b));
  }
  auto free = free_slots_from_rows(**availability, busy, now, days > 0 ? days : kDefaultSlotDays);
  if (!free)
    return local_failure(Error{free.error().code, "the mentor's availability is damaged: " + free.error().message});
  std::string mentor_zone = str(**availability, "time_zone");
  std::string candidate_zone = person_time_zone(rows, candidate_id);
  json::array a;
  a.reserve(free->size());
  for (const auto& slot : *free) {
    auto in = [&](const std::string& zone) {
      auto s = format_rfc3339_in_zone(slot.start, zone);
      return s ? json::value(*s) : json::value(nullptr);
    };
    a.push_back(json::object{{"start", format_rfc3339(slot.start)},
                             {"end", format_rfc3339(slot.end)},
                             {"local_start", in(candidate_zone)},
                             {"time_zone", candidate_zone},
                             {"mentor_local_start", in(mentor_zone)},
                             {"mentor_time_zone", mentor_zone},
                             {"mentorship_id", str(mentorship, "id")}});
  }
  return a;
}

std::string plan_time_zone(LocalRows& rows, const json::object& plan) {
  auto p = rows.get(sync::collection::profiles, str(plan, "candidate_id"));
  if (p && *p)
    if (auto z = str(**p, "time_zone"); !z.empty()) return z;
  return "UTC";
}

Outcome<std::vector<json::object>> plan_steps_in_order(LocalRows& rows, const json::object& plan) {
  auto found = rows.list(sync::collection::plan_steps, "plan_id", str(plan, "id"));
  if (!found) return std::move(found).failure();
  std::map<std::string, json::object> by_id;
  for (auto& r : *found) by_id.emplace(str(r, "id"), std::move(r));
  std::vector<json::object> out;
  if (auto* ids = plan.if_contains("step_ids"); ids && ids->is_array())
    for (const auto& id : ids->get_array())
      if (id.is_string())
        if (auto it = by_id.find(std::string(id.get_string())); it != by_id.end()) out.push_back(it->second);
  return out;
}

json::object progress_json(const plans::PlanProgress& p) {
  json::object o{{"total", p.total},     {"todo", p.todo},       {"in_progress", p.in_progress},
                 {"done", p.done},       {"skipped", p.skipped}, {"percent_done", p.percent_done},
                 {"overdue", p.overdue}, {"off_track", p.off_track}};
  o["next_step_id"] = p.next_step_id ? json::value(*p.next_step_id) : json::value(nullptr);
  o["days_since_activity"] = p.days_since_activity ? json::value(*p.days_since_activity) : json::value(nullptr);
  return o;
}

Outcome<std::optional<json::object>> plan_progress_view(LocalRows& rows, std::string_view candidate_id, Timestamp now) {
  auto plans = rows.list(sync::collection::plans, "candidate_id", candidate_id);
  if (!plans) return std::move(plans).failure();
  if (plans->empty()) return std::optional<json::object>();
  if (plans->size() > 1)
    return refused(ErrorCode::conflict, "this person follows " + std::to_string(plans->size()) + " plans on this device");
  const json::object& plan = plans->front();
  auto steps = plan_steps_in_order(rows, plan);
  if (!steps) return std::move(steps).failure();
  return std::optional<json::object>(progress_json(plans::compute_progress(plan, *steps, now, plan_time_zone(rows, plan))));
}

Outcome<std::string> meeting_ics(LocalRows& rows, std::string_view meeting_id, std::string_view viewer_id,
                                 protocol::Locale locale) {
  auto row = rows.get(mentors::collection::meetings, meeting_id);
  if (!row) return std::move(row).failure();
  if (!*row) return refused(ErrorCode::not_found, "meeting " + std::string(meeting_id) + " is not on this device (sync first?)");
  return mentors::ics_calendar({mentors::meeting_event(**row, viewer_id, locale)}, "");
}

Outcome<json::object> activity_view(LocalRows& rows, std::string_view activity_id, std::string_view viewer_id,
                                    protocol::Locale locale) {
  namespace ac = activities::collection;
  auto activity = rows.get(ac::activities, activity_id);
  if (!activity) return std::move(activity).failure();
  if (!*activity)
    return refused(ErrorCode::not_found, "activity " + std::string(activity_id) + " is not on this device (sync first?)");
  auto registration = rows.get(ac::registrations, activities::registration_id(activity_id, viewer_id));
  if (!registration) return std::move(registration).failure();
  auto agenda = rows.get(ac::agendas, activities::agenda_id(activity_id, viewer_id));
  if (!agenda) return std::move(agenda).failure();
  json::object out{{"activity_id", activity_id}};
  out["registration"] = *registration ? json::value(**registration) : json::value(nullptr);
  out["status_text"] =
      *registration ? json::value(activities::registration_text(**registration, locale)) : json::value(nullptr);
  out["agenda"] = *agenda ? json::value(**agenda) : json::value(nullptr);
  out["agenda_text"] = *agenda ? json::value(activities::agenda_text(**activity, **agenda, locale)) : json::value(nullptr);
  out["ics"] = *agenda ? activities::agenda_ics(**activity, **agenda, locale) : activities::activity_ics(**activity, locale);
  return out;
}

}  // namespace passerelle::client
