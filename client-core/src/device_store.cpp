#include "device_store.h"

#include "passerelle/shared/ids.h"

namespace passerelle::client {

namespace {
const std::vector<sqlite::Migration>& migrations() {
  static const std::vector<sqlite::Migration> list = {
      {1,
       "CREATE TABLE device ("
       "  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),"
       "  device_id TEXT NOT NULL,"
       "  server_url TEXT,"
       "  current_user_id TEXT"
       ");"},
  };
  return list;
}
}  // namespace

Result<std::unique_ptr<DeviceStore>> DeviceStore::open(const std::filesystem::path& data_dir) {
  auto db = sqlite::Database::open(data_dir / "device.sqlite", "the device file", migrations());
  if (!db) return db.error();
  std::unique_ptr<DeviceStore> store(new DeviceStore(std::move(*db)));
  // The id is made on first open and never changes: the server may key per-device state on it.
  auto insert = store->db_->prepare("INSERT OR IGNORE INTO device (singleton, device_id) VALUES (1, ?)");
  if (!insert) return insert.error();
  if (auto st = insert->bind(1, new_id()).run(); !st) return st.error();
  if (auto st = store->load(); !st) return st.error();
  return store;
}

Status DeviceStore::load() {
  auto q = db_->prepare("SELECT device_id, server_url, current_user_id FROM device WHERE singleton = 1");
  if (!q) return q.error();
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return Error{ErrorCode::internal, "the device file " + db_->path().string() + " has no device row"};
  device_id_ = q->text(0);
  server_url_ = q->optional_text(1);
  current_user_id_ = q->optional_text(2);
  return Status::Ok();
}

Status DeviceStore::set_server_url(const std::string& url) {
  auto q = db_->prepare("UPDATE device SET server_url = ? WHERE singleton = 1");
  if (!q) return q.error();
  if (auto st = q->bind(1, url).run(); !st) return st;
  server_url_ = url;
  return Status::Ok();
}

Status DeviceStore::set_current_user_id(const std::optional<std::string>& user_id) {
  auto q = db_->prepare("UPDATE device SET current_user_id = ? WHERE singleton = 1");
  if (!q) return q.error();
  if (auto st = q->bind(1, user_id).run(); !st) return st;
  current_user_id_ = user_id;
  return Status::Ok();
}

}  // namespace passerelle::client
