#include "passerelle/client.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <system_error>

#include "account_store.h"
#include "connection.h"
#include "device_store.h"
#include "files/attachments.h"
#include "files/blob_transfer.h"
#include "files/file_store.h"
#include "files/sha256.h"
#include "messages/conversations.h"
#include "passerelle/client_rows.h"
#include "passerelle/mentor_slots.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/json_reader.h"
#include "passerelle/shared/sync/mutator.h"
#include "sync/local_db_watch.h"
#include "sync/sync_engine.h"
#include "sync/sync_store.h"

namespace passerelle::client {

namespace json = boost::json;

struct Client::Impl {
  ClientOptions options;
  ServerUrl url;
  std::unique_ptr<DeviceStore> device;
  std::unique_ptr<Connection> connection;
  // The user whose session the current connection carries; reset with each new connection.
  std::optional<std::string> authenticated_as;

  std::mutex handler_mutex;  // the handler is set on the caller's thread, read on the I/O thread
  EventHandler event_handler;

  // The signed-in account's sync side: its own connection to the account file, the store on
  // it, the mutex every store call holds (caller threads and the engine thread), the engine.
  struct SyncSide {
    std::string user_id;
    std::unique_ptr<AccountStore> account;
    std::unique_ptr<SyncStore> store;
    std::unique_ptr<files::FileStore> files;  // attached files and the upload queue
    std::mutex store_mutex;
    std::unique_ptr<SyncEngine> engine;
    // While the engine runs in the background: writes other processes queue wake it. Last, so
    // it stops before anything it reads goes.
    std::unique_ptr<LocalDbWatcher> watcher;
  };
  // Guards the `sync` pointer and the engine and watcher pointers in it; never held while an
  // engine or watcher thread is joined or an observer runs.
  std::mutex sync_mutex;
  std::unique_ptr<SyncSide> sync;

  // Observers. Held while one runs, so unobserve() returns only once no call is running;
  // recursive so an observer may itself mutate() (which notifies) or unobserve().
  std::recursive_mutex observers_mutex;
  Client::ObserverToken next_token = 1;
  std::map<Client::ObserverToken, Client::RowsObserver> rows_observers;
  std::map<Client::ObserverToken, Client::StateObserver> state_observers;
  std::map<Client::ObserverToken, Client::RejectionObserver> rejection_observers;
  Client* self = nullptr;

  ~Impl() {
    // First the engine (its hooks reach the observers here), then the connection (its
    // handlers point into this object).
    stop_watch();
    if (sync && sync->engine) sync->engine->stop();
    sync.reset();
    connection.reset();
  }

  void notify_rows(const ChangedRows& rows) {
    if (rows.empty()) return;
    std::lock_guard lock(observers_mutex);
    auto observers = rows_observers;  // a copy: an observer may unobserve itself
    for (auto& [token, f] : observers) f(rows);
  }
  void notify_rejection(const Rejection& r) {
    std::lock_guard lock(observers_mutex);
    auto observers = rejection_observers;
    for (auto& [token, f] : observers) f(r);
  }
  void notify_state() {
    {
      std::lock_guard lock(observers_mutex);
      if (state_observers.empty()) return;
    }
    auto st = self->status();
    if (!st) return;
    std::lock_guard lock(observers_mutex);
    auto observers = state_observers;
    for (auto& [token, f] : observers) f(*st);
  }

  // The sync side of the signed-in account, opened on first use.
  Outcome<SyncSide*> ensure_sync() {
    {
      std::lock_guard lock(sync_mutex);
      if (sync && device->current_user_id() == sync->user_id) return sync.get();
    }
    auto current = load_current();
    if (!current) return std::move(current).failure();
    if (!*current) return Failure{Origin::usage, Error{ErrorCode::unauthenticated, "not signed in; log in first"}};
    std::unique_ptr<SyncSide> old;
    std::lock_guard lock(sync_mutex);
    if (sync && sync->user_id == (*current)->record.user.id) return sync.get();
    auto side = std::make_unique<SyncSide>();
    side->user_id = (*current)->record.user.id;
    side->account = std::move((*current)->store);
    side->store = std::make_unique<SyncStore>(
        side->account->db(), passerelle::sync::Actor{side->user_id, (*current)->record.user.role});
    auto account_file = AccountStore::path_for(options.data_dir, side->user_id);
    if (!account_file) return local_failure(account_file.error());
    auto file_store = files::FileStore::open(side->account->db(), files::FileStore::folder_for(*account_file));
    if (!file_store) return local_failure(file_store.error());
    side->files = std::move(*file_store);
    old = std::move(sync);
    sync = std::move(side);
    if (old && old->engine) old->engine->stop();
    return sync.get();
  }

  // A new engine carrying the current token, unless one runs.
  Outcome<SyncEngine*> ensure_engine(SyncSide& side) {
    auto current = load_current();
    if (!current) return std::move(current).failure();
    if (!*current || (*current)->record.user.id != side.user_id)
      return Failure{Origin::usage, Error{ErrorCode::unauthenticated, "not signed in; log in first"}};
    std::lock_guard lock(sync_mutex);
    if (side.engine && side.engine->running()) return side.engine.get();
    SyncEngineConfig config;
    config.connection.url = url;
    config.connection.ca_file = options.ca_file;
    config.connection.connect_timeout = options.connect_timeout;
    config.connection.request_timeout = options.request_timeout;
    config.connection.max_frame = std::max(options.max_frame, options.sync_max_frame);
    config.token = *(*current)->record.token;
    config.backoff_min = options.sync_backoff_min;
    config.backoff_max = options.sync_backoff_max;
    config.pull_limit = options.pull_limit;
    config.delivery_receipts = options.delivery_receipts;
    config.transfer_stall_timeout = options.request_timeout;
    config.transport = options.sync_transport;
    SyncEngineHooks hooks;
    hooks.rows_changed = [this](const ChangedRows& rows) { notify_rows(rows); };
    hooks.rejected = [this](const Rejection& r) { notify_rejection(r); };
    hooks.state_changed = [this] { notify_state(); };
    // The server no longer knows the token: forget it here as resume() does. Only the account
    // file is touched on the engine's thread (under the store mutex, which guards that SQLite
    // connection); load_current() then clears the current account on the caller's thread.
    hooks.session_ended = [&side] {
      std::lock_guard lock(side.store_mutex);
      (void)side.account->forget_token();
    };
    hooks.account_deleted = [&side] {
      std::lock_guard lock(side.store_mutex);
      (void)wipe_erased_account(*side.account);
    };
    side.engine = std::make_unique<SyncEngine>(std::move(config), *side.store, side.store_mutex, std::move(hooks),
                                               side.files.get());
    return side.engine.get();
  }

  SyncEngine* engine_of(SyncSide& side) {
    std::lock_guard lock(sync_mutex);
    return side.engine.get();
  }

  // Starts watching the account file for writes of other processes, unless that runs or is
  // turned off. The engine is looked up at each wake: ensure_engine() may have replaced it.
  void start_watch(SyncSide& side) {
    if (options.local_write_poll.count() <= 0) return;
    {
      std::lock_guard lock(sync_mutex);
      if (side.watcher) return;
    }
    auto watcher = std::make_unique<LocalDbWatcher>(
        LocalDbWatch(side.account->db(), *side.store, side.files.get(), side.store_mutex), options.local_write_poll,
        [this, &side] {
          if (SyncEngine* e = engine_of(side)) e->notify_local_write();
        });
    std::lock_guard lock(sync_mutex);
    if (!side.watcher) side.watcher = std::move(watcher);
    // else: another thread started one meanwhile; this one stops as it goes (after the lock)
  }

  // Stops the watch (joined outside sync_mutex: its thread takes that mutex to wake the engine).
  void stop_watch() {
    std::unique_ptr<LocalDbWatcher> watcher;
    std::lock_guard lock(sync_mutex);
    if (sync) watcher = std::move(sync->watcher);
  }

  // Stops and forgets the sync side (logout, another account).
  void drop_sync() {
    stop_watch();
    SyncEngine* engine = nullptr;
    {
      std::lock_guard lock(sync_mutex);
      if (sync) engine = sync->engine.get();
    }
    if (engine) engine->stop();
    std::lock_guard lock(sync_mutex);
    sync.reset();
  }

  Outcome<Done> ensure_connected() {
    if (connection && connection->is_open()) return Done{};
    connection.reset();
    authenticated_as.reset();
    ConnectionOptions co;
    co.url = url;
    co.ca_file = options.ca_file;
    co.connect_timeout = options.connect_timeout;
    co.request_timeout = options.request_timeout;
    co.max_frame = options.max_frame;
    connection = std::make_unique<Connection>(
        std::move(co),
        [this](const json::object& event) {
          std::lock_guard lock(handler_mutex);
          if (event_handler) event_handler(event);
        },
        [](const Failure&) {});
    auto connected = connection->connect_and_wait();
    if (!connected) {
      connection.reset();
      return std::move(connected).failure();
    }
    return Done{};
  }

  Outcome<json::object> call(std::string type, json::object fields) {
    if (auto c = ensure_connected(); !c) return std::move(c).failure();
    return connection->request_and_wait(std::move(type), std::move(fields));
  }

  Failure unexpected_answer(const Error& e) {
    return Failure{Origin::server, Error{ErrorCode::internal, "the server sent an unexpected answer: " + e.message}};
  }

  // Stores the session of an auth.login / auth.accept_invite answer and makes it current.
  Outcome<UserInfo> adopt_session(const json::object& answer) {
    json::value v(answer);
    JsonReader in(v);
    std::string token = in.string("token");
    std::optional<std::string> expires_at = in.optional_string("expires_at");
    if (auto st = in.status(); !st) return unexpected_answer(st.error());
    auto user = protocol::user_from_json(answer.contains("user") ? answer.at("user") : json::value());
    if (!user) return unexpected_answer(user.error());
    if (!is_uuid(user->id)) return unexpected_answer(Error{ErrorCode::internal, "the user id is not a UUID"});

    auto account = AccountStore::open(options.data_dir, user->id);
    if (!account) return local_failure(account.error());
    AccountRecord record{*user, url.str(), token, expires_at};
    if (auto st = (*account)->save(record); !st) return local_failure(st.error());
    if (auto st = device->set_current_user_id(user->id); !st) return local_failure(st.error());
    if (auto st = device->set_server_url(url.str()); !st) return local_failure(st.error());
    authenticated_as = user->id;
    return *user;
  }

  // The current account's file and record, when someone is signed in (has a token).
  struct Current {
    std::unique_ptr<AccountStore> store;
    AccountRecord record;
  };
  Outcome<std::optional<Current>> load_current() {
    const auto& id = device->current_user_id();
    if (!id) return std::optional<Current>();
    auto path = AccountStore::path_for(options.data_dir, *id);
    std::error_code ec;
    if (!path || !std::filesystem::exists(*path, ec)) {
      // The file was removed by hand: nobody is signed in any more.
      if (auto st = device->set_current_user_id(std::nullopt); !st) return local_failure(st.error());
      return std::optional<Current>();
    }
    auto store = AccountStore::open(options.data_dir, *id);
    if (!store) return local_failure(store.error());
    auto record = (*store)->load();
    if (!record) return local_failure(record.error());
    if (!*record || !(*record)->token) {
      // A token forgotten by the sync engine (the server ended the session): nobody is signed
      // in any more, exactly as after resume() is refused.
      if (*record) {
        authenticated_as.reset();
        if (auto st = device->set_current_user_id(std::nullopt); !st) return local_failure(st.error());
      }
      return std::optional<Current>();
    }
    return std::optional<Current>(Current{std::move(*store), std::move(**record)});
  }

  Status forget(AccountStore& store) {
    if (auto st = store.forget_token(); !st) return st;
    authenticated_as.reset();
    return device->set_current_user_id(std::nullopt);
  }

  // The server erased this account (docs/security.md): its rows, queue, rejections and files
  // leave the device, and the token goes. The file itself stays, empty but for the account's
  // name, while a sync side may hold it open; the next logout with wipe_local_data removes it.
  // On the engine's thread under the store mutex, or on the caller's with no engine running.
  static Status wipe_erased_account(AccountStore& account) {
    sqlite::Database& db = account.db();
    std::vector<std::string> tables;
    {
      auto q = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                          " AND name <> 'account'");
      if (!q) return q.error();
      for (;;) {
        auto more = q->step();
        if (!more) return more.error();
        if (!*more) break;
        tables.push_back(q->text(0));
      }
    }
    for (const auto& t : tables)
      if (auto st = db.exec("DELETE FROM \"" + t + "\""); !st) return st;
    std::error_code ec;
    std::filesystem::remove_all(files::FileStore::folder_for(db.path()), ec);
    return account.forget_token();  // also checkpoints: nothing erased stays in the WAL
  }

  // logout() with wipe_local_data: every account file goes, with nothing left open on them.
  Status wipe_accounts() {
    drop_sync();
    authenticated_as.reset();
    if (device->current_user_id())
      if (auto st = device->set_current_user_id(std::nullopt); !st) return st;
    std::error_code ec;
    std::filesystem::remove_all(options.data_dir / "accounts", ec);
    if (ec) return Error{ErrorCode::internal, "cannot delete " + (options.data_dir / "accounts").string() + ": " + ec.message()};
    return Status::Ok();
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Outcome<std::unique_ptr<Client>> Client::open(ClientOptions options) {
  if (options.data_dir.empty()) return usage_failure("no data directory given");
  std::error_code ec;
  if (!std::filesystem::exists(options.data_dir, ec)) {
    std::filesystem::create_directories(options.data_dir, ec);
    if (ec)
      return local_failure(Error{ErrorCode::internal,
                                 "cannot create the data directory " + options.data_dir.string() + ": " + ec.message()});
    // Only a directory made here is narrowed; a directory the user chose keeps its mode.
    std::filesystem::permissions(options.data_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  } else if (!std::filesystem::is_directory(options.data_dir, ec)) {
    return local_failure(Error{ErrorCode::internal, "the data directory " + options.data_dir.string() + " is not a directory"});
  }

  auto impl = std::make_unique<Impl>();
  if (!options.server_url.empty()) {
    auto url = ServerUrl::parse(options.server_url);
    if (!url) return usage_failure(url.error().message);
    impl->url = *url;
  }
  auto device = DeviceStore::open(options.data_dir);
  if (!device) return local_failure(device.error());
  impl->device = std::move(*device);
  if (options.server_url.empty()) {
    const std::string& text = impl->device->server_url() ? *impl->device->server_url() : options.fallback_server_url;
    auto url = ServerUrl::parse(text);
    if (!url) return usage_failure(url.error().message);
    impl->url = *url;
  }
  impl->options = std::move(options);
  auto client = std::unique_ptr<Client>(new Client(std::move(impl)));
  client->impl_->self = client.get();
  return client;
}

const ServerUrl& Client::server_url() const { return impl_->url; }
const std::string& Client::device_id() const { return impl_->device->device_id(); }
const std::filesystem::path& Client::data_dir() const { return impl_->options.data_dir; }

Outcome<std::optional<Account>> Client::current_user() {
  auto current = impl_->load_current();
  if (!current) return std::move(current).failure();
  if (!*current) return std::optional<Account>();
  return std::optional<Account>(Account{(*current)->record.user, (*current)->record.server_url});
}

Outcome<UserInfo> Client::login(std::string_view email, std::string_view password) {
  auto normalized = protocol::normalize_email(email);
  if (!normalized) return usage_failure(normalized.error().message);
  if (password.empty()) return usage_failure("the password is empty");
  json::object fields{{"email", *normalized}, {"password", password}};
  if (!impl_->options.device_name.empty()) fields["device"] = impl_->options.device_name;
  auto answer = impl_->call("auth.login", std::move(fields));
  if (!answer) return std::move(answer).failure();
  return impl_->adopt_session(*answer);
}

Outcome<UserInfo> Client::accept_invite(std::string_view token, std::string_view name, std::string_view password) {
  if (token.empty()) return usage_failure("the invitation token is empty");
  if (name.empty()) return usage_failure("the name is empty");
  if (password.empty()) return usage_failure("the password is empty");
  json::object fields{{"token", token}, {"name", name}, {"password", password}};
  if (!impl_->options.device_name.empty()) fields["device"] = impl_->options.device_name;
  auto answer = impl_->call("auth.accept_invite", std::move(fields));
  if (!answer) return std::move(answer).failure();
  return impl_->adopt_session(*answer);
}

Outcome<UserInfo> Client::resume() {
  auto current = impl_->load_current();
  if (!current) return std::move(current).failure();
  if (!*current)
    return Failure{Origin::usage, Error{ErrorCode::unauthenticated, "not signed in; log in first"}};
  auto& [store, record] = **current;
  auto answer = impl_->call("auth.resume", {{"token", *record.token}});
  if (!answer) {
    if (answer.origin() == Origin::server && answer.error().code == ErrorCode::unauthenticated) {
      if (answer.error().message == protocol::kAccountDeletedMessage) {
        impl_->drop_sync();  // nothing may hold the account's rows while they go
        if (auto st = Impl::wipe_erased_account(*store); !st) return local_failure(st.error());
      }
      if (auto st = impl_->forget(*store); !st) return local_failure(st.error());
      return server_failure(Error{ErrorCode::unauthenticated,
                                  "your session has ended (" + answer.error().message + "); log in again"});
    }
    return std::move(answer).failure();
  }
  // The server's view of the user wins: a name or locale may have changed since.
  json::value v(*answer);
  JsonReader in(v);
  record.token_expires_at = in.optional_string("expires_at");
  if (auto st = in.status(); !st) return impl_->unexpected_answer(st.error());
  auto user = protocol::user_from_json(answer->contains("user") ? answer->at("user") : json::value());
  if (!user) return impl_->unexpected_answer(user.error());
  if (user->id != record.user.id)
    return impl_->unexpected_answer(Error{ErrorCode::internal, "the session belongs to another user"});
  record.user = *user;
  if (auto st = store->save(record); !st) return local_failure(st.error());
  impl_->authenticated_as = user->id;
  return *user;
}

Outcome<LogoutResult> Client::logout() {
  auto current = impl_->load_current();
  if (!current) return std::move(current).failure();
  LogoutResult result;
  if (!*current) return result;
  result.was_signed_in = true;
  impl_->drop_sync();
  auto& [store, record] = **current;

  // Revoking needs a connection carrying this session: a fresh process resumes it first.
  Outcome<json::object> revoked = json::object();
  if (impl_->authenticated_as != record.user.id) {
    revoked = impl_->call("auth.resume", {{"token", *record.token}});
  }
  if (revoked) {
    revoked = impl_->call("auth.logout", {});
    if (revoked) result.revoked_on_server = true;
  }
  if (!revoked) {
    // A token the server already refuses is as good as revoked.
    if (revoked.origin() == Origin::server && revoked.error().code == ErrorCode::unauthenticated)
      result.revoked_on_server = true;
    else
      result.server_problem = revoked.failure();
  }
  if (auto st = impl_->forget(*store); !st) return local_failure(st.error());
  return result;
}

Outcome<LogoutResult> Client::logout(const LogoutOptions& options) {
  auto signed_out = logout();  // closes the account file it opened before returning
  if (!options.wipe_local_data) return signed_out;
  LogoutResult result;
  if (signed_out)
    result = *signed_out;
  else
    result.server_problem = signed_out.failure();  // damaged local data is no reason not to erase it
  if (auto st = impl_->wipe_accounts(); !st) return local_failure(st.error());
  result.wiped_local_data = true;
  return result;
}

Outcome<json::object> Client::signed_in_request(std::string type, json::object fields) {
  auto current = impl_->load_current();
  if (!current) return std::move(current).failure();
  if (!*current) return Failure{Origin::usage, Error{ErrorCode::unauthenticated, "not signed in; log in first"}};
  if (impl_->authenticated_as != (*current)->record.user.id || !is_connected()) {
    if (auto me = resume(); !me) return std::move(me).failure();
  }
  return impl_->call(std::move(type), std::move(fields));
}

void Client::set_device_name(std::string name) { impl_->options.device_name = std::move(name); }

Outcome<Done> Client::forget_session() {
  auto current = impl_->load_current();
  if (!current) return std::move(current).failure();
  if (!*current) return Done{};
  impl_->drop_sync();
  if (auto st = impl_->forget(*(*current)->store); !st) return local_failure(st.error());
  return Done{};
}

void Client::request_async(std::string type, json::object fields, AnswerHandler done) {
  if (!impl_->connection) {
    done(network_failure("not connected to the server at " + impl_->url.str()));
    return;
  }
  impl_->connection->request(std::move(type), std::move(fields), std::move(done));
}

Outcome<json::object> Client::request(std::string type, json::object fields) {
  return impl_->call(std::move(type), std::move(fields));
}

void Client::set_event_handler(EventHandler handler) {
  std::lock_guard lock(impl_->handler_mutex);
  impl_->event_handler = std::move(handler);
}

bool Client::is_connected() const { return impl_->connection && impl_->connection->is_open(); }

Outcome<Done> Client::check_server(std::chrono::milliseconds timeout) {
  // Its own connection: the one carrying a session (if any) is left as it is.
  ConnectionOptions co;
  co.url = impl_->url;
  co.ca_file = impl_->options.ca_file;
  co.connect_timeout = timeout;
  co.request_timeout = timeout;
  co.max_frame = impl_->options.max_frame;
  Connection probe(std::move(co), [](const json::object&) {}, [](const Failure&) {});
  return probe.connect_and_wait();
}

// --- offline-first data -------------------------------------------------------------------------

namespace {
// A SyncStore error: storage failures are local; anything else is the mutator refusing.
Failure store_failure(const Error& e) {
  return Failure{e.code == ErrorCode::internal ? Origin::local : Origin::usage, e};
}
}  // namespace

Outcome<std::string> Client::mutate(std::string_view name, const json::object& args) {
  const passerelle::sync::Mutator* m = passerelle::sync::find_mutator(name);
  if (!m) return usage_failure("unknown mutator '" + std::string(name) + "'");
  if (auto v = m->validate(args); !v) return Failure{Origin::usage, v.error()};
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  ChangedRows changed;
  Result<std::string> op_id = Error{ErrorCode::internal, "not run"};
  {
    std::lock_guard lock((*side)->store_mutex);
    op_id = (*side)->store->mutate(name, args, &changed);
  }
  if (!op_id) return store_failure(op_id.error());
  impl_->notify_rows(changed);
  if (SyncEngine* e = impl_->engine_of(**side)) e->notify_local_write();
  return *op_id;
}

Outcome<std::optional<json::object>> Client::get(std::string_view collection, std::string_view id) {
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  std::lock_guard lock((*side)->store_mutex);
  auto row = (*side)->store->get(collection, id);
  if (!row) return local_failure(row.error());
  return std::move(*row);
}

Outcome<std::vector<json::object>> Client::list(std::string_view collection, std::string_view field,
                                                std::string_view value) {
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  std::lock_guard lock((*side)->store_mutex);
  auto rows = (*side)->store->list(collection, field, value);
  if (!rows) return local_failure(rows.error());
  return std::move(*rows);
}

Outcome<std::vector<passerelle::sync::Op>> Client::pending_ops() {
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  std::lock_guard lock((*side)->store_mutex);
  auto ops = (*side)->store->pending(std::numeric_limits<std::int32_t>::max());
  if (!ops) return local_failure(ops.error());
  return std::move(*ops);
}

Outcome<SyncStatus> Client::status() {
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  SyncStatus st;
  {
    std::lock_guard lock((*side)->store_mutex);
    SyncStore& store = *(*side)->store;
    auto pending = store.pending_count();
    if (!pending) return local_failure(pending.error());
    auto last = store.last_synced_at();
    if (!last) return local_failure(last.error());
    auto cursor = store.cursor();
    if (!cursor) return local_failure(cursor.error());
    auto rejected = store.rejections();
    if (!rejected) return local_failure(rejected.error());
    st.pending_ops = *pending;
    st.last_synced_at = *last;
    st.cursor = *cursor;
    st.rejections = static_cast<std::int64_t>(rejected->size());
  }
  if (SyncEngine* e = impl_->engine_of(**side)) {
    auto snap = e->snapshot();
    st.online = snap.online;
    st.state = snap.state;
    st.last_error = snap.last_error;
    st.progress = snap.progress;
  }
  return st;
}

Outcome<std::vector<Rejection>> Client::rejections() {
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  std::lock_guard lock((*side)->store_mutex);
  auto r = (*side)->store->rejections();
  if (!r) return local_failure(r.error());
  return std::move(*r);
}

Outcome<Done> Client::dismiss_rejection(std::string_view op_id) {
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  std::lock_guard lock((*side)->store_mutex);
  if (auto st = (*side)->store->dismiss_rejection(op_id); !st) return local_failure(st.error());
  return Done{};
}

// --- coaching messages ------------------------------------------------------------------------

namespace {
// Downloads are bounded so a misbehaving server cannot fill the device: far above any upload
// limit a server would set for CVs and scans.
constexpr std::uint64_t kMaxDownloadBytes = 256ull * 1024 * 1024;

using files::Attached;

// Reads a file someone chose to attach; files::check_attachment decides whether it may go.
Outcome<Attached> check_attachment(const std::filesystem::path& path, std::size_t max_bytes) {
  namespace fs = std::filesystem;
  std::string name = path.filename().string();
  auto refuse = [&](Error e) { return Failure{Origin::usage, Error{e.code, "cannot attach " + path.string() + ": " + e.message}}; };
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return refuse(Error{ErrorCode::bad_request, "no such file"});
  if (!fs::is_regular_file(status)) return refuse(Error{ErrorCode::bad_request, "not a regular file"});
  auto size = fs::file_size(path, ec);
  if (ec) return refuse(Error{ErrorCode::bad_request, ec.message()});
  if (auto refused = files::check_attachment_header(path.string(), name, size, max_bytes)) return std::move(*refused);
  std::ifstream in(path, std::ios::binary);
  std::string content;
  if (in) content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) return refuse(Error{ErrorCode::bad_request, "cannot read it"});
  return files::check_attachment(path.string(), std::move(name), std::move(content), max_bytes);
}
}  // namespace

Outcome<std::vector<ThreadSummary>> Client::threads() {
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  std::lock_guard lock((*side)->store_mutex);
  auto list = conversations::load_threads(*(*side)->store, (*side)->files.get());
  if (!list) return local_failure(list.error());
  return std::move(*list);
}

Outcome<std::int64_t> Client::unread_total() {
  auto list = threads();
  if (!list) return std::move(list).failure();
  std::int64_t total = 0;
  for (const auto& t : *list) total += t.unread;
  return total;
}

Outcome<std::vector<MessageView>> Client::thread_messages(std::string_view thread_id) {
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  std::lock_guard lock((*side)->store_mutex);
  auto list = conversations::load_messages(*(*side)->store, (*side)->files.get(), thread_id);
  if (!list) return store_failure(list.error());
  return std::move(*list);
}

Outcome<std::string> Client::send_message(std::string_view thread_id, std::string_view body,
                                          const std::vector<std::filesystem::path>& paths) {
  if (paths.size() > passerelle::files::kMaxAttachmentsPerMessage)
    return usage_failure("at most " + std::to_string(passerelle::files::kMaxAttachmentsPerMessage) +
                         " files per message; this one has " + std::to_string(paths.size()));
  std::vector<Attached> attached;
  for (const auto& path : paths) {
    auto a = check_attachment(path, impl_->options.max_file_bytes);
    if (!a) return std::move(a).failure();
    attached.push_back(std::move(*a));
  }
  std::string id = new_id();
  std::string now = format_rfc3339(now_utc());
  std::vector<UploadInfo> infos;
  for (const auto& a : attached) infos.push_back(a.info);
  // Field errors (empty body without files, over 8 KiB) before any file is written.
  auto args = files::message_send_args(id, thread_id, body, now, infos);
  if (!args) return std::move(args).failure();
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  files::FileStore& store = *(*side)->files;
  // The files first, durably: a kill -9 after this leaves at most an unused file, never a
  // queued upload without its bytes.
  for (const auto& a : attached)
    if (auto kept = store.keep(a.info.sha256, a.content); !kept) return local_failure(kept.error());
  ChangedRows changed;
  Result<std::string> op_id = Error{ErrorCode::internal, "not run"};
  {
    std::lock_guard lock((*side)->store_mutex);
    op_id = (*side)->store->mutate("message.send", *args, &changed, [&]() -> Status {
      for (const auto& a : attached)
        if (auto st = store.queue_upload(a.info, now); !st) return st;
      return Status::Ok();
    });
  }
  if (!op_id) return store_failure(op_id.error());
  impl_->notify_rows(changed);
  if (SyncEngine* e = impl_->engine_of(**side)) e->notify_local_write();
  return id;
}

Outcome<Done> Client::mark_read(std::string_view thread_id) {
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  ChangedRows changed;
  {
    std::lock_guard lock((*side)->store_mutex);
    auto args = conversations::read_receipt(*(*side)->store, thread_id);
    if (!args) return store_failure(args.error());
    if (!*args) return Done{};
    auto op = (*side)->store->mutate("receipt.update", **args, &changed);
    if (!op) return store_failure(op.error());
  }
  impl_->notify_rows(changed);
  if (SyncEngine* e = impl_->engine_of(**side)) e->notify_local_write();
  return Done{};
}

Outcome<boost::json::object> Client::invite_cohort(std::string csv, bool send) {
  auto current = impl_->load_current();
  if (!current) return std::move(current).failure();
  if (!*current) return Failure{Origin::usage, Error{ErrorCode::unauthenticated, "not signed in; log in first"}};
  files::TransferOptions o;
  o.server = impl_->url;
  o.ca_file = impl_->options.ca_file;
  o.token = *(*current)->record.token;
  o.connect_timeout = impl_->options.connect_timeout;
  o.stall_timeout = impl_->options.request_timeout;
  return files::post_for_json(o, send ? "/v1/invitations/cohort?mode=send" : "/v1/invitations/cohort?mode=check",
                              "text/csv; charset=utf-8", std::move(csv));
}

Outcome<std::filesystem::path> Client::download_file(std::string_view sha256, const std::filesystem::path& destination) {
  if (!passerelle::files::is_sha256_hex(sha256))
    return usage_failure("'" + std::string(sha256) + "' is not a file hash (64 lower-case hex digits)");
  std::error_code ec;
  if (!destination.empty() && std::filesystem::exists(destination, ec))
    return Failure{Origin::usage, Error{ErrorCode::conflict, destination.string() + " already exists; choose another name"}};
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  files::FileStore& store = *(*side)->files;
  std::optional<std::filesystem::path> stored = store.find(sha256);
  if (stored) {
    // A stored file is checked again before it leaves: a damaged one is fetched anew.
    auto hash = files::sha256_of_file(*stored);
    if (!hash || *hash != sha256) {
      store.forget(sha256);
      stored.reset();
    }
  }
  if (!stored) {
    auto current = impl_->load_current();
    if (!current) return std::move(current).failure();
    if (!*current) return Failure{Origin::usage, Error{ErrorCode::unauthenticated, "not signed in; log in first"}};
    files::TransferOptions o;
    o.server = impl_->url;
    o.ca_file = impl_->options.ca_file;
    o.token = *(*current)->record.token;
    o.connect_timeout = impl_->options.connect_timeout;
    o.stall_timeout = impl_->options.request_timeout;
    auto temp = store.temp_path();
    auto got = files::get_blob(o, sha256, temp, std::max<std::uint64_t>(kMaxDownloadBytes, impl_->options.max_file_bytes));
    if (!got) {
      std::filesystem::remove(temp, ec);
      return std::move(got).failure();
    }
    auto kept = store.adopt(temp, sha256);
    if (!kept) {
      std::filesystem::remove(temp, ec);
      return local_failure(kept.error());
    }
    stored = *kept;
  }
  if (destination.empty()) return *stored;
  if (auto st = files::copy_file_atomically(*stored, destination, false); !st)
    return Failure{st.error().code == ErrorCode::conflict ? Origin::usage : Origin::local, st.error()};
  return destination;
}

Outcome<std::vector<UploadInfo>> Client::uploads() {
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  std::lock_guard lock((*side)->store_mutex);
  auto list = (*side)->files->uploads();
  if (!list) return local_failure(list.error());
  return std::move(*list);
}

Outcome<Done> Client::start_sync() {
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  auto engine = impl_->ensure_engine(**side);
  if (!engine) return std::move(engine).failure();
  (*engine)->start();
  impl_->start_watch(**side);
  return Done{};
}

void Client::stop_sync() {
  impl_->stop_watch();
  SyncEngine* engine = nullptr;
  {
    std::lock_guard lock(impl_->sync_mutex);
    if (impl_->sync) engine = impl_->sync->engine.get();
  }
  if (engine) engine->stop();
}

Outcome<SyncSummary> Client::sync_once(std::chrono::milliseconds timeout, ProgressHandler progress) {
  auto side = impl_->ensure_sync();
  if (!side) return std::move(side).failure();
  auto engine = impl_->ensure_engine(**side);
  if (!engine) return std::move(engine).failure();
  return (*engine)->run_once(timeout, progress);
}

Client::ObserverToken Client::observe_rows(RowsObserver observer) {
  std::lock_guard lock(impl_->observers_mutex);
  auto token = impl_->next_token++;
  impl_->rows_observers.emplace(token, std::move(observer));
  return token;
}

Client::ObserverToken Client::observe_state(StateObserver observer) {
  std::lock_guard lock(impl_->observers_mutex);
  auto token = impl_->next_token++;
  impl_->state_observers.emplace(token, std::move(observer));
  return token;
}

Client::ObserverToken Client::observe_rejections(RejectionObserver observer) {
  std::lock_guard lock(impl_->observers_mutex);
  auto token = impl_->next_token++;
  impl_->rejection_observers.emplace(token, std::move(observer));
  return token;
}

void Client::unobserve(ObserverToken token) {
  std::lock_guard lock(impl_->observers_mutex);
  impl_->rows_observers.erase(token);
  impl_->state_observers.erase(token);
  impl_->rejection_observers.erase(token);
}

std::string person_time_zone(Client& client, std::string_view user_id) {
  ClientRows rows(client);
  return person_time_zone(static_cast<LocalRows&>(rows), user_id);
}

}  // namespace passerelle::client
