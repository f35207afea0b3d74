#include "compaction.h"

#include <soci/soci.h>

#include <chrono>

#include "sync/change_log.h"
#include "sync/pull.h"

namespace passerelle::server::storage {

std::int64_t compact(soci::session& sql, int days, Timestamp now) {
  if (days > 0) return sync::compact_change_log(sql, now - std::chrono::days(days));
  // "Everything": changed_at_ms < now + 1 ms also takes tombstones written this millisecond.
  sync::compact_change_log(sql, now + std::chrono::milliseconds(1));
  // A device at the very end of the log may have seen a tombstone that is now gone: that is
  // harmless for it, but "0" is the operator's way to make every device start over, so the
  // horizon goes past every cursor handed out so far.
  sql << "UPDATE sync_meta SET value = value + 1 WHERE key = 'seq'";
  long long seq = sync::current_seq(sql);
  sql << "UPDATE sync_meta SET value = :h WHERE key = 'horizon'", soci::use(seq);
  return seq;
}

}  // namespace passerelle::server::storage
