// What a log line may say about a failure: a short fixed label and the database's own error
// code, never the text. SOCI's messages quote the failed statement with its bound values
// ("... WHERE s.token_hash = :t ... with :t=\"d011f1...\""): a token's hash, a message body,
// an e-mail address. They stay out of logs and out of answers (docs/operations.md, "Logs").
//
//   catch (const std::exception& e) {
//     log::error("pull_failed", storage::failure_fields(e));  // {"error":"connection_lost","sqlstate":"08006"}
//   }
#pragma once

#include <boost/json/object.hpp>

#include <exception>
#include <string>

namespace passerelle::server::storage {

struct DbFailure {
  // "connection_lost", "constraint", "bad_statement", "no_privilege", "transaction_state",
  // "system", "database" (any other database error), or "exception" (not a database error).
  std::string label;
  // PostgreSQL's SQLSTATE ("08006", "57P01"...), SQLite's result code ("sqlite:13" is SQLITE_FULL),
  // empty when the engine gave none.
  std::string code;
  bool connection_lost = false;
};

DbFailure classify(const std::exception& e);

// Log fields for a caught exception: {"error": label, "sqlstate": code} for a database error;
// for any other exception its type-free message, cut at 160 characters (those are the
// server's own texts: JSON field names, a bad_alloc ...).
boost::json::object failure_fields(const std::exception& e, boost::json::object extra = {});
// The same as one short text ("constraint 23505"), for error messages of commands.
std::string describe(const std::exception& e);

// Thrown by Database::read() while the database cannot be reached: the request fails at once
// with `internal` and a retry hint instead of waiting on a dead connection.
class Unavailable : public std::exception {
 public:
  const char* what() const noexcept override { return "the database is unavailable"; }
};

}  // namespace passerelle::server::storage
