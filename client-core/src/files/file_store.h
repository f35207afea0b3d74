// An account's files on this device and its queue of uploads.
//
// Files: accounts/<user_id>.files/<sha256>, one file per content (two messages attaching the
// same CV share it), 0600 in a 0700 folder. A file is written under a temporary name, synced,
// then renamed, so a kill -9 leaves either no file or a complete one, never a torn one under
// the final name. Stale temporaries (a kill in the middle of a write) are removed on open.
//
// Upload queue: a table of the account's SQLite file (its migration joins the account file's
// list). A message with files is queued in the same transaction as the files' uploads
// (SyncStore::mutate's `also`), so after a kill -9 either both are there or neither.
//
// Not thread-safe: every call that touches the database runs under the client's store mutex
// (the same SQLite connection as SyncStore). The file calls touch no shared state.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/message_types.h"
#include "passerelle/shared/error.h"
#include "sqlite.h"

namespace passerelle::client::files {

class FileStore {
 public:
  // The schema steps of the upload queue, for the account file's migration list. Append-only.
  static std::vector<sqlite::Migration> migrations(int first_version);
  // accounts/<user_id>.files beside accounts/<user_id>.sqlite.
  static std::filesystem::path folder_for(const std::filesystem::path& account_file);

  // Creates the folder (0700) if missing. `db` is the account file.
  static Result<std::unique_ptr<FileStore>> open(sqlite::Database& db, std::filesystem::path folder);

  const std::filesystem::path& folder() const { return folder_; }

  // --- files -----------------------------------------------------------------------------------
  // The stored file with this hash, if this device has it.
  std::optional<std::filesystem::path> find(std::string_view sha256) const;
  // Stores `content` (whose SHA-256 is `sha256`) durably; returns its path. Already stored: a no-op.
  Result<std::filesystem::path> keep(std::string_view sha256, std::string_view content);
  // A fresh temporary path in the folder, for a download in progress.
  std::filesystem::path temp_path() const;
  // Moves a complete, synced temporary file in under its hash (0600); syncs the folder.
  Result<std::filesystem::path> adopt(const std::filesystem::path& temp, std::string_view sha256);
  // Removes a stored file (it failed its hash check).
  void forget(std::string_view sha256);

  // --- the upload queue -------------------------------------------------------------------------
  // Queues (or queues again, after a failure) the upload of a stored file. A file already up
  // stays done. Meant to run inside the transaction that queues the message.
  Status queue_upload(const UploadInfo& upload, std::string_view queued_at);
  // Every upload this account queued, oldest first.
  Result<std::vector<UploadInfo>> uploads();
  Result<std::vector<UploadInfo>> pending_uploads();
  Status mark_done(std::string_view sha256);
  Status mark_failed(std::string_view sha256, const Error& error);

 private:
  FileStore(sqlite::Database& db, std::filesystem::path folder) : db_(db), folder_(std::move(folder)) {}
  Result<std::vector<UploadInfo>> select(std::string_view where);

  sqlite::Database& db_;
  std::filesystem::path folder_;
};

// Writes `content` to `path` durably: a temporary file beside it, fsync, rename, fsync of the
// folder; the file has mode 0600. Never leaves a partial file at `path`. Refuses to replace an
// existing `path` when `replace` is false (conflict).
Status write_file_atomically(const std::filesystem::path& path, std::string_view content, bool replace);
// Copies `from` to `to` the same way (streamed, not loaded whole).
Status copy_file_atomically(const std::filesystem::path& from, const std::filesystem::path& to, bool replace);

}  // namespace passerelle::client::files
