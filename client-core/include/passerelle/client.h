// libpasserelle_client: the device side of Passerelle, as a C++ API.
//
//   ClientOptions options;
//   options.data_dir = "/home/amina/.passerelle";
//   options.server_url = "wss://passerelle.example.org";
//   auto client = Client::open(options);               // local files only, no network yet
//   if (!client) { report(client.failure()); ... }
//   auto user = (*client)->login("amina@example.org", password);
//   auto me = (*client)->current_user();               // offline, from the local store
//
// What a caller must know:
// - Every call returns an Outcome: a value, or a Failure = shared Error + Origin (server refused,
//   network, local data, caller's input). Nothing throws across this API.
// - A Client is used from one thread at a time. The blocking calls (login, resume,
//   accept_invite, logout, request) wait for the network, bounded by the timeouts in
//   ClientOptions; they exist for the CLI and tests. Under them the connection is asynchronous
//   on its own I/O thread: request_async() and the event handler never block the caller.
// - Handlers (events, request_async answers) run on the I/O thread: return quickly, do not call
//   blocking Client methods from them, and do not destroy the Client in them.
// - Data directory: device.sqlite (device id, server URL last used, current account) and
//   accounts/<user_id>.sqlite (session token, user info; later the replicated rows, cursor and
//   outbox), all 0600. Logging out removes the token from disk (the file keeps the user's name
//   and e-mail only).
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "passerelle/outcome.h"
#include "passerelle/server_url.h"
#include "passerelle/shared/protocol.h"

namespace passerelle::client {

using protocol::UserInfo;

inline constexpr std::string_view kDefaultServerUrl = "ws://127.0.0.1:8080";

struct ClientOptions {
  std::filesystem::path data_dir;  // created with 0700 if missing
  // Empty: the URL stored in device.sqlite by the last successful sign-in, else
  // fallback_server_url. A non-empty bad URL fails open() with Origin::usage.
  std::string server_url;
  std::string fallback_server_url = std::string(kDefaultServerUrl);
  std::string ca_file;  // extra CA certificate (PEM) trusted for wss://, besides the system store
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};
  std::size_t max_frame = protocol::kDefaultMaxFrame;
};

// The person signed in on this device, as last seen from the server.
struct Account {
  UserInfo user;
  std::string server_url;  // the server this account signed in to
};

struct LogoutResult {
  bool was_signed_in = false;
  bool revoked_on_server = false;  // false when the server could not be told
  std::optional<Failure> server_problem;  // why the server was not told, if it was not
};

class Client {
 public:
  using EventHandler = std::function<void(const boost::json::object& event)>;
  using AnswerHandler = std::function<void(Outcome<boost::json::object>)>;

  // Opens the data directory and device.sqlite. No network access.
  static Outcome<std::unique_ptr<Client>> open(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ServerUrl& server_url() const;
  const std::string& device_id() const;
  const std::filesystem::path& data_dir() const;

  // The account signed in on this device, from the local store only (works offline);
  // nullopt when nobody is signed in.
  Outcome<std::optional<Account>> current_user();

  // Signs in; the session token goes to accounts/<id>.sqlite and the account becomes current.
  // A wrong e-mail or password fails with Origin::server, ErrorCode::unauthenticated.
  Outcome<UserInfo> login(std::string_view email, std::string_view password);
  // Re-opens the current account's session with its stored token. When the server no longer
  // knows the token, the token is forgotten locally and the Failure (Origin::server,
  // unauthenticated) says to log in again.
  Outcome<UserInfo> resume();
  // Creates the invited account and signs it in, like login().
  Outcome<UserInfo> accept_invite(std::string_view token, std::string_view name, std::string_view password);
  // Revokes the session on the server when reachable, and always forgets the token locally.
  // Fails only when the local files cannot be updated.
  Outcome<LogoutResult> logout();

  // The raw protocol, for the layers above (sync engine): connects and resumes on demand are
  // NOT done here; call resume()/login() first. Answers carry the answer's fields.
  void request_async(std::string type, boost::json::object fields, AnswerHandler done);
  Outcome<boost::json::object> request(std::string type, boost::json::object fields);
  // Receives server events such as {"type":"poke","seq":N}, on the I/O thread.
  void set_event_handler(EventHandler handler);
  bool is_connected() const;

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace passerelle::client
