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
//   accounts/<user_id>.sqlite (session token, user info, the replicated rows, the cursor, the
//   outbox, the rejections and the upload queue), all 0600; attached files in
//   accounts/<user_id>.files/<sha256> (0600). Logging out removes the token from disk (the file
//   keeps the user's name, e-mail and synced data), or the account files too with
//   LogoutOptions::wipe_local_data.
//
// Offline-first data (docs/sync.md):
//
//   auto op = client->mutate("message.send", {{"id", new_id()}, {"thread_id", t}, {"body", "Bonjour"}});
//   auto row = client->get("messages", id);             // the local view, at once, offline
//   client->start_sync();                               // background: push, pull, pokes, reconnects
//   auto token = client->observe_rows([](const ChangedRows& rows) { ... });
//
// - mutate/get/list/status/rejections/dismiss_rejection/pending_ops may be called from any
//   thread, also while the background engine runs (the local store is behind a mutex). They
//   never touch the network.
// - Observers run on the thread that caused the change: rows changed by mutate() on the
//   caller's thread before mutate() returns; everything from the network (pushed, pulled,
//   rejected, state changes) on the sync engine's thread. No lock is held while they run: they
//   may call the local calls above, but not start_sync/stop_sync/sync_once or the blocking
//   network calls, and must not destroy the Client. UIs post to their main thread from them.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/message_types.h"
#include "passerelle/outcome.h"
#include "passerelle/server_url.h"
#include "passerelle/shared/messages/files.h"
#include "passerelle/shared/protocol.h"
#include "passerelle/shared/sync/wire.h"
#include "passerelle/sync_types.h"
#include "passerelle/transport.h"

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
  // Sync engine: reconnection delays (min doubling up to max, with jitter) and pull page size.
  std::chrono::milliseconds sync_backoff_min{500};
  std::chrono::milliseconds sync_backoff_max{60'000};
  std::int64_t pull_limit = passerelle::sync::kClientPullLimit;
  // Largest frame the sync connection accepts: a pull page of 2,000 rows is far over the 64 KiB
  // of max_frame (which bounds the sign-in connection).
  std::size_t sync_max_frame = 16 * 1024 * 1024;
  // Coaching messages: the largest file send_message() accepts (the server's default limit;
  // a server configured lower refuses the upload with too_large).
  std::size_t max_file_bytes = passerelle::files::kDefaultMaxFileBytes;
  // After each pull the engine tells the server which messages of others reached this device
  // (receipt.update delivered_n). Off only for tests that count ops.
  bool delivery_receipts = true;
  // While start_sync() runs: how often the engine checks whether another process (another
  // `passerelle` command on the same data directory) queued writes in the account file, so they
  // go out at once (docs/sync.md, "Several processes on one data folder"). 0 turns it off.
  std::chrono::milliseconds local_write_poll{100};
  // The WebSocket the sync engine speaks through (transport.h); empty: the built-in Beast one.
  // Sign-in and the other blocking calls, and file transfers, use the built-in one always.
  std::shared_ptr<Transport> sync_transport;
  // The name this device gives at sign-in ("Amina's phone", "passerelle CLI on host"): what
  // sessions() shows the person. Empty: none. At most 100 bytes of UTF-8.
  std::string device_name;
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
  bool wiped_local_data = false;          // LogoutOptions::wipe_local_data removed the account files
};

struct LogoutOptions {
  // Also delete everything under <data_dir>/accounts: the replicated rows, the outbox (ops not
  // yet sent are lost), the rejections and any stored files, of the current account and of any
  // signed in earlier; device.sqlite (device id, last server URL) stays. Done even when nobody is
  // signed in.
  bool wipe_local_data = false;
};

// One of the signed-in person's sessions, as the server lists them (sessions()).
struct SessionInfo {
  std::string id;             // what end_session() takes
  std::string device;         // the name the device gave at sign-in ("" when none)
  std::string address;        // the address it was last seen from
  std::string first_seen_at;  // RFC 3339 UTC: the sign-in
  std::string last_seen_at;
  std::string expires_at;
  bool current = false;       // the session of this device
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
  // The same, and with wipe_local_data the account files go too (a shared phone, "sign out and
  // erase"). Stops the background sync first.
  Outcome<LogoutResult> logout(const LogoutOptions& options);

  // --- Password and sessions (docs/protocol.md; online: each needs the server) ---
  // The device name given at the next sign-in (ClientOptions::device_name).
  void set_device_name(std::string name);
  // Changes the signed-in person's password (resuming the session first when this process has
  // not). Every other session of theirs ends; this one stays. Returns how many ended. A wrong
  // current password fails with Origin::server, ErrorCode::forbidden.
  Outcome<std::int64_t> change_password(std::string_view current, std::string_view new_password);
  // Asks for a reset e-mail. The server answers the same whether an account has this address
  // or not; only an existing, enabled account gets the e-mail (a link and a code).
  Outcome<Done> request_password_reset(std::string_view email);
  // Sets a new password with the code of the reset e-mail (or the token of its link). Every
  // session of the account ends, this device's included: log in again afterwards.
  Outcome<Done> reset_password_with_code(std::string_view code, std::string_view new_password);
  Outcome<Done> reset_password_with_token(std::string_view token, std::string_view new_password);
  // The signed-in person's live sessions, most recently seen first.
  Outcome<std::vector<SessionInfo>> sessions();
  // Ends one of them (its connections close, its token is refused). Ending this device's own
  // session signs this device out, like logout().
  Outcome<Done> end_session(std::string_view session_id);
  // Admin: ends every session of another account. Returns how many ended.
  Outcome<std::int64_t> end_all_sessions(std::string_view user_id);
  // Coach or admin: invites someone (invite.create, docs/protocol.md); the server e-mails the
  // link. `name` and `locale` may be empty (none; the inviter's language). Returns the
  // invitation as the server describes it ({id, email, role, status, expires_at, ...}).
  Outcome<boost::json::object> invite(std::string_view email, std::string_view role, std::string_view name = {},
                                      std::string_view locale = {});
  // Coach or admin: a cohort CSV file (docs/operations.md, "Onboarding a cohort") checked
  // (`send` false) or sent; the server's report {rows, counts, report: [{row, line, email,
  // outcome, message?}], cohort_id?}. A file that is not a cohort CSV: Origin::server, bad_request.
  Outcome<boost::json::object> invite_cohort(std::string csv, bool send);

  // The raw protocol, for the layers above (sync engine): connects and resumes on demand are
  // NOT done here; call resume()/login() first. Answers carry the answer's fields.
  void request_async(std::string type, boost::json::object fields, AnswerHandler done);
  Outcome<boost::json::object> request(std::string type, boost::json::object fields);
  // Receives server events such as {"type":"poke","seq":N}, on the I/O thread.
  void set_event_handler(EventHandler handler);
  bool is_connected() const;
  // Whether the server answers now: a fresh connection and its hello, each handshake and the
  // hello bounded by `timeout`, then closed. Needs no account. Origin::network when not.
  Outcome<Done> check_server(std::chrono::milliseconds timeout);

  // --- offline-first data (sync) --------------------------------------------------------------
  // All of these need a signed-in account (else Origin::usage, code unauthenticated) and work
  // offline against accounts/<user_id>.sqlite.

  // Runs mutator `name` (docs/sync.md) on the local view and queues it, in one transaction;
  // returns the op id. Bad args fail with Origin::usage and the mutator's message, which names
  // the field ("field 'args.body' must not be empty"); so does a mutator refusing locally.
  // Wakes the background engine, if it runs. The server's verdict comes later: a refused op
  // shows up in rejections() and the op-rejected observers.
  Outcome<std::string> mutate(std::string_view name, const boost::json::object& args);
  // The local view (server rows + pending ops): one row, or nullopt.
  Outcome<std::optional<boost::json::object>> get(std::string_view collection, std::string_view id);
  // Rows of a collection, optionally only those whose string `field` equals `value`; by id.
  Outcome<std::vector<boost::json::object>> list(std::string_view collection, std::string_view field = {},
                                                 std::string_view value = {});
  // The queued ops not yet answered by the server, oldest first.
  Outcome<std::vector<passerelle::sync::Op>> pending_ops();
  Outcome<SyncStatus> status();
  Outcome<std::vector<Rejection>> rejections();
  Outcome<Done> dismiss_rejection(std::string_view op_id);

  // --- coaching messages (docs/messages.md, "On the device") ---------------------------------
  // Like the calls above: a signed-in account is needed, and everything but download_file()
  // works offline from the local view, from any thread.

  // Every thread on this device, most recent activity first, with its unread count (messages
  // of others above my read mark), its last message and a title (the other members' names).
  Outcome<std::vector<ThreadSummary>> threads();
  // The unread counts of every thread, summed.
  Outcome<std::int64_t> unread_total();
  // A thread's messages in the server's order (by `n`); messages still queued on this device
  // come last, by their provisional number. Each carries its state for the author and its
  // files with whether they are on this device. An unknown thread: Origin::usage, not_found.
  Outcome<std::vector<MessageView>> thread_messages(std::string_view thread_id);
  // Queues a message with `body` (may be empty when files are attached) and `files`. Each file
  // is checked at once (at most max_file_bytes: too_large; PDF, DOCX, ODT, PNG or JPEG by its
  // content: unsupported; a usable file name: bad_request), all as Origin::usage, then copied
  // into this account's file store; its upload is queued in the same SQLite transaction as the
  // message, so a kill -9 keeps both or neither. The next sync uploads the files, then sends the
  // message. Returns the message id. `written_at` is this device's clock, shown only.
  Outcome<std::string> send_message(std::string_view thread_id, std::string_view body,
                                    const std::vector<std::filesystem::path>& files = {});
  // Marks the thread read up to the last message of others (receipt.update read_n), queued
  // like any write. Nothing is queued when it is read already.
  Outcome<Done> mark_read(std::string_view thread_id);
  // A file someone attached, by its SHA-256: from this account's file store when it is there,
  // else downloaded (GET /v1/blobs/<sha256>; blocking, bounded by the timeouts) and checked
  // against its hash before it is kept. Copied to `destination`, which must not exist (conflict,
  // Origin::usage); never a partial file there. An empty destination returns the stored file's
  // path instead (read it, do not change it). Not readable by this user, or unknown:
  // Origin::server, not_found.
  Outcome<std::filesystem::path> download_file(std::string_view sha256, const std::filesystem::path& destination = {});
  // The files this account queued for upload, oldest first, with their state.
  Outcome<std::vector<UploadInfo>> uploads();

  // Starts the background sync engine (its own thread): connects, resumes the session, uploads
  // queued files, pushes the outbox, pulls to the end (and queues delivered receipts for it), then follows pokes and local writes; reconnects with backoff
  // (sync_backoff_min doubling to sync_backoff_max, with jitter) after any network failure.
  // A session the server refuses stops it in SyncState::error ("signed out on the server: log
  // in again"). Returns at once; no effect when it runs.
  Outcome<Done> start_sync();
  // Stops the engine and waits for its thread (bounded: it abandons a request in flight; the
  // outbox keeps the op and the next sync resends it, which the server answers from its record).
  void stop_sync();
  // One blocking round on the caller's thread: connect, resume, push everything, pull to the
  // end, all within `timeout`. `progress` runs on the caller's thread after each push answer and
  // each pulled page. Refused (Origin::usage) while the background engine runs.
  Outcome<SyncSummary> sync_once(std::chrono::milliseconds timeout, ProgressHandler progress = {});

  // Observers; each returns a token for unobserve(). See the top of this file for threads.
  using ObserverToken = std::uint64_t;
  using RowsObserver = std::function<void(const ChangedRows&)>;
  using StateObserver = std::function<void(const SyncStatus&)>;
  using RejectionObserver = std::function<void(const Rejection&)>;
  ObserverToken observe_rows(RowsObserver observer);
  ObserverToken observe_state(StateObserver observer);
  ObserverToken observe_rejections(RejectionObserver observer);
  // After it returns the observer is not called again (a call already running on another
  // thread finishes first).
  void unobserve(ObserverToken token);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  // request() on a connection signed in as the current account (resumed first if needed).
  Outcome<boost::json::object> signed_in_request(std::string type, boost::json::object fields);
  // Forgets the current account's token locally (the server ended this device's session).
  Outcome<Done> forget_session();
  std::unique_ptr<Impl> impl_;
};

}  // namespace passerelle::client
