#include "db_error.h"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

namespace passerelle::server::storage {

DbFailure classify(const std::exception& e) {
  DbFailure f;
  if (dynamic_cast<const Unavailable*>(&e)) {
    f.label = "connection_lost";
    f.connection_lost = true;
    return f;
  }
  const auto* soci_error = dynamic_cast<const soci::soci_error*>(&e);
  if (!soci_error) {
    f.label = "exception";
    return f;
  }
  if (const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e)) {
    f.code = pg->sqlstate();
    // Class 08 is "connection exception"; 57P01..57P03 are shutdowns and terminations.
    if (f.code.rfind("08", 0) == 0 || f.code == "57P01" || f.code == "57P02" || f.code == "57P03")
      f.connection_lost = true;
  } else if (const auto* lite = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) {
    f.code = "sqlite:" + std::to_string(lite->result());
  }
  switch (soci_error->get_error_category()) {
    case soci::soci_error::connection_error:
      f.label = "connection_lost";
      f.connection_lost = true;
      break;
    case soci::soci_error::invalid_statement: f.label = "bad_statement"; break;
    case soci::soci_error::no_privilege: f.label = "no_privilege"; break;
    case soci::soci_error::constraint_violation: f.label = "constraint"; break;
    case soci::soci_error::unknown_transaction_state: f.label = "transaction_state"; break;
    case soci::soci_error::system_error: f.label = "system"; break;
    default: f.label = f.connection_lost ? "connection_lost" : "database"; break;
  }
  return f;
}

static std::string short_what(const std::exception& e) {
  std::string what = e.what();
  if (what.size() > 160) what = what.substr(0, 160) + "...";
  return what;
}

boost::json::object failure_fields(const std::exception& e, boost::json::object extra) {
  DbFailure f = classify(e);
  boost::json::object o = std::move(extra);
  o["error"] = f.label;
  if (f.label == "exception") o["what"] = short_what(e);
  else if (!f.code.empty()) o["sqlstate"] = f.code;
  return o;
}

std::string describe(const std::exception& e) {
  DbFailure f = classify(e);
  if (f.label == "exception") return short_what(e);
  return "database error: " + f.label + (f.code.empty() ? "" : " " + f.code);
}

}  // namespace passerelle::server::storage
