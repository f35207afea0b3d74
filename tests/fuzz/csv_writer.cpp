// Fuzz target: the dashboard's CSV exports (shared/indicators: caseload_csv, indicators_csv,
// csv_field), from the caseload and indicators computed over arbitrary replicated rows. The
// input is a JSON object with the ProgramRows collections as arrays of rows:
//
//   {"profiles": [...], "plans": [...], "plan_steps": [...], "threads": [...], "mentorships": [...],
//    "meetings": [...], "referrals": [...], "outcomes": [...], "unread": {"<candidate id>": 3},
//    "coaches": {"<id>": "<name>"}, "now": "<RFC 3339>", "from": "YYYY-MM-DD", "to": "YYYY-MM-DD",
//    "cohort": "2027", "fields": ["any text", ...]}
//
// Every export must read back with a strict RFC 4180 reader (below, written for this test):
// one header, one record per caseload row with the same 16 values, two fields per indicator
// line, and "fields" joined into one record come back unchanged.
#include <algorithm>
#include <optional>
#include <vector>

#include "fuzz_target.h"
#include "passerelle/shared/indicators/indicators.h"
#include "passerelle/shared/json_reader.h"

namespace passerelle::fuzz {
namespace json = boost::json;

using Record = std::vector<std::string>;

// RFC 4180, strictly: records end with CRLF, fields are separated by commas; a field holding a
// comma, quote, CR or LF is quoted and its quotes doubled; unquoted fields hold none of them.
// nullopt for anything else.
std::optional<std::vector<Record>> read_rfc4180(std::string_view s) {
  std::vector<Record> records;
  std::size_t i = 0;
  while (i < s.size()) {
    Record record;
    for (;;) {
      std::string field;
      if (i < s.size() && s[i] == '"') {
        ++i;
        for (;;) {
          if (i >= s.size()) return std::nullopt;  // unterminated quote
          if (s[i] == '"') {
            if (i + 1 < s.size() && s[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          field += s[i++];
        }
      } else {
        while (i < s.size() && s[i] != ',' && s[i] != '\r') {
          if (s[i] == '"' || s[i] == '\n') return std::nullopt;
          field += s[i++];
        }
      }
      record.push_back(std::move(field));
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      if (i + 1 < s.size() && s[i] == '\r' && s[i + 1] == '\n') {
        i += 2;
        break;
      }
      return std::nullopt;  // every record, the last one too, ends with CRLF
    }
    records.push_back(std::move(record));
  }
  return records;
}

namespace {

std::vector<json::object> rows_of(const json::object& in, std::string_view key) {
  std::vector<json::object> out;
  if (const auto* a = in.if_contains(key); a && a->is_array())
    for (const auto& v : a->get_array())
      if (v.is_object()) out.push_back(v.get_object());
  return out;
}

std::optional<std::chrono::sys_days> day_of(const json::object& in, std::string_view key) {
  const auto* v = in.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  auto t = parse_rfc3339(std::string(v->get_string()) + "T00:00:00Z");
  if (!t) return std::nullopt;
  return std::chrono::floor<std::chrono::days>(*t);
}

// The free-text columns of a caseload line, by header name: they must read back as they were.
std::vector<std::pair<std::string, std::string>> caseload_texts(const indicators::CaseloadRow& r) {
  return {{"candidate_id", r.candidate_id}, {"name", r.name},           {"country", r.country},
          {"time_zone", r.time_zone},       {"coach", r.coach_name},    {"last_activity", r.last_activity},
          {"mentorship", r.mentorship},     {"planned_arrival", r.planned_arrival}};
}

}  // namespace

void csv_writer(std::string_view input) {
  auto parsed = parse_json(input);
  if (!parsed || !parsed->is_object()) return;
  const json::object& in = parsed->get_object();

  indicators::ProgramRows rows;
  rows.profiles = rows_of(in, "profiles");
  rows.plans = rows_of(in, "plans");
  rows.plan_steps = rows_of(in, "plan_steps");
  rows.threads = rows_of(in, "threads");
  rows.mentorships = rows_of(in, "mentorships");
  rows.meetings = rows_of(in, "meetings");
  rows.referrals = rows_of(in, "referrals");
  rows.outcomes = rows_of(in, "outcomes");
  if (const auto* u = in.if_contains("unread"); u && u->is_object())
    for (const auto& kv : u->get_object())
      if (kv.value().is_int64()) rows.unread_by_candidate[std::string(kv.key())] = kv.value().get_int64();
  if (const auto* c = in.if_contains("coaches"); c && c->is_object())
    for (const auto& kv : c->get_object())
      if (kv.value().is_string()) rows.coach_names[std::string(kv.key())] = std::string(kv.value().get_string());
  Timestamp now = *parse_rfc3339("2027-09-01T12:00:00Z");
  if (const auto* n = in.if_contains("now"); n && n->is_string())
    now = parse_rfc3339(std::string(n->get_string())).value_or(now);

  auto list = indicators::caseload(rows, now);
  auto caseload = read_rfc4180(indicators::caseload_csv(list));
  check(caseload.has_value(), "the caseload CSV is not RFC 4180");
  check(caseload->size() == list.size() + 1, "the caseload CSV has a different number of records");
  const Record& header = (*caseload)[0];
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Record& record = (*caseload)[i + 1];
    check(record.size() == header.size(), "caseload record " + std::to_string(i) + " does not have the header's fields");
    for (const auto& [column, value] : caseload_texts(list[i])) {
      auto at = std::find(header.begin(), header.end(), column);
      check(at != header.end(), "the caseload CSV has no column " + column);
      check(record[at - header.begin()] == value, "caseload column " + column + " reads back different");
    }
  }

  indicators::IndicatorQuery query;
  query.from = day_of(in, "from");
  query.to = day_of(in, "to");
  if (const auto* c = in.if_contains("cohort"); c && c->is_string()) query.cohort = std::string(c->get_string());
  auto figures = read_rfc4180(indicators::indicators_csv(indicators::compute_indicators(rows, query, now)));
  check(figures.has_value(), "the indicators CSV is not RFC 4180");
  check(!figures->empty() && (*figures)[0] == Record{"indicator", "value"}, "the indicators CSV lost its header");
  for (const auto& r : *figures) check(r.size() == 2, "an indicators line does not have two fields");

  if (const auto* f = in.if_contains("fields"); f && f->is_array()) {
    Record fields;
    std::string line;
    for (const auto& v : f->get_array()) {
      if (!v.is_string()) continue;
      line += (fields.empty() ? "" : ",") + indicators::csv_field(v.get_string());
      fields.emplace_back(v.get_string());
    }
    if (fields.empty()) return;
    auto back = read_rfc4180(line + "\r\n");
    check(back && back->size() == 1 && (*back)[0] == fields, "csv_field does not read back: " + line);
  }
}

}  // namespace passerelle::fuzz

PASSERELLE_FUZZ_TARGET(csv_writer)
