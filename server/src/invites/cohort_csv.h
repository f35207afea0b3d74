// A cohort file (docs/operations.md, "Onboarding a cohort"): RFC 4180 CSV in UTF-8 (a byte
// order mark is tolerated), a header naming the columns, at most kMaxCohortRows candidates.
// Reading it is all or nothing: a file that is not such a CSV is refused whole, naming the line;
// a well-formed file gets a verdict per row, and only the rows found "ok" are invited.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/shared/error.h"

namespace passerelle::server::invites {

inline constexpr std::size_t kMaxCohortRows = 2000;
// The columns a cohort file may have, in the template's order; only "email" is required.
inline constexpr const char* kCohortColumns[] = {"email", "name", "locale", "planned_arrival", "country"};
// The downloadable template's text.
std::string cohort_template();

// RFC 4180 records: fields separated by commas, records by CRLF or LF, fields quoted with '"'
// when they hold a comma, a quote ("" inside) or a line break. Fails on an unterminated quoted
// field, text after a closing quote, or bytes that are not UTF-8, naming the line.
Result<std::vector<std::vector<std::string>>> parse_csv(std::string_view text);

struct CohortRow {
  std::size_t row = 0;   // 1 = the first candidate (the line after the header)
  std::size_t line = 0;  // the file's line where the record starts (the header is line 1)
  std::string email;     // normalized when valid, as written otherwise
  std::string name, locale, planned_arrival, country;
  // ok, invalid_email, duplicate_in_file, invalid (another field; see message). The server then
  // turns ok into already_registered / already_invited / sent where the database says so.
  std::string outcome = "ok";
  std::string message;
};

// Reads and checks every row (no database): the whole file fails when it is not a cohort CSV
// (bad CSV, unknown or missing column, a record with the wrong number of fields, no rows or
// more than kMaxCohortRows).
Result<std::vector<CohortRow>> read_cohort(std::string_view text);

}  // namespace passerelle::server::invites
