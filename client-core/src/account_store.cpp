#include "account_store.h"

#include <system_error>

#include "passerelle/shared/ids.h"
#include "files/file_store.h"
#include "sync/sync_store.h"

namespace passerelle::client {

namespace {
const std::vector<sqlite::Migration>& migrations() {
  static const std::vector<sqlite::Migration> list = [] {
    std::vector<sqlite::Migration> l = {
        {1,
         "CREATE TABLE account ("
         "  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),"
         "  user_id TEXT NOT NULL,"
         "  role TEXT NOT NULL,"
         "  email TEXT NOT NULL,"
         "  name TEXT NOT NULL,"
         "  locale TEXT NOT NULL,"
         "  server_url TEXT NOT NULL,"
         "  token TEXT,"
         "  token_expires_at TEXT"
         ");"},
    };
    // Append-only, each step keeping its number: a file at version n has run steps 1..n. A step
    // added to either store goes here, at the end, not beside that store's earlier steps.
    auto next = [&l] { return static_cast<int>(l.size()) + 1; };
    const std::vector<const char*> sync = SyncStore::schema_steps();
    const std::vector<sqlite::Migration> files = files::FileStore::migrations(0);
    // 2: the replicated rows, outbox, rejections and cursor (SyncStore). Files made before
    // sync existed gain them on open.
    l.push_back({next(), sync.at(0)});
    // 3: the upload queue of attached files (files/file_store.h).
    l.push_back({next(), files.at(0).sql});
    // 4: each pulled row stored once (SyncStore's step 2).
    l.push_back({next(), sync.at(1)});
    return l;
  }();
  return list;
}
}  // namespace

Result<std::filesystem::path> AccountStore::path_for(const std::filesystem::path& data_dir, const std::string& user_id) {
  if (!is_uuid(user_id))
    return Error{ErrorCode::internal, "the user id '" + user_id + "' is not a UUID; refusing to use it as a file name"};
  return data_dir / "accounts" / (user_id + ".sqlite");
}

Result<std::unique_ptr<AccountStore>> AccountStore::open(const std::filesystem::path& data_dir,
                                                         const std::string& user_id) {
  auto path = path_for(data_dir, user_id);
  if (!path) return path.error();
  std::error_code ec;
  std::filesystem::create_directories(path->parent_path(), ec);
  if (ec) return Error{ErrorCode::internal, "cannot create " + path->parent_path().string() + ": " + ec.message()};
  std::filesystem::permissions(path->parent_path(), std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  auto db = sqlite::Database::open(*path, "the account file", migrations());
  if (!db) return db.error();
  return std::unique_ptr<AccountStore>(new AccountStore(std::move(*db)));
}

Result<std::optional<AccountRecord>> AccountStore::load() {
  auto q = db_->prepare(
      "SELECT user_id, role, email, name, locale, server_url, token, token_expires_at FROM account WHERE singleton = 1");
  if (!q) return q.error();
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::optional<AccountRecord>();
  AccountRecord r;
  r.user.id = q->text(0);
  auto role = protocol::parse_role(q->text(1));
  auto locale = protocol::parse_locale(q->text(4));
  if (!role || !locale)
    return Error{ErrorCode::internal, "the account file " + db_->path().string() + " holds an unknown role or locale"};
  r.user.role = *role;
  r.user.email = q->text(2);
  r.user.name = q->text(3);
  r.user.locale = *locale;
  r.server_url = q->text(5);
  r.token = q->optional_text(6);
  r.token_expires_at = q->optional_text(7);
  return std::optional<AccountRecord>(std::move(r));
}

Status AccountStore::save(const AccountRecord& r) {
  auto q = db_->prepare(
      "INSERT INTO account (singleton, user_id, role, email, name, locale, server_url, token, token_expires_at)"
      " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)"
      " ON CONFLICT (singleton) DO UPDATE SET user_id = excluded.user_id, role = excluded.role,"
      " email = excluded.email, name = excluded.name, locale = excluded.locale,"
      " server_url = excluded.server_url, token = excluded.token, token_expires_at = excluded.token_expires_at");
  if (!q) return q.error();
  q->bind(1, r.user.id)
      .bind(2, protocol::to_string(r.user.role))
      .bind(3, r.user.email)
      .bind(4, r.user.name)
      .bind(5, protocol::to_string(r.user.locale))
      .bind(6, r.server_url)
      .bind(7, r.token)
      .bind(8, r.token_expires_at);
  return q->run();
}

Status AccountStore::forget_token() {
  if (auto st = db_->exec("UPDATE account SET token = NULL, token_expires_at = NULL"); !st) return st;
  // secure_delete zeroes the old cell in the page; the truncating checkpoint drops the WAL
  // frames that still hold the page as it was when the token was written.
  return db_->checkpoint_truncate();
}

}  // namespace passerelle::client
