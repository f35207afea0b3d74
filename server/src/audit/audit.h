// The audit log (docs/dashboard.md): who opened a candidate's file, exported data or changed
// an account, when, and from where. Entries name people and rows by id and carry small
// details (filters, counts); never a token, a password or a message body.
#pragma once

#include <boost/json/object.hpp>
#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "passerelle/shared/protocol.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::audit {

struct Entry {
  std::string id;  // UUIDv7
  Timestamp at{};
  std::string actor_id, actor_role;
  std::string action;     // candidate.open, export.caseload, export.indicators, account.invite, ...
  std::string target_id;  // the candidate, the account, or "" (an export of many)
  std::string remote_address;
  boost::json::object details;
  std::string actor_name, actor_email;  // filled by list() from the accounts
};

// An entry for `action` by this actor on `target_id` ("" for an export of many), from `remote`.
Entry make_entry(std::string actor_id, protocol::Role actor_role, std::string remote, std::string action,
                 std::string target_id, boost::json::object details = {});

// Writes one entry (on the writer's connection, inside its transaction). Fills id and at when empty.
void record(soci::session& sql, Entry entry);

struct Filter {
  std::optional<std::string> actor_id, action, target_id;
  std::optional<Timestamp> from, to;  // inclusive bounds on `at`
  std::optional<std::int64_t> before_ms;  // paging: entries strictly older than this
  int limit = 100;                        // 1..500
};
// Newest first.
std::vector<Entry> list(soci::session& sql, const Filter& filter);

boost::json::object to_json(const Entry& entry);

}  // namespace passerelle::server::audit
