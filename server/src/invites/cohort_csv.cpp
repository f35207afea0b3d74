#include "cohort_csv.h"

#include <boost/json.hpp>

#include <algorithm>
#include <map>

#include "passerelle/shared/protocol.h"
#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/text.h"

namespace passerelle::server::invites {

std::string cohort_template() {
  return "email,name,locale,planned_arrival,country\r\n"
         "amina.benali@example.org,Amina Benali,fr,2027-03-15,MA\r\n"
         "jose.garcia@example.org,José García,en,2027-05-01,CO\r\n";
}

Result<std::vector<std::vector<std::string>>> parse_csv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (!is_valid_utf8(text)) return Error{ErrorCode::bad_request, "the file is not UTF-8 text; save it as CSV UTF-8"};
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  std::size_t line = 1, record_line = 1;
  std::size_t i = 0;
  auto bad = [&](const std::string& why) {
    return Error{ErrorCode::bad_request, "line " + std::to_string(line) + ": " + why};
  };
  bool quoted = false, after_quote = false, any = false;
  auto end_record = [&] {
    record.push_back(std::move(field));
    field.clear();
    // A blank line is no record (a file often ends with one).
    if (!(record.size() == 1 && record[0].empty() && !any)) records.push_back(std::move(record));
    record.clear();
    quoted = after_quote = any = false;
  };
  while (i < text.size()) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        after_quote = true;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      ++i;
      continue;
    }
    if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      after_quote = false;
      any = true;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
      ++line;
      record_line = line;
    } else if (c == '"') {
      if (!field.empty() || after_quote) return bad("a quote inside a field that does not start with one");
      quoted = true;
      any = true;
    } else {
      if (after_quote) return bad("text after a closing quote; double a quote inside a quoted field (\"\")");
      field += c;
      any = true;
    }
    ++i;
  }
  if (quoted) return Error{ErrorCode::bad_request, "line " + std::to_string(record_line) + ": a quoted field is never closed"};
  if (any || !field.empty()) end_record();
  return records;
}

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The profile fields checked by profile.update's own rules (one rule, in shared/).
Status check_profile_fields(const CohortRow& r) {
  boost::json::object args;
  if (!r.planned_arrival.empty()) args["planned_arrival"] = r.planned_arrival;
  if (!r.country.empty()) args["country"] = r.country;
  if (args.empty()) return Status::Ok();
  const auto* m = passerelle::sync::find_mutator("profile.update");
  return m ? m->validate(args) : Status::Ok();
}

}  // namespace

Result<std::vector<CohortRow>> read_cohort(std::string_view text) {
  auto records = parse_csv(text);
  if (!records) return records.error();
  if (records->empty()) return Error{ErrorCode::bad_request, "the file is empty; start with the header line: email,name,locale,planned_arrival,country"};
  // Line numbers: the header is line 1 and each record one line (a quoted line break aside,
  // which the report does not need to follow exactly: rows are also numbered).
  const auto& header = records->front();
  std::map<std::string, std::size_t> column;
  for (std::size_t k = 0; k < header.size(); ++k) {
    std::string name = lower(std::string(trim(header[k])));
    bool known = std::any_of(std::begin(kCohortColumns), std::end(kCohortColumns), [&](const char* c) { return name == c; });
    if (!known)
      return Error{ErrorCode::bad_request, "line 1: unknown column \"" + std::string(trim(header[k])) +
                                               "\"; the columns are email,name,locale,planned_arrival,country"};
    if (column.count(name)) return Error{ErrorCode::bad_request, "line 1: the column \"" + name + "\" appears twice"};
    column[name] = k;
  }
  if (!column.count("email")) return Error{ErrorCode::bad_request, "line 1: the header has no \"email\" column"};
  std::size_t n = records->size() - 1;
  if (n == 0) return Error{ErrorCode::bad_request, "the file has a header but no candidate"};
  if (n > kMaxCohortRows)
    return Error{ErrorCode::too_large, "the file has " + std::to_string(n) + " candidates; at most " +
                                           std::to_string(kMaxCohortRows) + " at once"};
  std::vector<CohortRow> rows;
  rows.reserve(n);
  std::map<std::string, std::size_t> first_row_of;
  for (std::size_t k = 1; k < records->size(); ++k) {
    const auto& rec = (*records)[k];
    if (rec.size() != header.size())
      return Error{ErrorCode::bad_request, "row " + std::to_string(k) + ": " + std::to_string(rec.size()) +
                                               " fields where the header has " + std::to_string(header.size())};
    auto get = [&](const char* name) {
      auto it = column.find(name);
      return it == column.end() ? std::string() : std::string(trim(rec[it->second]));
    };
    CohortRow r;
    r.row = k;
    r.line = k + 1;
    r.email = get("email");
    r.name = get("name");
    r.locale = lower(get("locale"));
    r.planned_arrival = get("planned_arrival");
    r.country = get("country");
    auto email = protocol::normalize_email(r.email);
    if (!email) {
      r.outcome = "invalid_email";
      r.message = "e-mail " + email.error().message;
    } else {
      r.email = *email;
      if (auto seen = first_row_of.find(r.email); seen != first_row_of.end()) {
        r.outcome = "duplicate_in_file";
        r.message = "same e-mail as row " + std::to_string(seen->second);
      } else {
        first_row_of[r.email] = r.row;
        if (!r.locale.empty() && !protocol::parse_locale(r.locale)) {
          r.outcome = "invalid";
          r.message = "locale must be fr or en";
        } else if (r.name.size() > 200) {
          r.outcome = "invalid";
          r.message = "name is longer than 200 bytes";
        } else if (auto st = check_profile_fields(r); !st) {
          r.outcome = "invalid";
          r.message = st.error().message;
        }
      }
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace passerelle::server::invites
