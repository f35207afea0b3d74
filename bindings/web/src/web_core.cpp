// The WebAssembly core's entry points for the Worker (bindings/web/worker.mjs, docs/bindings.md,
// "The web binding"): open the device and its signed-in account, sign in and out, apply a
// mutator, read rows and the views computed from them (threads, messages, slots, plan progress,
// a meeting's .ics: local_views.h, the native C API's code), keep and queue files, online
// requests, and the sync engine (sync/sync_machine.h) fed the Worker's events.
//
// The Worker is the engine's browser driver: it owns the WebSocket, the timers and nothing
// else. psl_web_sync_feed() takes one event and answers the actions to carry out, as the native
// driver (sync_engine.cpp) does with Asio; uploads too: the Worker PUTs the bytes with fetch and
// the core reads the answer (files/blob_http.h). Sign-in (and any online request) is one
// exchange on a socket of its own: the core writes the frames (psl_web_sign_in_request,
// psl_web_request) and reads the answers (psl_web_sign_in_answer, psl_web_request_answer).
//
// Every call answers one JSON text, which the caller frees with psl_web_free():
//   {"ok": <value>}  or  {"error": {"code": "not_found", "origin": "usage", "message": "..."}}
// with the C API's codes and origins (passerelle.h), in their wire spelling. Nothing throws
// across this boundary. One account is open at a time: the Worker owns one database.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "account_store.h"
#include "c_api/json_out.h"
#include "device_store.h"
#include "files/attachments.h"
#include "files/blob_http.h"
#include "files/file_store.h"
#include "passerelle/server_url.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/json_text.h"
#include "passerelle/shared/messages/files.h"
#include "messages/conversations.h"
#include "passerelle/local_views.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/protocol.h"
#include "sync/pull_answer.h"
#include "sync/sync_machine.h"
#include "sync/sync_store.h"

namespace json = boost::json;
using namespace passerelle;

extern "C" int psl_web_opfs_register(void);

namespace {

struct Open {
  std::unique_ptr<client::AccountStore> account;
  std::unique_ptr<client::SyncStore> store;
  std::unique_ptr<client::files::FileStore> files;  // attached files and the upload queue
  std::optional<client::AccountRecord> record;  // when opened as the device's signed-in account
  // Files checked by psl_web_take_file, by hash, until a message or addFile queues them.
  std::map<std::string, client::files::Attached> taken;
  std::string request_server;  // the server of the online request in flight (psl_web_request)
  std::mutex store_mutex;                          // the engine's rule; no second thread here
  std::unique_ptr<client::SyncMachine> machine;
};
Open* g_open = nullptr;

// The device (psl_web_open_device): its store says who is signed in, on which server.
struct Device {
  std::string data_dir;
  std::unique_ptr<client::DeviceStore> store;
  std::string signing_in_server;  // the server of the sign-in request in flight
};
Device* g_device = nullptr;

char* answer(const json::object& o) {
  std::string text = json::serialize(o);
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out) std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

char* ok(json::value v) { return answer({{"ok", std::move(v)}}); }

// {"ok": <value>} where the value is JSON text already written (the engine's actions).
char* ok_text(std::string_view value) {
  char* out = static_cast<char*>(std::malloc(value.size() + 8));
  if (!out) return nullptr;
  std::memcpy(out, "{\"ok\":", 6);
  std::memcpy(out + 6, value.data(), value.size());
  out[6 + value.size()] = '}';
  out[7 + value.size()] = '\0';
  return out;
}

// `origin`: "usage" when the caller's input was refused, "local" when the device failed.
char* error(ErrorCode code, std::string_view origin, std::string_view message) {
  return answer({{"error", {{"code", to_string(code)}, {"origin", origin}, {"message", message}}}});
}
char* error(const Error& e, std::string_view origin) { return error(e.code, origin, e.message); }

char* not_open() { return error(ErrorCode::bad_request, "usage", "no account is open in this Worker: call open first"); }

char* failed(const client::Failure& f) { return error(f.error, client::to_string(f.origin)); }
// A store's refusal is about the caller's input (an unknown thread); `internal` is the device.
char* store_error(const Error& e) { return error(e, e.code == ErrorCode::internal ? "local" : "usage"); }

template <class F>
char* guarded(F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return error(ErrorCode::internal, "local", std::string("internal error: ") + e.what());
  } catch (...) {
    return error(ErrorCode::internal, "local", "internal error");
  }
}

// The largest frame from the server the core reads (docs/limits.md): a pull page stays far below.
constexpr std::size_t kMaxIncomingFrame = 1024 * 1024;

json::object account_json(const client::AccountRecord& r) {
  return passerelle::capi::to_json(client::Account{r.user, r.server_url});
}

// "http://host:port" (or https, ws, wss; a path is kept, /v1/ws by default) as the engine's
// WebSocket URL and the server's name for messages.
struct ServerAddress {
  std::string socket_url;
  std::string server;
};
Result<ServerAddress> parse_server(std::string_view text) {
  struct Scheme {
    std::string_view prefix;
    bool tls;
  };
  static constexpr Scheme kSchemes[] = {{"https://", true}, {"wss://", true}, {"http://", false}, {"ws://", false}};
  const Scheme* scheme = nullptr;
  for (const auto& s : kSchemes)
    if (text.substr(0, s.prefix.size()) == s.prefix) scheme = &s;
  if (!scheme) return Error{ErrorCode::bad_request, "the server address must start with http://, https://, ws:// or wss://"};
  bool tls = scheme->tls;
  std::string_view rest = text.substr(scheme->prefix.size());
  auto slash = rest.find('/');
  std::string host(rest.substr(0, slash));
  std::string path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (host.empty() || host.find_first_of(" @?#") != std::string::npos)
    return Error{ErrorCode::bad_request, "the server address has no valid host"};
  if (path.empty() || path == "/") path = "/v1/ws";
  std::string ws = tls ? "wss://" : "ws://";
  return ServerAddress{ws + host + path, ws + host + (path == "/v1/ws" ? "" : path)};
}

// The account's attached files: <data_dir>-files/<user_id>.files.
std::filesystem::path files_folder(const std::string& data_dir, const std::string& user_id) {
  return std::filesystem::path(data_dir + "-files") / (user_id + ".files");
}

// The session's server as the core's one URL type (blob URLs derive from it).
Result<client::ServerUrl> session_server() {
  if (!g_open || !g_open->record || !g_open->record->token)
    return Error{ErrorCode::unauthenticated, "not signed in: sign in first"};
  return client::ServerUrl::parse(g_open->record->server_url);
}

// Opens the account file of `user_id` as the one this Worker serves.
Status open_account(const std::string& data_dir, const std::string& user_id, protocol::Role role,
                    std::optional<client::AccountRecord> record) {
  auto account = client::AccountStore::open(data_dir, user_id);
  if (!account) return account.error();
  auto o = std::make_unique<Open>();
  o->account = std::move(*account);
  o->store = std::make_unique<client::SyncStore>(o->account->db(), sync::Actor{user_id, role});
  // Beside the data folder, not in it: the Worker keeps this folder in IndexedDB (IDBFS) in
  // both storages, while the SQLite files may be in OPFS.
  auto files = client::files::FileStore::open(o->account->db(), files_folder(data_dir, user_id));
  if (!files) return files.error();
  o->files = std::move(*files);
  o->record = std::move(record);
  g_open = o.release();
  return Status::Ok();
}

void close_account() {
  delete g_open;
  g_open = nullptr;
}

client::SyncStatus status_now() {
  client::SyncStatus st;
  if (!g_open) return st;
  if (g_open->machine) {
    const auto& snap = g_open->machine->snapshot();
    st.online = snap.online;
    st.state = snap.state;
    st.last_error = snap.last_error;
    st.progress = snap.progress;
  }
  if (auto n = g_open->store->pending_count()) st.pending_ops = *n;
  if (auto at = g_open->store->last_synced_at()) st.last_synced_at = *at;
  if (auto c = g_open->store->cursor()) st.cursor = *c;
  if (auto r = g_open->store->rejections()) st.rejections = static_cast<std::int64_t>(r->size());
  return st;
}

// The engine's actions as the Worker carries them out, as one JSON array's text:
// {"do": "<kind>", ...}. Those that only concern the stores (a session the server ended) are
// done here, before the Worker hears. Written as text, not built as objects: a pulled page's
// rows_changed names its thousand rows, and building a {collection, id} object for each, then
// serializing them, was an eighth of the Worker's pull (docs/benchmarks.md, "The browser").
// Its rows go as "rows_text", the JSON array [{collection, id}...] as one string: the Worker
// posts that string on as it is and the page parses it only if someone observes rows (a
// thousand objects parsed, then cloned into the page, were a tenth of the Worker's pull).
std::string carry_out(std::vector<client::SyncAction> actions) {
  using K = client::SyncAction::Kind;
  std::string out = "[";
  for (auto& a : actions) {
    if (a.kind == K::rows_changed) {
      if (out.size() > 1) out += ',';
      std::string rows;
      rows.reserve(2 + a.rows.size() * 72);
      rows += '[';
      bool first = true;
      for (const auto& [collection, id] : a.rows) {
        rows += first ? "{\"collection\":" : ",{\"collection\":";
        first = false;
        append_json_string(rows, collection);
        rows += ",\"id\":";
        append_json_string(rows, id);
        rows += '}';
      }
      rows += ']';
      out.reserve(out.size() + 48 + rows.size() * 5 / 4);
      out += "{\"do\":\"rows_changed\",\"rows_text\":";
      append_json_string(out, rows);
      out += '}';
      continue;
    }
    json::object o;
    switch (a.kind) {
      case K::open_socket: o = {{"do", "open_socket"}, {"url", a.url}}; break;
      case K::send_frame: o = {{"do", "send"}, {"frame", a.frame}}; break;
      case K::close_socket: o = {{"do", "close_socket"}}; break;
      case K::arm_timer: o = {{"do", "arm_timer"}, {"timer", a.timer}, {"delay_ms", a.delay.count()}}; break;
      case K::cancel_timer: o = {{"do", "cancel_timer"}, {"timer", a.timer}}; break;
      case K::start_upload: {
        // The Worker PUTs the file's bytes with fetch and feeds "upload_done" back.
        auto server = session_server();
        if (!server) continue;  // signed out meanwhile: the engine is being stopped
        o = {{"do", "upload"}, {"sha256", a.sha256}, {"path", a.path}, {"name", a.name},
             {"url", client::files::blob_url(*server, a.sha256)}, {"token", *g_open->record->token}};
        break;
      }
      case K::cancel_upload: o = {{"do", "cancel_upload"}}; break;
      case K::rows_changed: continue;  // written above
      case K::rejected:
        if (!a.rejection) continue;
        o = {{"do", "rejected"}, {"rejection", passerelle::capi::to_json(*a.rejection)}};
        break;
      case K::state_changed: o = {{"do", "state_changed"}, {"status", passerelle::capi::to_json(status_now())}}; break;
      case K::progress: continue;
      case K::session_ended:
      case K::account_deleted:
        // The token is forgotten (an erased account's rows go with the next sign-out).
        if (g_open) (void)g_open->account->forget_token();
        if (g_device) (void)g_device->store->set_current_user_id(std::nullopt);
        o = {{"do", "session_ended"}};
        break;
      case K::finished: o = {{"do", "finished"}}; break;
    }
    if (out.size() > 1) out += ',';
    out += json::serialize(o);
  }
  out += ']';
  return out;
}

// The open account's local view as the shared views (local_views.h) read it.
class StoreRows final : public client::LocalRows {
 public:
  explicit StoreRows(client::SyncStore& store) : store_(store) {}
  client::Outcome<std::optional<json::object>> get(std::string_view collection, std::string_view id) override {
    auto row = store_.get(collection, id);
    if (!row) return client::local_failure(row.error());
    return std::move(*row);
  }
  client::Outcome<std::vector<json::object>> list(std::string_view collection, std::string_view field,
                                                  std::string_view value) override {
    auto rows = store_.list(collection, field, value);
    if (!rows) return client::local_failure(rows.error());
    return std::move(*rows);
  }

 private:
  client::SyncStore& store_;
};

const std::string& me() { return g_open->store->actor().user_id; }

// The media type of a kept file, by its content as the server checks it ("" if none fits).
std::string type_of(std::string_view content) { return std::string(passerelle::files::sniff_type(content).value_or("")); }

json::object upload_json(const client::UploadInfo& u) {
  return {{"sha256", u.sha256}, {"name", u.name}, {"size", u.size}, {"type", u.type}};
}

// The taken files named by `hashes_json` (a JSON array of sha256), in order.
Result<std::vector<const client::files::Attached*>> taken_files(const char* hashes_json) {
  std::vector<const client::files::Attached*> out;
  if (!hashes_json) return out;
  boost::system::error_code ec;
  json::value v = json::parse(hashes_json, ec);
  if (ec || !v.is_array()) return Error{ErrorCode::bad_request, "the files must be a JSON array of hashes"};
  for (const auto& h : v.as_array()) {
    auto it = h.is_string() ? g_open->taken.find(std::string(h.as_string())) : g_open->taken.end();
    if (it == g_open->taken.end()) return Error{ErrorCode::bad_request, "a file was not taken by psl_web_take_file first"};
    out.push_back(&it->second);
  }
  return out;
}

}  // namespace

extern "C" {

// Opens (creating) the device's store under `data_dir` and, when someone is signed in there,
// their account: the answer is the account ({user, server}) or null.
__attribute__((used)) char* psl_web_open_device(const char* data_dir) {
  return guarded([&] {
    if (!data_dir) return error(ErrorCode::bad_request, "usage", "open needs a folder");
    if (g_device || g_open) return error(ErrorCode::conflict, "usage", "the device is already open in this Worker");
    auto device = client::DeviceStore::open(data_dir);
    if (!device) return error(device.error(), "local");
    g_device = new Device{data_dir, std::move(*device), {}};
    const auto& id = g_device->store->current_user_id();
    if (!id) return ok(nullptr);
    auto account = client::AccountStore::open(data_dir, *id);
    if (!account) return error(account.error(), "local");
    auto record = (*account)->load();
    if (!record) return error(record.error(), "local");
    (*account).reset();
    if (!*record || !(*record)->token) return ok(nullptr);
    if (auto st = open_account(data_dir, *id, (*record)->user.role, **record); !st) return error(st.error(), "local");
    return ok(account_json(**record));
  });
}

namespace {
// The frames of a sign-in (hello, then `type` with `fields`) for the server `server`, once the
// device is ready for one.
char* sign_in_frames(const char* server, std::string_view type, json::object fields) {
  if (!g_device) return error(ErrorCode::bad_request, "usage", "open the device first");
  if (g_open) return error(ErrorCode::conflict, "usage", "already signed in: sign out first");
  auto address = parse_server(server);
  if (!address) return error(address.error(), "usage");
  g_device->signing_in_server = address->server;
  json::array frames{json::string(protocol::serialize_request(1, "hello", {{"protocol", protocol::kVersion}})),
                     json::string(protocol::serialize_request(2, type, std::move(fields)))};
  return ok(json::object{{"url", address->socket_url}, {"frames", std::move(frames)}});
}
}  // namespace

// Sign-in, first half: checks the input and answers {url, frames}: the Worker opens a
// WebSocket to url, sends each frame in turn (hello, then auth.login), waiting for one answer
// after each, and gives the answers, as a JSON array of strings, to psl_web_sign_in_answer.
__attribute__((used)) char* psl_web_sign_in_request(const char* server, const char* email, const char* password) {
  return guarded([&] {
    if (!server || !email || !password) return error(ErrorCode::bad_request, "usage", "sign-in needs a server, an e-mail and a password");
    auto normalized = protocol::normalize_email(email);
    if (!normalized) return error(normalized.error(), "usage");
    if (!*password) return error(ErrorCode::bad_request, "usage", "the password is empty");
    return sign_in_frames(server, "auth.login", {{"email", *normalized}, {"password", password}});
  });
}

// Accepting an invitation: as psl_web_sign_in_request, with auth.accept_invite (the account is
// created with `name` and `password`); its answers go to psl_web_sign_in_answer too.
__attribute__((used)) char* psl_web_accept_invite_request(const char* server, const char* token, const char* name,
                                                           const char* password) {
  return guarded([&] {
    if (!server || !token || !*token) return error(ErrorCode::bad_request, "usage", "the invitation token is empty");
    if (!name || !*name) return error(ErrorCode::bad_request, "usage", "the name is empty");
    if (!password || !*password) return error(ErrorCode::bad_request, "usage", "the password is empty");
    return sign_in_frames(server, "auth.accept_invite", {{"token", token}, {"name", name}, {"password", password}});
  });
}

// Sign-in, second half: the server's answers (a JSON array of the frames received, in order;
// NULL when the exchange failed, which only ends the attempt). On success the session is
// stored, the account opened, and the answer is the account ({user, server}).
__attribute__((used)) char* psl_web_sign_in_answer(const char* answers_json) {
  return guarded([&] {
    if (!g_device || g_device->signing_in_server.empty()) return error(ErrorCode::bad_request, "usage", "no sign-in in progress");
    std::string server = std::exchange(g_device->signing_in_server, {});
    if (!answers_json) return ok(nullptr);
    boost::system::error_code ec;
    json::value answers = json::parse(answers_json, ec);
    auto unexpected = [] { return error(ErrorCode::internal, "server", "the server sent an unexpected answer to the sign-in"); };
    if (ec || !answers.is_array() || answers.as_array().size() != 2 || !answers.as_array()[0].is_string() ||
        !answers.as_array()[1].is_string())
      return unexpected();
    auto hello = protocol::parse_server_message(answers.as_array()[0].as_string());
    if (!hello || hello->re != 1) return unexpected();
    if (!hello->ok)
      return error(hello->error ? hello->error->code : ErrorCode::internal, "server",
                   "the server at " + server + " refused this client's protocol: " + (hello->error ? hello->error->message : ""));
    auto message = protocol::parse_server_message(answers.as_array()[1].as_string());
    if (!message || message->re != 2) return unexpected();
    if (!message->ok)
      return message->error ? error(*message->error, "server")
                            : error(ErrorCode::internal, "server", "the server refused the sign-in without saying why");
    json::value body(message->body);
    auto token = body.as_object().if_contains("token");
    auto user = protocol::user_from_json(body.as_object().contains("user") ? body.at("user") : json::value());
    if (!token || !token->is_string() || !user || !is_uuid(user->id)) return unexpected();
    client::AccountRecord record{*user, server, std::string(token->get_string()), std::nullopt};
    if (auto* e = body.as_object().if_contains("expires_at"); e && e->is_string()) record.token_expires_at = std::string(e->get_string());
    auto account = client::AccountStore::open(g_device->data_dir, user->id);
    if (!account) return error(account.error(), "local");
    if (auto st = (*account)->save(record); !st) return error(st.error(), "local");
    (*account).reset();
    if (auto st = g_device->store->set_current_user_id(user->id); !st) return error(st.error(), "local");
    if (auto st = g_device->store->set_server_url(server); !st) return error(st.error(), "local");
    if (auto st = open_account(g_device->data_dir, user->id, user->role, record); !st) return error(st.error(), "local");
    return ok(account_json(record));
  });
}

// Signs out on this device: the token is forgotten and the account closed; its rows and queue
// stay in its file for the next sign-in (the engine must be stopped first).
__attribute__((used)) char* psl_web_sign_out(void) {
  return guarded([&] {
    if (!g_open || !g_device) return ok(false);
    if (g_open->machine && !g_open->machine->ended()) return error(ErrorCode::conflict, "usage", "stop sync first");
    if (auto st = g_open->account->forget_token(); !st) return error(st.error(), "local");
    if (auto st = g_device->store->set_current_user_id(std::nullopt); !st) return error(st.error(), "local");
    close_account();
    return ok(true);
  });
}

// Starts the engine in the background mode (reconnects until stopped). `options_json`:
// {request_timeout_ms, backoff_min_ms, backoff_max_ms, max_frame} (each optional). The answer
// is the first actions.
__attribute__((used)) char* psl_web_sync_start(const char* options_json) {
  return guarded([&] {
    if (!g_open || !g_open->record || !g_open->record->token)
      return error(ErrorCode::unauthenticated, "usage", "not signed in: sign in first");
    if (g_open->machine && !g_open->machine->ended()) return error(ErrorCode::conflict, "usage", "sync is already started");
    auto address = parse_server(g_open->record->server_url);
    if (!address) return error(address.error(), "local");
    client::SyncMachineConfig c;
    c.url = address->socket_url;
    c.server = address->server;
    c.token = *g_open->record->token;
    boost::system::error_code ec;
    json::value o = json::parse(options_json ? options_json : "{}", ec);
    if (ec || !o.is_object()) return error(ErrorCode::bad_request, "usage", "the sync options must be a JSON object");
    auto ms = [&](const char* key, std::chrono::milliseconds& into) {
      if (auto* v = o.as_object().if_contains(key); v && v->is_int64() && v->as_int64() > 0)
        into = std::chrono::milliseconds(v->as_int64());
    };
    ms("request_timeout_ms", c.request_timeout);
    ms("backoff_min_ms", c.backoff_min);
    ms("backoff_max_ms", c.backoff_max);
    if (auto* v = o.as_object().if_contains("max_frame"); v && v->is_int64() && v->as_int64() > 0)
      c.max_frame = static_cast<std::size_t>(v->as_int64());
    g_open->machine = std::make_unique<client::SyncMachine>(c, *g_open->store, g_open->store_mutex, g_open->files.get());
    return ok_text(carry_out(g_open->machine->feed(client::SyncEvent::simple(client::SyncEvent::Kind::start))));
  });
}

// One event from the Worker: "socket_opened", "frame" (`text`), "socket_closed" (`text`: why),
// "timer_fired" (`number`: the timer), "local_write" or "stop". The answer is the actions.
// A frame the core cannot read, or larger than the engine's max_frame, ends the socket with a
// server error saying so (the engine then reconnects after its backoff).
namespace {

// A frame from the socket fed to the engine, and the actions it causes. A frame larger than the
// core reads ends the socket unread; one the engine found unreadable (it ignores such a frame,
// changing nothing) ends it after: the engine read it once, so no pass here reads every frame
// (a pulled page) before it (docs/benchmarks.md, "The browser").
std::vector<client::SyncAction> feed_frame(std::string t) {
  auto& machine = *g_open->machine;
  const std::size_t limit = kMaxIncomingFrame;
  if (t.size() > limit)
    return machine.feed(client::SyncEvent::closed(client::server_failure(Error{ErrorCode::too_large,
        "the server sent a frame of " + std::to_string(t.size()) + " bytes; this device reads at most " + std::to_string(limit)})));
  auto actions = machine.feed(client::SyncEvent::received(std::move(t)));
  if (machine.last_frame_unreadable()) {
    auto more = machine.feed(client::SyncEvent::closed(
        client::server_failure(Error{ErrorCode::internal, "the server sent a frame this device cannot read"})));
    actions.insert(actions.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  return actions;
}

}  // namespace

__attribute__((used)) char* psl_web_sync_feed(const char* kind, const char* text, double number) {
  return guarded([&] {
    if (!g_open || !g_open->machine) return ok(json::array());
    using K = client::SyncEvent::Kind;
    std::string k = kind ? kind : "";
    std::string t = text ? text : "";
    client::SyncEvent e;
    if (k == "socket_opened") {
      e = client::SyncEvent::simple(K::socket_opened);
    } else if (k == "frame") {
      return ok_text(carry_out(feed_frame(std::move(t))));
    } else if (k == "socket_closed") {
      e = client::SyncEvent::closed(client::network_failure(t.empty() ? "the connection to the server ended" : t));
    } else if (k == "timer_fired") {
      e = client::SyncEvent::fired(static_cast<std::int64_t>(number));
    } else if (k == "upload_done") {
      // `text`: {"sha256", "status" (the HTTP status) and "body"}, or {"sha256", "network": why}
      // (fetch failed), or {"sha256", "local": why} (the kept file cannot be read).
      boost::system::error_code ec;
      json::value v = json::parse(t, ec);
      if (ec || !v.is_object() || !v.as_object().if_contains("sha256") || !v.at("sha256").is_string())
        return error(ErrorCode::bad_request, "usage", "upload_done needs {sha256, status, body} or {sha256, network}");
      const auto& o = v.as_object();
      std::string sha(o.at("sha256").as_string());
      std::optional<client::Failure> failure;
      if (const auto* n = o.if_contains("network"); n && n->is_string()) {
        failure = client::network_failure(std::string(n->as_string()));
      } else if (const auto* l = o.if_contains("local"); l && l->is_string()) {
        failure = client::local_failure(Error{ErrorCode::internal, std::string(l->as_string())});
      } else {
        auto status = o.if_contains("status") && o.at("status").is_int64() ? o.at("status").as_int64() : 0;
        std::string body = o.if_contains("body") && o.at("body").is_string() ? std::string(o.at("body").as_string()) : "";
        if (status != 200 && status != 201) failure = client::files::answer_failure(static_cast<unsigned>(status), body);
      }
      e = client::SyncEvent::uploaded(std::move(sha), std::move(failure));
    } else if (k == "local_write") {
      e = client::SyncEvent::simple(K::local_write);
    } else if (k == "stop") {
      e = client::SyncEvent::simple(K::stop);
    } else {
      return error(ErrorCode::bad_request, "usage", "no sync event named " + k);
    }
    return ok_text(carry_out(g_open->machine->feed(e)));
  });
}

// psl_web_sync_feed("frame", ...) for a frame of `length` bytes at `text` (no NUL needed): the
// Worker's way for every frame, which it has just encoded and knows the length of, so a pulled
// page (about 500 KB) is neither measured again nor copied twice.
__attribute__((used)) char* psl_web_sync_feed_frame(const char* text, double length) {
  return guarded([&] {
    if (!g_open || !g_open->machine) return ok(json::array());
    std::string t = text && length > 0 ? std::string(text, static_cast<std::size_t>(length)) : std::string();
    return ok_text(carry_out(feed_frame(std::move(t))));
  });
}

// Where sync stands: the C API's status object (passerelle.h, psl_sync_status).
__attribute__((used)) char* psl_web_sync_status(void) {
  return guarded([&] {
    if (!g_open) return not_open();
    return ok(passerelle::capi::to_json(status_now()));
  });
}

// The ops the server refused, not yet dismissed.
__attribute__((used)) char* psl_web_rejections(void) {
  return guarded([&] {
    if (!g_open) return not_open();
    auto r = g_open->store->rejections();
    if (!r) return error(r.error(), "local");
    return ok(passerelle::capi::to_json(*r));
  });
}

// Makes SQLite keep its files in the OPFS pool the Worker opened (opfs_vfs.c). 0 on success.
__attribute__((used)) int psl_web_use_opfs(void) { return psl_web_opfs_register(); }

// Opens (creating) the account file of `user_id` under `data_dir`, signed in as `role`.
__attribute__((used)) char* psl_web_open(const char* data_dir, const char* user_id, const char* role) {
  return guarded([&] {
    if (!data_dir || !user_id || !role) return error(ErrorCode::bad_request, "usage", "open needs a folder, a user id and a role");
    if (g_open) return error(ErrorCode::conflict, "usage", "an account is already open in this Worker");
    auto parsed_role = protocol::parse_role(role);
    if (!parsed_role) return error(ErrorCode::bad_request, "usage", "role must be candidate, coach, mentor or admin");
    if (!is_uuid(user_id)) return error(ErrorCode::bad_request, "usage", "the user id must be a UUID");
    if (auto st = open_account(data_dir, user_id, *parsed_role, std::nullopt); !st) return error(st.error(), "local");
    return ok(nullptr);
  });
}

// Applies the mutator `name` with `args_json` (an object) to the view and queues it: the
// answer is the op's id once the write is durable.
__attribute__((used)) char* psl_web_mutate(const char* name, const char* args_json) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!name || !args_json) return error(ErrorCode::bad_request, "usage", "mutate needs a name and args");
    boost::system::error_code ec;
    json::value args = json::parse(args_json, ec);
    if (ec || !args.is_object()) return error(ErrorCode::bad_request, "usage", "args must be a JSON object");
    auto op = g_open->store->mutate(name, args.as_object(), nullptr);
    if (!op) {
      // A mutator's refusal is about the caller's input; anything else is the device.
      bool usage = op.error().code != ErrorCode::internal;
      return error(op.error(), usage ? "usage" : "local");
    }
    return ok(json::string(*op));
  });
}

// The rows of `collection` in the local view, by id; `field`/`value` (both or neither) keep
// the rows whose top-level string field equals value.
__attribute__((used)) char* psl_web_list(const char* collection, const char* field, const char* value) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!collection) return error(ErrorCode::bad_request, "usage", "list needs a collection");
    auto rows = g_open->store->list(collection, field ? field : "", value ? value : "");
    if (!rows) return error(rows.error(), "local");
    json::array out;
    for (auto& r : *rows) out.emplace_back(std::move(r));
    return ok(std::move(out));
  });
}

// How many ops wait in the outbox.
__attribute__((used)) char* psl_web_pending_count(void) {
  return guarded([&] {
    if (!g_open) return not_open();
    auto n = g_open->store->pending_count();
    if (!n) return error(n.error(), "local");
    return ok(*n);
  });
}

// Closes the account file (checkpointing its WAL).
__attribute__((used)) char* psl_web_close(void) {
  return guarded([&] {
    close_account();
    delete g_device;
    g_device = nullptr;
    return ok(nullptr);
  });
}

// One row of the local view, or null.
__attribute__((used)) char* psl_web_get(const char* collection, const char* id) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!collection || !id) return error(ErrorCode::bad_request, "usage", "get needs a collection and an id");
    auto row = g_open->store->get(collection, id);
    if (!row) return error(row.error(), "local");
    return *row ? ok(std::move(**row)) : ok(nullptr);
  });
}

// Every thread on this device, most recent activity first (passerelle.h, psl_client_threads).
__attribute__((used)) char* psl_web_threads(void) {
  return guarded([&] {
    if (!g_open) return not_open();
    auto threads = client::conversations::load_threads(*g_open->store, g_open->files.get());
    if (!threads) return error(threads.error(), "local");
    json::array a;
    for (const auto& t : *threads) a.push_back(passerelle::capi::to_json(t));
    return ok(std::move(a));
  });
}

// How many messages of others are unread, over every thread (psl_client_unread_total).
__attribute__((used)) char* psl_web_unread_total(void) {
  return guarded([&] {
    if (!g_open) return not_open();
    auto threads = client::conversations::load_threads(*g_open->store, g_open->files.get());
    if (!threads) return error(threads.error(), "local");
    std::int64_t total = 0;
    for (const auto& t : *threads) total += t.unread;
    return ok(total);
  });
}

// One thread's messages with each one's state (psl_client_thread_messages).
__attribute__((used)) char* psl_web_thread_messages(const char* thread_id) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!thread_id) return error(ErrorCode::bad_request, "usage", "threadMessages needs a thread id");
    auto msgs = client::conversations::load_messages(*g_open->store, g_open->files.get(), thread_id);
    if (!msgs) return store_error(msgs.error());
    json::array a;
    for (const auto& m : *msgs) a.push_back(passerelle::capi::to_json(m));
    return ok(std::move(a));
  });
}

// The free slots of a mentorship (NULL: the only active one) over `days` days (as text; empty
// or NULL: the default), as psl_client_slots.
__attribute__((used)) char* psl_web_slots(const char* mentorship_id, const char* days) {
  return guarded([&] {
    if (!g_open) return not_open();
    int n = days && *days ? std::atoi(days) : 0;
    StoreRows rows(*g_open->store);
    auto slots = client::slots_view(rows, mentorship_id ? mentorship_id : "", n, now_utc());
    if (!slots) return failed(slots.failure());
    return ok(std::move(*slots));
  });
}

// The progress of the plan of `candidate_id` (NULL: the signed-in person), or null without a plan.
__attribute__((used)) char* psl_web_plan_progress(const char* candidate_id) {
  return guarded([&] {
    if (!g_open) return not_open();
    StoreRows rows(*g_open->store);
    auto progress = client::plan_progress_view(rows, candidate_id && *candidate_id ? candidate_id : me(), now_utc());
    if (!progress) return failed(progress.failure());
    return *progress ? ok(std::move(**progress)) : ok(nullptr);
  });
}

// A person's IANA zone from the local view.
__attribute__((used)) char* psl_web_person_time_zone(const char* user_id) {
  return guarded([&] {
    if (!g_open) return not_open();
    StoreRows rows(*g_open->store);
    return ok(json::string(client::person_time_zone(rows, user_id && *user_id ? user_id : me())));
  });
}

// A meeting as a text/calendar document, as the signed-in person sees it in their language.
__attribute__((used)) char* psl_web_meeting_ics(const char* meeting_id) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!meeting_id) return error(ErrorCode::bad_request, "usage", "meetingIcs needs a meeting id");
    auto locale = g_open->record ? g_open->record->user.locale : protocol::Locale::fr;
    StoreRows rows(*g_open->store);
    auto ics = client::meeting_ics(rows, meeting_id, me(), locale);
    if (!ics) return failed(ics.failure());
    return ok(json::string(*ics));
  });
}

// An activity as the signed-in person takes part in it (local_views.h, activity_view): her
// registration and its sentence, the speed-jobbing agenda, its printable sheet and the .ics, in
// `locale` ("fr" | "en"; NULL or empty: the account's language).
__attribute__((used)) char* psl_web_activity_view(const char* activity_id, const char* locale) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!activity_id) return error(ErrorCode::bad_request, "usage", "activityView needs an activity id");
    auto lang = g_open->record ? g_open->record->user.locale : protocol::Locale::fr;
    if (locale && *locale) {
      auto parsed = protocol::parse_locale(locale);
      if (!parsed) return error(ErrorCode::bad_request, "usage", "activityView: the language is fr or en");
      lang = *parsed;
    }
    StoreRows rows(*g_open->store);
    auto view = client::activity_view(rows, activity_id, me(), lang);
    if (!view) return failed(view.failure());
    return ok(std::move(*view));
  });
}

// Forgets a refused op (it stays refused: this only clears it from the list).
__attribute__((used)) char* psl_web_dismiss_rejection(const char* op_id) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!op_id) return error(ErrorCode::bad_request, "usage", "dismissRejection needs an op id");
    if (auto st = g_open->store->dismiss_rejection(op_id); !st) return error(st.error(), "local");
    return ok(nullptr);
  });
}

// --- messages and files ---------------------------------------------------------------------

// Whether a file of `size` bytes (as decimal text) named `name` may be attached, checked before
// its bytes are copied into the core: null, or the refusal.
__attribute__((used)) char* psl_web_check_file(const char* name, const char* size) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!name || !size) return error(ErrorCode::bad_request, "usage", "a file needs a name and a size");
    auto refused = client::files::check_attachment_header(name, name, std::strtoull(size, nullptr, 10),
                                                          passerelle::files::kDefaultMaxFileBytes);
    return refused ? failed(*refused) : ok(nullptr);
  });
}

// Checks the `size` bytes at `data` (a file someone chose, named `name`) as a native attachment
// is checked, and holds them until a message (or addFile) keeps and queues them: answers
// {sha256, name, size, type}. Nothing is written yet: as natively, a message whose text is
// refused writes no file.
__attribute__((used)) char* psl_web_take_file(const char* name, const char* data, double size) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!name || (!data && size > 0)) return error(ErrorCode::bad_request, "usage", "a file needs a name and bytes");
    auto attached = client::files::check_attachment(name, name, std::string(data ? data : "", static_cast<std::size_t>(size)),
                                                    passerelle::files::kDefaultMaxFileBytes);
    if (!attached) return failed(attached.failure());
    json::object out = upload_json(attached->info);
    g_open->taken[attached->info.sha256] = std::move(*attached);
    return ok(std::move(out));
  });
}

// The args of a message in `thread_id` with the taken files `hashes_json`, validated as natively
// (a fresh id, the device's time): {args}, for psl_web_send_message once the files are kept.
__attribute__((used)) char* psl_web_message_args(const char* thread_id, const char* body, const char* hashes_json) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!thread_id || !body) return error(ErrorCode::bad_request, "usage", "sendMessage needs a thread id and a body");
    auto files = taken_files(hashes_json);
    if (!files) return error(files.error(), "usage");
    std::vector<client::UploadInfo> infos;
    for (const auto* f : *files) infos.push_back(f->info);
    auto args = client::files::message_send_args(new_id(), thread_id, body, format_rfc3339(now_utc()), infos);
    if (!args) return failed(args.failure());
    return ok(std::move(*args));
  });
}

// Writes the taken files `hashes_json` into the account's files folder (the Worker mirrors the
// folder to IndexedDB before the op that needs them is queued).
__attribute__((used)) char* psl_web_keep_files(const char* hashes_json) {
  return guarded([&] {
    if (!g_open) return not_open();
    auto files = taken_files(hashes_json);
    if (!files) return error(files.error(), "usage");
    for (const auto* f : *files)
      if (auto kept = g_open->files->keep(f->info.sha256, f->content); !kept) return error(kept.error(), "local");
    return ok(nullptr);
  });
}

// Queues message.send with `args_json` (psl_web_message_args') and the uploads of its kept files
// `hashes_json` in one transaction, as Client::send_message: the engine pushes the message only
// once they are up. Answers the message's id.
__attribute__((used)) char* psl_web_send_message(const char* args_json, const char* hashes_json) {
  return guarded([&] {
    if (!g_open) return not_open();
    boost::system::error_code ec;
    json::value args = json::parse(args_json ? args_json : "", ec);
    if (ec || !args.is_object() || !args.as_object().if_contains("id") || !args.at("id").is_string())
      return error(ErrorCode::bad_request, "usage", "sendMessage needs the args psl_web_message_args answered");
    auto files = taken_files(hashes_json);
    if (!files) return error(files.error(), "usage");
    std::string now = format_rfc3339(now_utc());
    auto op = g_open->store->mutate("message.send", args.as_object(), nullptr, [&]() -> Status {
      for (const auto* f : *files) {
        if (!g_open->files->find(f->info.sha256)) return Status(ErrorCode::internal, "a file of the message was not kept");
        if (auto st = g_open->files->queue_upload(f->info, now); !st) return st;
      }
      return Status::Ok();
    });
    if (!op) return store_error(op.error());
    std::string id(args.at("id").as_string());
    std::vector<std::string> done;
    for (const auto* f : *files) done.push_back(f->info.sha256);
    for (const auto& sha : done) g_open->taken.erase(sha);
    return ok(json::string(id));
  });
}

// Queues the upload of a taken file, kept by psl_web_keep_files, on its own (a plan step's
// evidence: the op that refers to it, step.attach, is pushed after the upload as a message
// is). Answers {sha256, name, size, type}.
__attribute__((used)) char* psl_web_queue_file(const char* sha256) {
  return guarded([&] {
    if (!g_open) return not_open();
    auto it = sha256 ? g_open->taken.find(sha256) : g_open->taken.end();
    if (it == g_open->taken.end() || !g_open->files->find(sha256))
      return error(ErrorCode::bad_request, "usage", "the file was not taken and kept on this device first");
    if (auto st = g_open->files->queue_upload(it->second.info, format_rfc3339(now_utc())); !st) return error(st.error(), "local");
    json::object out = upload_json(it->second.info);
    g_open->taken.erase(it);
    return ok(std::move(out));
  });
}

// Marks a thread read up to its last message of others (as Client::mark_read): queues
// receipt.update, or nothing when the mark is already there. Answers whether a write was queued.
__attribute__((used)) char* psl_web_mark_read(const char* thread_id) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!thread_id) return error(ErrorCode::bad_request, "usage", "markRead needs a thread id");
    auto args = client::conversations::read_receipt(*g_open->store, thread_id);
    if (!args) return store_error(args.error());
    if (!*args) return ok(false);
    auto op = g_open->store->mutate("receipt.update", **args, nullptr);
    if (!op) return store_error(op.error());
    return ok(true);
  });
}

// A file of this device by hash, checked again before it leaves: {path} (for the Worker to
// read), or {url, token} to download it (a damaged copy is forgotten first).
__attribute__((used)) char* psl_web_file_source(const char* sha256) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!sha256 || !passerelle::files::is_sha256_hex(sha256))
      return error(ErrorCode::bad_request, "usage", std::string("'") + (sha256 ? sha256 : "") + "' is not a file hash (64 lower-case hex digits)");
    if (auto stored = g_open->files->find(sha256)) {
      std::ifstream in(*stored, std::ios::binary);
      std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (in.good() || in.eof())
        if (sha256_hex(content) == sha256) return ok(json::object{{"path", stored->string()}, {"type", type_of(content)}});
      g_open->files->forget(sha256);
    }
    auto server = session_server();
    if (!server) return error(server.error(), "usage");
    return ok(json::object{{"url", client::files::blob_url(*server, sha256)}, {"token", *g_open->record->token}});
  });
}

// A download's answer: the body's `size` bytes at `data`, and the HTTP `status`. A 200 body whose hash is
// `sha256` is kept on the device ({path}); anything else is the server's refusal, as natively.
__attribute__((used)) char* psl_web_file_downloaded(const char* sha256, const char* data, double size, double status) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!sha256) return error(ErrorCode::bad_request, "usage", "a download needs its hash");
    std::string body(data ? data : "", data ? static_cast<std::size_t>(size) : 0);
    if (status != 200) return failed(client::files::answer_failure(static_cast<unsigned>(status), body));
    if (sha256_hex(body) != sha256)
      return error(ErrorCode::internal, "server", "the server sent a file whose content is not " + std::string(sha256));
    auto kept = g_open->files->keep(sha256, body);
    if (!kept) return error(kept.error(), "local");
    return ok(json::object{{"path", kept->string()}, {"type", type_of(body)}});
  });
}

// Whether a frame received in a sign-in's or a request's exchange answers a request (true), or
// is an event the server sends every signed-in connection (a poke: false, to be skipped).
__attribute__((used)) char* psl_web_frame_is_answer(const char* frame) {
  return guarded([&] {
    auto message = protocol::parse_server_message(frame ? frame : "");
    return ok(!message || message->re.has_value());  // an unreadable frame is left to the answer's reader
  });
}

// An online request on the signed-in session, first half: {url, frames} (hello, auth.resume
// with the stored token, then `type` with `fields_json`) for the Worker's one-shot WebSocket;
// the answers go to psl_web_request_answer.
__attribute__((used)) char* psl_web_request(const char* type, const char* fields_json) {
  return guarded([&] {
    if (!g_open) return not_open();
    if (!type || !*type) return error(ErrorCode::bad_request, "usage", "request needs a type");
    if (!g_open->record || !g_open->record->token) return error(ErrorCode::unauthenticated, "usage", "not signed in: sign in first");
    boost::system::error_code ec;
    json::value fields = json::parse(fields_json ? fields_json : "{}", ec);
    if (ec || !fields.is_object()) return error(ErrorCode::bad_request, "usage", "the request's fields must be a JSON object");
    auto address = parse_server(g_open->record->server_url);
    if (!address) return error(address.error(), "local");
    g_open->request_server = address->server;
    json::array frames{json::string(protocol::serialize_request(1, "hello", {{"protocol", protocol::kVersion}})),
                       json::string(protocol::serialize_request(2, "auth.resume", {{"token", *g_open->record->token}})),
                       json::string(protocol::serialize_request(3, type, std::move(fields.as_object())))};
    return ok(json::object{{"url", address->socket_url}, {"frames", std::move(frames)}});
  });
}

// An online request, second half: the three answers (a JSON array of the frames received).
// The answer is the request's answer fields, or the server's refusal.
__attribute__((used)) char* psl_web_request_answer(const char* answers_json) {
  return guarded([&] {
    if (!g_open) return not_open();
    std::string server = std::exchange(g_open->request_server, {});
    boost::system::error_code ec;
    json::value answers = json::parse(answers_json ? answers_json : "", ec);
    auto unexpected = [] { return error(ErrorCode::internal, "server", "the server sent an unexpected answer to the request"); };
    if (ec || !answers.is_array() || answers.as_array().size() != 3) return unexpected();
    for (std::int64_t i = 0; i < 3; ++i) {
      const auto& a = answers.as_array()[static_cast<std::size_t>(i)];
      if (!a.is_string()) return unexpected();
      auto message = protocol::parse_server_message(a.as_string());
      if (!message || message->re != i + 1) return unexpected();
      if (!message->ok) {
        Error e = message->error ? *message->error : Error{ErrorCode::internal, "the server refused without saying why"};
        if (i == 0) e.message = "the server at " + server + " refused this client's protocol: " + e.message;
        return error(e, "server");
      }
      if (i == 2) {
        // The answer's fields, as the native connection hands them out.
        message->body.erase("re");
        message->body.erase("ok");
        return ok(json::value(std::move(message->body)));
      }
    }
    return unexpected();
  });
}

// The UTC offsets of `zone` over [from, to) (RFC 3339): [{begin, end, offset_min, abbrev}], so
// the app shows local times with the core's time-zone data, not the browser's (which may
// differ: docs/app.md, "Times and time zones"). Needs no open account.
__attribute__((used)) char* psl_web_zone_spans(const char* zone, const char* from, const char* to) {
  return guarded([&] {
    auto a = from ? passerelle::parse_rfc3339(from) : std::nullopt;
    auto b = to ? passerelle::parse_rfc3339(to) : std::nullopt;
    if (!zone || !a || !b) return error(ErrorCode::bad_request, "usage", "zone spans need a zone and two RFC 3339 instants");
    auto spans = passerelle::zone_spans(zone, *a, *b);
    if (!spans) return error(ErrorCode::bad_request, "usage", std::string("unknown time zone or empty range: ") + zone);
    json::array out;
    for (const auto& span : *spans)
      out.push_back(json::object{{"begin", passerelle::format_rfc3339(span.begin)},
                                 {"end", passerelle::format_rfc3339(span.end)},
                                 {"offset_min", span.offset.count()},
                                 {"abbrev", span.abbrev}});
    return ok(std::move(out));
  });
}

__attribute__((used)) void psl_web_free(char* text) { std::free(text); }

}  // extern "C"
