// SQL over the uploaded-file tables (files_schema.h): recording an upload, and deciding who
// may attach or download a file. A person may use a file they uploaded, or one referred to
// by a row they can read; nothing else, so a guessed or leaked hash grants nothing.
#pragma once

#include <soci/session.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "passerelle/shared/sync/mutator.h"
#include "passerelle/shared/time.h"

namespace passerelle::server::sync {

// Records that `user_id` uploaded the file (idempotent). Returns true when the file row is
// new (the bytes were not stored before).
bool record_upload(soci::session& sql, const std::string& sha256, std::int64_t size, const std::string& type,
                   const std::string& user_id, Timestamp now);

// The file if `user_id` (whose role group is `group`, e.g. "role:admin") may read it.
std::optional<passerelle::sync::FileInfo> readable_file(soci::session& sql, const std::string& sha256,
                                                        const std::string& user_id, const std::string& group);

// What mutators see inside a push (MutationContext::files).
class SqlFileCatalog : public passerelle::sync::FileCatalog {
 public:
  // `before_read`, if set, runs before each lookup: a push's coalesced change log writes the
  // rows it holds, since the lookup reads who may see which row.
  SqlFileCatalog(soci::session& sql, std::string group, std::function<void()> before_read = {})
      : sql_(sql), group_(std::move(group)), before_read_(std::move(before_read)) {}
  std::optional<passerelle::sync::FileInfo> usable(std::string_view sha256, std::string_view user_id) override {
    if (before_read_) before_read_();
    return readable_file(sql_, std::string(sha256), std::string(user_id), group_);
  }

 private:
  soci::session& sql_;
  std::string group_;
  std::function<void()> before_read_;
};

}  // namespace passerelle::server::sync
