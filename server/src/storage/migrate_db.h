// `passerelle-server admin migrate-db --from URL --to URL`: copies a whole database into a new
// one, e.g. a program's SQLite file into PostgreSQL (docs/operations.md).
//
// Every table of the source is copied row for row (schema_migrations excepted: the target is
// migrated by this binary to the same version), including the change log's counters
// (sync_meta: seq, horizon) and its identity (sync_epoch), so every device's cursor stays
// valid: the next pull after the move continues where it stopped, with no resync.
// The source is read in one transaction (a consistent snapshot) and left unchanged except for
// migrations this binary applies to it first, as a server start would. The target must hold
// no users and no changes yet; it is filled in one transaction (all or nothing).
#pragma once

#include <ostream>
#include <string>

#include "passerelle/shared/error.h"

namespace passerelle::server::storage {

// Progress lines ("users: 11 rows") go to `out`. Errors: bad_request (bad URL, same database,
// target not empty, schema versions differ), internal (SQL failure).
Status migrate_database(const std::string& from_url, const std::string& to_url, std::ostream& out);

}  // namespace passerelle::server::storage
