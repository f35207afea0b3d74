// pull: the changes a user may see after their cursor, latest state per row, in pages.
#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>

#include "passerelle/shared/sync/wire.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::sync {

// Reads one page for `user_id` on any (read) connection. `limit` must be 1..kMaxPullLimit.
// Answers `resync` when the cursor is beyond the log's end (the device synced with another
// database), or below the compaction horizon — except during a full pull (a device re-reading
// everything from 0, which drops whatever it is not sent again) whose first page saw this same
// horizon: `full_horizon` is that page's horizon. If compaction ran since, the full pull
// restarts, since a tombstone for a row it already re-read may be gone. `group` is the caller's
// role audience (sync::role_audience): rows written for every coach reach each coach.
//
// The page comes as the answer's text (PullAnswer): each row's data is the text it was stored
// with, written by the writer the carried poke uses (sync/change_text.h), never parsed here.
// A row whose stored text is some JSON value other than an object goes out with `"data":{}`;
// one that is not JSON at all (a damaged database) fails the pull (it throws, and the client
// is answered `internal`), as when each row was parsed: no frame ever holds text that is not
// JSON.
struct PullAnswer {
  std::string changes;  // the inside of the "changes" array
  std::size_t count = 0;
  std::int64_t cursor = 0;
  bool more = false;
  bool resync = false;
  std::string epoch;
  std::int64_t horizon = 0;

  // The answer's members, `"changes":[...],"cursor":N,...` (docs/protocol.md), for
  // net::Reply::ok_members.
  std::string members() const;
};
PullAnswer read_pull(soci::session& sql, const std::string& user_id, std::int64_t cursor, std::int64_t limit,
                     std::optional<std::int64_t> full_horizon = std::nullopt, const std::string& group = {});

// The same page decoded as a device decodes it (wire.h): for tests and in-process callers.
passerelle::sync::PullPage run_pull(soci::session& sql, const std::string& user_id, std::int64_t cursor,
                                    std::int64_t limit, std::optional<std::int64_t> full_horizon = std::nullopt,
                                    const std::string& group = {});

// The change log's identity, made once per database (call after migrations, on the writer).
void init_sync_state(soci::session& sql);
std::string sync_epoch(soci::session& sql);

// Purges tombstones written before `older_than` and raises the horizon accordingly.
// Returns the new horizon. Runs on the writer's connection.
std::int64_t compact_change_log(soci::session& sql, Timestamp older_than);

}  // namespace passerelle::server::sync
