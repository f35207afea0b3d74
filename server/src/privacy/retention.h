// Retention (docs/security.md, "Retention"): each kind of data is kept for a set time, then a
// job deletes it. The periods come from the serve flags (--retention-*-days); 0 keeps forever.
// Tombstones have their own period (--tombstone-days, storage/compaction.h).
//
//   RetentionJob job(db, file_store, policy_from(config));
//   PeriodicTask task("retention", std::chrono::seconds(3600), [&] { job.run_once(now_utc()); });
#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <string>
#include <vector>

#include "passerelle/shared/time.h"

namespace passerelle::server {
struct ServeConfig;
namespace storage {
class Database;
}
namespace files {
class FileStore;
}
}  // namespace passerelle::server

namespace passerelle::server::privacy {

struct RetentionPolicy {
  int message_days = 730;          // messages, from sent_at (their files follow as orphans)
  int file_days = 30;              // uploads that no live row refers to, from the upload
  int audit_days = 1095;           // audit entries, from their time
  int deleted_account_days = 30;   // anonymized users rows, from deleted_at
  int session_days = 30;           // revoked or expired sessions
};
RetentionPolicy policy_from(const ServeConfig& config);

struct RetentionReport {
  std::int64_t messages = 0, files = 0, audit_entries = 0, accounts = 0, sessions = 0;
  std::vector<std::string> files_to_unlink;  // deleted from the catalog: unlink after the commit
};

// One pass over the database (writer's connection, inside a transaction). Messages go through
// the change log (their readers get tombstones). A file is deleted when no live row refers to
// it and its upload is older than file_days: what a removed message or step left behind, and
// uploads that were never attached.
RetentionReport apply_retention(soci::session& sql, const RetentionPolicy& policy, Timestamp now);

// The background job: a pass through the writer, then the orphaned files leave the disk.
class RetentionJob {
 public:
  RetentionJob(storage::Database& db, const files::FileStore& store, RetentionPolicy policy)
      : db_(db), store_(store), policy_(policy) {}
  // Waits for the pass's commit (runs on the PeriodicTask's thread, never an I/O thread).
  void run_once(Timestamp now);

 private:
  storage::Database& db_;
  const files::FileStore& store_;
  RetentionPolicy policy_;
};

// Removes files named by their SHA-256 from the store, after the commit that deleted their
// catalog rows. A missing file is fine (another instance may have removed it).
void unlink_files(const files::FileStore& store, const std::vector<std::string>& sha256s);

}  // namespace passerelle::server::privacy
