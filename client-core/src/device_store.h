// device.sqlite: what belongs to the device rather than to an account. One row: the device id
// (UUIDv7, made once), the server URL last used, and the account currently signed in.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "passerelle/shared/error.h"
#include "sqlite.h"

namespace passerelle::client {

class DeviceStore {
 public:
  // Opens or creates `<data_dir>/device.sqlite` (the directory must exist).
  static Result<std::unique_ptr<DeviceStore>> open(const std::filesystem::path& data_dir);

  const std::string& device_id() const { return device_id_; }
  const std::optional<std::string>& server_url() const { return server_url_; }
  const std::optional<std::string>& current_user_id() const { return current_user_id_; }

  Status set_server_url(const std::string& url);
  Status set_current_user_id(const std::optional<std::string>& user_id);

  sqlite::Database& db() { return *db_; }

 private:
  explicit DeviceStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  Status load();

  std::unique_ptr<sqlite::Database> db_;
  std::string device_id_;
  std::optional<std::string> server_url_;
  std::optional<std::string> current_user_id_;
};

}  // namespace passerelle::client
