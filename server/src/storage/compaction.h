// Change-log retention (docs/operations.md): tombstones of deleted or no-longer-visible rows
// are kept `days` days so that offline devices still learn about the deletion; after that they
// are purged and the compaction horizon rises: a device whose cursor is below it resyncs.
#pragma once

#include <soci/session.h>

#include <cstdint>

#include "passerelle/shared/time.h"

namespace passerelle::server::storage {

// Purges tombstones older than `days` days before `now`; returns the new horizon. With days == 0
// every tombstone goes and the horizon moves to a fresh seq at the end of the log, so every
// device that synced before resyncs at its next pull (`admin compact --older-than-days 0`).
// Runs on the writer's connection inside a transaction; throws on storage failure.
std::int64_t compact(soci::session& sql, int days, Timestamp now);

}  // namespace passerelle::server::storage
