// Action-plan templates: the model plan a coach starts a candidate's plan from
// (docs/action-plans.md). Every person-facing text exists in French and English. Due dates are
// relative to the candidate's planned arrival date and resolved when the plan is created.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "passerelle/shared/error.h"
#include "passerelle/shared/protocol.h"

namespace passerelle::plans {

// A text in both program languages.
struct Bilingual {
  std::string fr;
  std::string en;
  const std::string& in(protocol::Locale l) const { return l == protocol::Locale::en ? en : fr; }
};

// The categories of a plan, in the order a plan shows them.
inline constexpr const char* kCategories[] = {
    "immigration", "recognition", "regulated_profession", "language", "job_search",
    "networking",  "regions",     "employment_programs",  "settling_in"};
bool is_category(std::string_view c);

struct TemplateStep {
  std::string key;       // stable within the template, e.g. "csq-apply"
  std::string category;  // one of kCategories
  Bilingual title;
  Bilingual description;
  int due_offset_days = 0;  // relative to arrival: -90 = 90 days before, 30 = 30 days after
};

struct PlanTemplate {
  std::string key;      // e.g. "quebec-skilled-worker"
  int version = 1;      // raised by each new edition; plans remember theirs
  Bilingual title;
  std::vector<TemplateStep> steps;
};

// Strict decoding of a template file or row: every missing or ill-typed field is named, step
// keys are unique, categories known, offsets within ±3 years, at most 200 steps.
Result<PlanTemplate> template_from_json(const boost::json::value& v);
boost::json::object to_json(const PlanTemplate& t);
boost::json::object to_json(const Bilingual& b);

// The calendar date a step falls due for a candidate arriving on `arrival`.
std::chrono::sys_days resolve_due_date(std::chrono::sys_days arrival, int due_offset_days);

}  // namespace passerelle::plans
