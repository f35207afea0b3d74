#include "passerelle/shared/plans/progress.h"
#include "passerelle/shared/sync/row_fields.h"

namespace passerelle::plans {
namespace json = boost::json;

namespace {
}  // namespace

PlanProgress compute_progress(const json::object& plan, const std::vector<json::object>& steps, Timestamp now,
                              std::string_view time_zone, const ProgressRules& rules) {
  std::vector<const json::object*> pointers;
  pointers.reserve(steps.size());
  for (const auto& s : steps) pointers.push_back(&s);
  return compute_progress(plan, pointers, now, time_zone, rules);
}

PlanProgress compute_progress(const json::object& plan, const std::vector<const json::object*>& steps, Timestamp now,
                              std::string_view time_zone, const ProgressRules& rules) {
  PlanProgress p;
  auto today = local_date(now, time_zone.empty() ? "UTC" : time_zone);
  if (!today) today = local_date(now, "UTC");
  std::optional<Timestamp> last_activity = parse_rfc3339(passerelle::sync::row_string(plan, "created_at"));
  for (const json::object* step_ptr : steps) {
    const json::object& step = *step_ptr;
    ++p.total;
    std::string status = passerelle::sync::row_string(step, "status");
    bool open = status != "done" && status != "skipped";
    if (status == "done") ++p.done;
    else if (status == "skipped") ++p.skipped;
    else if (status == "in_progress") ++p.in_progress;
    else ++p.todo;
    if (open) {
      if (!p.next_step_id) p.next_step_id = passerelle::sync::row_string(step, "id");
      auto due = parse_date(passerelle::sync::row_string(step, "due_date"));
      if (due && today && *today > *due) ++p.overdue;
    }
    if (auto at = parse_rfc3339(passerelle::sync::row_string(step, "last_activity_at")); at && (!last_activity || *at > *last_activity))
      last_activity = at;
  }
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
