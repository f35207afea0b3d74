// Progress of an action plan: derived from its steps, never typed in. The server's dashboard
// and the device compute it with this one function.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/shared/time.h"

namespace passerelle::plans {

struct ProgressRules {
  int off_track_idle_days = 21;    // no candidate activity for this long: off track
  int off_track_overdue_steps = 3;  // more overdue steps than this: off track
};

struct PlanProgress {
  int total = 0, todo = 0, in_progress = 0, done = 0, skipped = 0;
  int percent_done = 0;  // done among the steps not skipped, rounded down; 100 when none remain
  int overdue = 0;       // open steps whose due date has passed in the candidate's own zone
  std::optional<std::string> next_step_id;  // first open step in plan order
  std::optional<int> days_since_activity;    // since the candidate's last step activity or the plan's creation
  bool off_track = false;
};

// What progress needs from a plan's steps, gathered once: the server keeps one per plan,
// updated with the writes that change its steps (so a program's dashboard never reads its
// steps), and compute_progress over steps is compute_progress over their summary.
struct StepSummary {
  int total = 0, todo = 0, in_progress = 0, done = 0, skipped = 0;
  std::optional<std::string> next_step_id;  // first open step in plan order
  // The due dates of the open steps (days since 1970-01-01, ascending): which are overdue
  // depends on the day and the candidate's zone, so the dates are kept, not the count.
  std::vector<int> open_due_days;
  std::optional<Timestamp> last_activity;  // the latest step activity
};

// `steps` in plan order.
StepSummary summarize_steps(const std::vector<const boost::json::object*>& steps);
// A summary as the server stores it, and back (nullopt for anything else).
boost::json::object to_json(const StepSummary& summary);
std::optional<StepSummary> step_summary_from_json(const boost::json::value& v);

// `steps` in plan order (the plan row's step_ids). `time_zone` is the candidate's IANA zone
// (UTC when unknown): a step due on D is overdue once the candidate's local date is after D.
PlanProgress compute_progress(const boost::json::object& plan, const std::vector<boost::json::object>& steps,
                              Timestamp now, std::string_view time_zone, const ProgressRules& rules = {});
// The same over steps held elsewhere (the dashboard's program rows), without copying them.
PlanProgress compute_progress(const boost::json::object& plan, const std::vector<const boost::json::object*>& steps,
                              Timestamp now, std::string_view time_zone, const ProgressRules& rules = {});
PlanProgress compute_progress(const boost::json::object& plan, const StepSummary& steps, Timestamp now,
                              std::string_view time_zone, const ProgressRules& rules = {});

}  // namespace passerelle::plans
