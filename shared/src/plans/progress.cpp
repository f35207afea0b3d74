#include "passerelle/shared/plans/progress.h"
#include "passerelle/shared/sync/row_fields.h"

#include <algorithm>

namespace passerelle::plans {
namespace json = boost::json;

PlanProgress compute_progress(const json::object& plan, const std::vector<json::object>& steps, Timestamp now,
                              std::string_view time_zone, const ProgressRules& rules) {
  std::vector<const json::object*> pointers;
  pointers.reserve(steps.size());
  for (const auto& s : steps) pointers.push_back(&s);
  return compute_progress(plan, pointers, now, time_zone, rules);
}

PlanProgress compute_progress(const json::object& plan, const std::vector<const json::object*>& steps, Timestamp now,
                              std::string_view time_zone, const ProgressRules& rules) {
  return compute_progress(plan, summarize_steps(steps), now, time_zone, rules);
}

StepSummary summarize_steps(const std::vector<const json::object*>& steps) {
  StepSummary s;
  for (const json::object* step_ptr : steps) {
    const json::object& step = *step_ptr;
    ++s.total;
    std::string status = passerelle::sync::row_string(step, "status");
    bool open = status != "done" && status != "skipped";
    if (status == "done") ++s.done;
    else if (status == "skipped") ++s.skipped;
    else if (status == "in_progress") ++s.in_progress;
    else ++s.todo;
    if (open) {
      if (!s.next_step_id) s.next_step_id = passerelle::sync::row_string(step, "id");
      if (auto due = parse_date(passerelle::sync::row_string(step, "due_date")))
        s.open_due_days.push_back(static_cast<int>(due->time_since_epoch().count()));
    }
    if (auto at = parse_rfc3339(passerelle::sync::row_string(step, "last_activity_at")); at && (!s.last_activity || *at > *s.last_activity))
      s.last_activity = at;
  }
  std::sort(s.open_due_days.begin(), s.open_due_days.end());
  return s;
}

json::object to_json(const StepSummary& s) {
  json::array due;
  due.reserve(s.open_due_days.size());
  for (int d : s.open_due_days) due.push_back(d);
  json::object o{{"total", s.total}, {"todo", s.todo}, {"in_progress", s.in_progress}, {"done", s.done},
                 {"skipped", s.skipped}, {"open_due_days", std::move(due)}};
  if (s.next_step_id) o["next_step_id"] = *s.next_step_id;
  if (s.last_activity) o["last_activity_ms"] = to_unix_ms(*s.last_activity);
  return o;
}

std::optional<StepSummary> step_summary_from_json(const json::value& v) {
  const json::object* o = v.if_object();
  if (!o) return std::nullopt;
  StepSummary s;
  auto count = [&](std::string_view key, int& into) {
    const json::value* f = o->if_contains(key);
    if (!f || !f->is_int64()) return false;
    into = static_cast<int>(f->get_int64());
    return true;
  };
  if (!count("total", s.total) || !count("todo", s.todo) || !count("in_progress", s.in_progress) ||
      !count("done", s.done) || !count("skipped", s.skipped))
    return std::nullopt;
  const json::value* due = o->if_contains("open_due_days");
  if (!due || !due->is_array()) return std::nullopt;
  for (const auto& d : due->get_array()) {
    if (!d.is_int64()) return std::nullopt;
    s.open_due_days.push_back(static_cast<int>(d.get_int64()));
  }
  if (const json::value* n = o->if_contains("next_step_id"); n && n->is_string()) s.next_step_id = std::string(n->get_string());
  if (const json::value* at = o->if_contains("last_activity_ms"); at && at->is_int64()) s.last_activity = from_unix_ms(at->get_int64());
  return s;
}

PlanProgress compute_progress(const json::object& plan, const StepSummary& s, Timestamp now, std::string_view time_zone,
                              const ProgressRules& rules) {
  PlanProgress p;
  p.total = s.total;
  p.todo = s.todo;
  p.in_progress = s.in_progress;
  p.done = s.done;
  p.skipped = s.skipped;
  p.next_step_id = s.next_step_id;
  auto today = local_date(now, time_zone.empty() ? "UTC" : time_zone);
  if (!today) today = local_date(now, "UTC");
  if (today) {
    // Open steps due before today, in the candidate's own zone.
    int day = static_cast<int>(today->time_since_epoch().count());
    p.overdue = static_cast<int>(std::lower_bound(s.open_due_days.begin(), s.open_due_days.end(), day) - s.open_due_days.begin());
  }
  std::optional<Timestamp> last_activity = parse_rfc3339(passerelle::sync::row_string(plan, "created_at"));
  if (s.last_activity && (!last_activity || *s.last_activity > *last_activity)) last_activity = s.last_activity;
  int counted = p.total - p.skipped;
  p.percent_done = counted == 0 ? 100 : (p.done * 100) / counted;
  if (last_activity)
    p.days_since_activity = static_cast<int>(
        std::chrono::duration_cast<std::chrono::hours>(now - *last_activity).count() / 24);
  bool open_steps = p.todo + p.in_progress > 0;
  p.off_track = open_steps && ((p.days_since_activity && *p.days_since_activity >= rules.off_track_idle_days) ||
                               p.overdue > rules.off_track_overdue_steps);
  return p;
}

}  // namespace passerelle::plans
