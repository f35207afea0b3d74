#include "plan_format.h"

#include <algorithm>
#include <cctype>

namespace passerelle::cli {

namespace json = boost::json;

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

std::map<std::string, std::string> short_ids(const std::vector<std::string>& ids) {
  std::map<std::string, std::string> out;
  for (const auto& id : ids) {
    std::size_t n = std::min<std::size_t>(8, id.size());
    for (; n < id.size(); ++n) {
      bool shared = std::any_of(ids.begin(), ids.end(), [&](const std::string& other) {
        return other != id && other.compare(0, n, id, 0, n) == 0;
      });
      if (!shared) break;
    }
    out[id] = id.substr(0, n);
  }
  return out;
}

std::vector<std::string> match_prefix(const std::vector<std::string>& ids, std::string_view prefix) {
  std::string p = lower(prefix);
  std::vector<std::string> out;
  if (p.empty()) return out;
  for (const auto& id : ids) {
    std::string l = lower(id);
    if (l == p) return {id};
    if (l.rfind(p, 0) == 0) out.push_back(id);
  }
  return out;
}

std::string due_label(const json::object& plan, const json::object& step, Timestamp now, std::string_view zone) {
  auto* due = step.if_contains("due_date");
  std::string label = due && due->is_string() ? std::string(due->get_string()) : std::string("(no date)");
  // One step through the shared rule: no second definition of "overdue" to drift apart.
  if (plans::compute_progress(plan, {step}, now, zone).overdue > 0) label += " overdue";
  return label;
}

std::string progress_line(const plans::PlanProgress& p, const std::string& next) {
  std::string line = std::to_string(p.percent_done) + "% done (" + std::to_string(p.done) + "/" +
                     std::to_string(p.total) + " steps";
  if (p.skipped > 0) line += ", " + std::to_string(p.skipped) + " skipped";
  line += "), " + std::to_string(p.overdue) + " overdue";
  line += ", next: " + (p.next_step_id ? next : std::string("none"));
  if (p.days_since_activity)
    line += ", " + std::to_string(*p.days_since_activity) +
            (*p.days_since_activity == 1 ? " day" : " days") + " since activity";
  if (p.off_track) line += ", OFF TRACK";
  return line;
}

std::string in_locale(const json::object& row, std::string_view key, std::string_view locale) {
  auto* v = row.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (!v->is_object()) return {};
  const auto& o = v->get_object();
  for (std::string_view l : {locale, std::string_view("fr"), std::string_view("en")})
    if (auto* t = o.if_contains(l); t && t->is_string() && !t->get_string().empty()) return std::string(t->get_string());
  return {};
}

}  // namespace passerelle::cli
