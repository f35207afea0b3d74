// Profiles live in the change log as `profiles` sync rows (docs/sync.md), nowhere else. These
// are the server-side writes that happen outside any mutator: account creation and migration.
#pragma once

#include <boost/json/object.hpp>
#include <soci/session.h>

#include <optional>
#include <string>

#include "passerelle/shared/protocol.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::storage {

// new_profile_row(user, now) with `fields` (country, time_zone, profession...) on top. Fields
// the server owns (id, role, name, locale, timestamps, caseload links) are never taken from it.
boost::json::object new_profile_row_with(const protocol::UserInfo& user, Timestamp now,
                                         const boost::json::object& fields = {});

// Writes a new user's profile row through the change log, audience [the user]. Call it inside
// the transaction that inserts the users row. Throws on storage failure.
void write_new_profile(soci::session& sql, const protocol::UserInfo& user, Timestamp now,
                       const boost::json::object& fields = {});

// The current profile row of a user (not deleted), on any connection.
std::optional<boost::json::object> read_profile(soci::session& sql, const std::string& user_id);

}  // namespace passerelle::server::storage
