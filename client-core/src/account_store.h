// accounts/<user_id>.sqlite: everything one signed-in person has on this device. Today the
// session (token, expiry, server) and the user as the server showed it; the sync work adds the
// replicated rows, the cursor and the outbox here as further migrations.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "passerelle/shared/error.h"
#include "passerelle/shared/protocol.h"
#include "sqlite.h"

namespace passerelle::client {

struct AccountRecord {
  protocol::UserInfo user;
  std::string server_url;
  std::optional<std::string> token;  // absent once signed out
  std::optional<std::string> token_expires_at;
};

class AccountStore {
 public:
  // The file of `user_id` under `<data_dir>/accounts/` (created if missing). The id comes from
  // the server, so it must be a canonical UUID: anything else could name a path elsewhere.
  static Result<std::filesystem::path> path_for(const std::filesystem::path& data_dir, const std::string& user_id);
  static Result<std::unique_ptr<AccountStore>> open(const std::filesystem::path& data_dir, const std::string& user_id);

  // nullopt when the file has no account yet.
  Result<std::optional<AccountRecord>> load();
  Status save(const AccountRecord& record);
  // Removes the token and flushes the WAL so no copy of it is left in the files.
  Status forget_token();

  sqlite::Database& db() { return *db_; }

 private:
  explicit AccountStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace passerelle::client
