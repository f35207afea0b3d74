#include "passerelle/shared/plans/plan_template.h"

#include <set>

#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/text.h"

namespace passerelle::plans {
namespace json = boost::json;

bool is_category(std::string_view c) {
  for (const char* k : kCategories)
    if (c == k) return true;
  return false;
}

namespace {

Bilingual read_bilingual(JsonReader& in, std::string_view key, bool required, std::size_t max_bytes) {
  Bilingual b;
  const json::value* v = required ? &in.value(key) : in.optional_value(key);
  if (!in.ok() || !v) return b;
  JsonReader t(*v, in.field_name(key));
  b.fr = t.string("fr");
  b.en = t.string("en");
  for (auto* s : {&b.fr, &b.en}) {
    std::string_view lang = s == &b.fr ? "fr" : "en";
    if (!t.ok()) break;
    if (!is_valid_utf8(*s)) t.fail(lang, "must be valid UTF-8");
    else if (required && trim(*s).empty()) t.fail(lang, "must not be empty");
    else if (s->size() > max_bytes) t.fail(lang, "is longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!t.ok()) in.fail(key, "is invalid: " + t.status().error().message);
  return b;
}

}  // namespace

Result<PlanTemplate> template_from_json(const json::value& v) {
  JsonReader in(v, "template");
  PlanTemplate t;
  t.key = in.string("key");
  t.version = static_cast<int>(in.optional_integer("version").value_or(1));
  t.title = read_bilingual(in, "title", true, 200);
  const json::array& steps = in.array("steps");
  if (in.ok() && (t.key.empty() || t.key.size() > 64)) in.fail("key", "must be 1 to 64 characters");
  if (in.ok() && (t.version < 1 || t.version > 100000)) in.fail("version", "must be a positive integer");
  if (in.ok() && (steps.empty() || steps.size() > 200)) in.fail("steps", "must hold 1 to 200 steps");
  if (auto st = in.status(); !st) return st.error();
  std::set<std::string> keys;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    JsonReader s(steps[i], "template.steps[" + std::to_string(i) + "]");
    TemplateStep step;
    step.key = s.string("key");
    step.category = s.string("category");
    step.title = read_bilingual(s, "title", true, 200);
    step.description = read_bilingual(s, "description", false, 4000);
    step.due_offset_days = static_cast<int>(s.integer("due_offset_days"));
    if (s.ok() && (step.key.empty() || step.key.size() > 64)) s.fail("key", "must be 1 to 64 characters");
    if (s.ok() && !keys.insert(step.key).second) s.fail("key", "repeats another step's key");
    if (s.ok() && !is_category(step.category)) s.fail("category", "is not a known category");
    if (s.ok() && (step.due_offset_days < -1100 || step.due_offset_days > 1100))
      s.fail("due_offset_days", "must be within 1100 days of arrival");
    if (auto st = s.status(); !st) return st.error();
    t.steps.push_back(std::move(step));
  }
  return t;
}

json::object to_json(const Bilingual& b) { return json::object{{"fr", b.fr}, {"en", b.en}}; }

json::object to_json(const PlanTemplate& t) {
  json::array steps;
  for (const auto& s : t.steps)
    steps.emplace_back(json::object{{"key", s.key},
                                    {"category", s.category},
                                    {"title", to_json(s.title)},
                                    {"description", to_json(s.description)},
                                    {"due_offset_days", s.due_offset_days}});
  return json::object{{"key", t.key}, {"version", t.version}, {"title", to_json(t.title)}, {"steps", std::move(steps)}};
}

std::chrono::sys_days resolve_due_date(std::chrono::sys_days arrival, int due_offset_days) {
  return arrival + std::chrono::days(due_offset_days);
}

}  // namespace passerelle::plans
