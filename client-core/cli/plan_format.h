// Pure helpers of the plan commands, apart so unit tests reach them without a process: short
// ids, id prefixes, the due-date label in the candidate's zone, the progress line.
#pragma once

#include <boost/json/object.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/shared/plans/progress.h"
#include "passerelle/shared/time.h"

namespace passerelle::cli {

// The shortest prefix of each id, at least 8 characters, that no other id in `ids` shares.
// UUIDv7 ids made within the same minute share their first 8 characters (the clock), so a plain
// 8-character cut would not always name one step.
std::map<std::string, std::string> short_ids(const std::vector<std::string>& ids);

// The ids in `ids` that start with `prefix` (case-insensitive); an exact match alone when there
// is one.
std::vector<std::string> match_prefix(const std::vector<std::string>& ids, std::string_view prefix);

// "2026-03-06", or "2026-03-06 overdue" when the step is open and its date has passed in the
// candidate's zone `zone` at `now` (the rule of plans::compute_progress, applied to one step).
std::string due_label(const boost::json::object& plan, const boost::json::object& step, Timestamp now,
                      std::string_view zone);

// "40% done (12/30 steps), 2 overdue, next: <next>, 3 days since activity, OFF TRACK".
std::string progress_line(const plans::PlanProgress& p, const std::string& next);

// A bilingual text {"fr":..., "en":...} in `locale`, French when that one is missing.
std::string in_locale(const boost::json::object& row, std::string_view key, std::string_view locale);

}  // namespace passerelle::cli
