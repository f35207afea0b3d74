#include "passerelle/client.h"

#include <mutex>
#include <system_error>

#include "account_store.h"
#include "connection.h"
#include "device_store.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/json_reader.h"

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

  ~Impl() { connection.reset(); }  // first: its handlers point into this object

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
    if (!*record || !(*record)->token) return std::optional<Current>();
    return std::optional<Current>(Current{std::move(*store), std::move(**record)});
  }

  Status forget(AccountStore& store) {
    if (auto st = store.forget_token(); !st) return st;
    authenticated_as.reset();
    return device->set_current_user_id(std::nullopt);
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
  return std::unique_ptr<Client>(new Client(std::move(impl)));
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
  auto answer = impl_->call("auth.login", {{"email", *normalized}, {"password", password}});
  if (!answer) return std::move(answer).failure();
  return impl_->adopt_session(*answer);
}

Outcome<UserInfo> Client::accept_invite(std::string_view token, std::string_view name, std::string_view password) {
  if (token.empty()) return usage_failure("the invitation token is empty");
  if (name.empty()) return usage_failure("the name is empty");
  if (password.empty()) return usage_failure("the password is empty");
  auto answer = impl_->call("auth.accept_invite", {{"token", token}, {"name", name}, {"password", password}});
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

}  // namespace passerelle::client
