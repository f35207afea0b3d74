// The C API (passerelle.h) over the C++ client (client.h): thin, noexcept wrappers in the
// manner of couchbase-lite-core's C4 API. Each exported function
//   - checks its pointers (a NULL is a usage error naming the argument, never a crash),
//   - runs its body inside guarded(), which turns every C++ exception into PSL_INTERNAL,
//   - takes the client's locks as passerelle.h "Threads" describes,
//   - hands out malloc'd strings the caller frees with psl_string_free.
#include "passerelle/passerelle.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "host_transport.h"
#include "json_out.h"
#include "passerelle/client.h"
#include "passerelle/client_rows.h"
#include "passerelle/mentor_slots.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/mentors/profiles.h"

#ifndef PASSERELLE_VERSION
#error "PASSERELLE_VERSION must be defined by the build"
#endif

namespace json = boost::json;
using passerelle::ErrorCode;
using passerelle::client::Client;
using passerelle::client::Failure;
using passerelle::client::Origin;

struct psl_client {
  std::unique_ptr<Client> client;
  // The blocking calls run one at a time. Every exclusive locker of `session` holds this first,
  // so while a thread holds it no writer can be waiting on `session`: shared lockers (local
  // calls, observers on the sync thread) never block behind one.
  std::mutex calls;
  // Exclusive: calls that change the signed-in account (login, resume, accept_invite, logout,
  // close) — the C++ client replaces its per-account state under them. Shared: the rest.
  std::shared_mutex session;
};

namespace {

// --- strings and errors (no exception may leave these) -----------------------------------------

char* dup_string(std::string_view s) noexcept {
  auto* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (!out) return nullptr;
  if (!s.empty()) std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

void set_error(psl_error* e, int code, int origin, std::string_view message) noexcept {
  if (!e) return;
  std::free(e->message);
  e->code = code;
  e->origin = origin;
  e->message = dup_string(message);
}

// "prefix: what" without allocating through C++ (the caller may be handling bad_alloc).
void set_error_2(psl_error* e, int code, int origin, const char* prefix, const char* what) noexcept {
  if (!e) return;
  std::size_t a = std::strlen(prefix), b = what ? std::strlen(what) : 0;
  auto* buf = static_cast<char*>(std::malloc(a + b + 1));
  std::free(e->message);
  e->code = code;
  e->origin = origin;
  e->message = buf;
  if (!buf) return;
  std::memcpy(buf, prefix, a);
  if (b) std::memcpy(buf + a, what, b);
  buf[a + b] = '\0';
}

int code_of(ErrorCode c) noexcept {
  switch (c) {
    case ErrorCode::bad_request: return PSL_BAD_REQUEST;
    case ErrorCode::unauthenticated: return PSL_UNAUTHENTICATED;
    case ErrorCode::forbidden: return PSL_FORBIDDEN;
    case ErrorCode::not_found: return PSL_NOT_FOUND;
    case ErrorCode::conflict: return PSL_CONFLICT;
    case ErrorCode::rate_limited: return PSL_RATE_LIMITED;
    case ErrorCode::too_large: return PSL_TOO_LARGE;
    case ErrorCode::unsupported: return PSL_UNSUPPORTED;
    case ErrorCode::internal: return PSL_INTERNAL;
  }
  return PSL_INTERNAL;
}

int origin_of(Origin o) noexcept {
  switch (o) {
    case Origin::server: return PSL_ORIGIN_SERVER;
    case Origin::network: return PSL_ORIGIN_NETWORK;
    case Origin::local: return PSL_ORIGIN_LOCAL;
    case Origin::usage: return PSL_ORIGIN_USAGE;
  }
  return PSL_ORIGIN_LOCAL;
}

void set_failure(psl_error* e, const Failure& f) noexcept {
  set_error(e, code_of(f.error.code), origin_of(f.origin), f.error.message);
}

void set_usage(psl_error* e, std::string_view message) noexcept {
  set_error(e, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, message);
}

// Runs `body`; any exception becomes PSL_INTERNAL and `failed` is returned.
template <class R, class F>
R guarded(psl_error* err, R failed, F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    set_error(err, PSL_INTERNAL, PSL_ORIGIN_LOCAL, "out of memory");
  } catch (const std::exception& e) {
    set_error_2(err, PSL_INTERNAL, PSL_ORIGIN_LOCAL, "internal error: ", e.what());
  } catch (...) {
    set_error(err, PSL_INTERNAL, PSL_ORIGIN_LOCAL, "internal error: an unknown exception");
  }
  return failed;
}

// A returned string; running out of memory here is a failure like any other.
char* give(std::string_view s) {
  char* out = dup_string(s);
  if (!out) throw std::bad_alloc();
  return out;
}
char* give_json(const json::value& v) { return give(json::serialize(v)); }

bool check_client(psl_client* c, const char* fn, psl_error* err) noexcept {
  if (c && c->client) return true;
  set_error_2(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, fn, ": the client is NULL");
  return false;
}
bool check_callback(bool given, const char* fn, psl_error* err) noexcept {
  if (given) return true;
  set_error_2(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, fn, ": callback is NULL");
  return false;
}
bool check_arg(const void* p, const char* fn, const char* arg, psl_error* err) noexcept {
  if (p) return true;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s: %s is NULL", fn, arg);
  set_usage(err, buf);
  return false;
}

// --- locks ---------------------------------------------------------------------------------------

// What this thread holds or runs inside, per client: a held lock makes nested local calls (from
// an observer running inside mutate or sync_once) lock nothing again; being inside an observer
// or a call refuses the blocking calls, which would deadlock.
struct ThreadState {
  std::vector<const psl_client*> holding;
  std::vector<const psl_client*> observing;
};
thread_local ThreadState t_state;

bool contains(const std::vector<const psl_client*>& v, const psl_client* c) {
  return std::find(v.begin(), v.end(), c) != v.end();
}
void erase_one(std::vector<const psl_client*>& v, const psl_client* c) {
  auto it = std::find(v.begin(), v.end(), c);
  if (it != v.end()) v.erase(it);
}

struct Marked {
  std::vector<const psl_client*>& list;
  const psl_client* c;
  Marked(std::vector<const psl_client*>& l, const psl_client* client) : list(l), c(client) { list.push_back(c); }
  ~Marked() { erase_one(list, c); }
  Marked(const Marked&) = delete;
  Marked& operator=(const Marked&) = delete;
};

// A local call: shared lock, unless this thread already holds one of the client's locks.
class LocalLock {
 public:
  explicit LocalLock(psl_client* c) {
    if (contains(t_state.holding, c)) return;
    lock_ = std::shared_lock(c->session);
    mark_.emplace(t_state.holding, c);
  }

 private:
  std::shared_lock<std::shared_mutex> lock_;
  std::optional<Marked> mark_;
};

// A blocking call: refused from an observer or from inside another call of the same client;
// otherwise the calls mutex, then the session lock (shared or exclusive).
class BlockingLock {
 public:
  enum Mode { shared, exclusive };
  BlockingLock(psl_client* c, Mode mode, const char* fn, psl_error* err) {
    if (contains(t_state.holding, c) || contains(t_state.observing, c)) {
      set_error_2(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, fn,
                  " may not be called from an observer callback or from inside another call of the same client");
      return;
    }
    calls_ = std::unique_lock(c->calls);
    if (mode == shared)
      shared_ = std::shared_lock(c->session);
    else
      exclusive_ = std::unique_lock(c->session);
    mark_.emplace(t_state.holding, c);
    ok_ = true;
  }
  bool ok() const { return ok_; }
  // login/accept_invite/logout: stop the background sync before taking the exclusive lock, so
  // the sync thread's observers (which take the shared lock) can finish while it is joined.
  static void stop_sync_first(psl_client* c) {
    std::shared_lock lock(c->session);
    Marked mark(t_state.holding, c);
    c->client->stop_sync();
  }

 private:
  bool ok_ = false;
  std::unique_lock<std::mutex> calls_;
  std::shared_lock<std::shared_mutex> shared_;
  std::unique_lock<std::shared_mutex> exclusive_;
  std::optional<Marked> mark_;
};

// An exclusive blocking call: calls mutex, stop the sync (shared), then the exclusive lock.
class AccountLock {
 public:
  AccountLock(psl_client* c, const char* fn, psl_error* err) {
    if (contains(t_state.holding, c) || contains(t_state.observing, c)) {
      set_error_2(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, fn,
                  " may not be called from an observer callback or from inside another call of the same client");
      return;
    }
    calls_ = std::unique_lock(c->calls);
    BlockingLock::stop_sync_first(c);
    exclusive_ = std::unique_lock(c->session);
    mark_.emplace(t_state.holding, c);
    ok_ = true;
  }
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
  std::unique_lock<std::mutex> calls_;
  std::unique_lock<std::shared_mutex> exclusive_;
  std::optional<Marked> mark_;
};

// --- observers -----------------------------------------------------------------------------------

// Runs a caller's callback: marks the thread as inside an observer of `c`, and no exception
// (building the JSON may run out of memory) ever reaches the C++ core's threads.
template <class F>
void run_observer(const psl_client* c, F&& f) noexcept {
  try {
    Marked mark(t_state.observing, c);
    f();
  } catch (...) {
    // Dropped: an observer cannot report failure, and the core must not see it.
  }
}

bool valid_collection(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'; });
}

bool check_collection(const char* collection, const char* fn, psl_error* err) {
  if (!check_arg(collection, fn, "collection", err)) return false;
  if (valid_collection(collection)) return true;
  set_usage(err, std::string(fn) + ": '" + collection +
                     "' is not a collection name (lowercase letters, digits and '_', at most 64)");
  return false;
}

std::chrono::milliseconds ms_or(int32_t value, std::chrono::milliseconds fallback) {
  return value > 0 ? std::chrono::milliseconds(value) : fallback;
}

}  // namespace

// --- versions, errors, memory ---------------------------------------------------------------------

namespace {
// Runs `call` under an exclusive blocking lock (it may resume the session); writes an int64
// result to `out` when given.
template <class Call>
bool counted_call(psl_client* client, const char* fn, int64_t* out, psl_error* err, Call call) {
  BlockingLock lock(client, BlockingLock::exclusive, fn, err);
  if (!lock.ok()) return false;
  auto r = call(*client->client);
  if (!r) {
    set_failure(err, r.failure());
    return false;
  }
  if constexpr (std::is_same_v<std::decay_t<decltype(*r)>, std::int64_t>) {
    if (out) *out = *r;
  }
  return true;
}
}  // namespace

extern "C" {

const char* psl_version(void) { return PASSERELLE_VERSION; }

int psl_api_version(void) { return PSL_API_VERSION; }

void psl_error_clear(psl_error* error) {
  if (!error) return;
  std::free(error->message);
  error->code = PSL_OK;
  error->origin = PSL_ORIGIN_NONE;
  error->message = nullptr;
}

const char* psl_code_name(int code) {
  switch (code) {
    case PSL_OK: return "ok";
    case PSL_BAD_REQUEST: return "bad_request";
    case PSL_UNAUTHENTICATED: return "unauthenticated";
    case PSL_FORBIDDEN: return "forbidden";
    case PSL_NOT_FOUND: return "not_found";
    case PSL_CONFLICT: return "conflict";
    case PSL_RATE_LIMITED: return "rate_limited";
    case PSL_TOO_LARGE: return "too_large";
    case PSL_UNSUPPORTED: return "unsupported";
    case PSL_INTERNAL: return "internal";
    default: return "unknown";
  }
}

const char* psl_origin_name(int origin) {
  switch (origin) {
    case PSL_ORIGIN_NONE: return "none";
    case PSL_ORIGIN_SERVER: return "server";
    case PSL_ORIGIN_NETWORK: return "network";
    case PSL_ORIGIN_LOCAL: return "local";
    case PSL_ORIGIN_USAGE: return "usage";
    default: return "unknown";
  }
}

void psl_string_free(char* string) { std::free(string); }

void psl_free(void* buffer) { std::free(buffer); }

char* psl_new_id(void) {
  return guarded<char*>(nullptr, nullptr, [] { return give(passerelle::new_id()); });
}

// --- opening -----------------------------------------------------------------------------------

void psl_client_options_init(psl_client_options* options) {
  if (!options) return;
  std::memset(options, 0, sizeof *options);
  options->struct_size = sizeof *options;
}

psl_client* psl_client_open(const psl_client_options* options, psl_error* err) {
  return guarded<psl_client*>(err, nullptr, [&]() -> psl_client* {
    if (!check_arg(options, "psl_client_open", "options", err)) return nullptr;
    // Fields a caller compiled against an older, shorter struct did not have stay defaults.
    psl_client_options o;
    psl_client_options_init(&o);
    if (options->struct_size < offsetof(psl_client_options, data_dir) + sizeof(const char*)) {
      set_usage(err, "psl_client_open: options.struct_size is not set: call psl_client_options_init first");
      return nullptr;
    }
    std::memcpy(&o, options, std::min<std::size_t>(options->struct_size, sizeof o));
    if (!o.data_dir || !*o.data_dir) {
      set_usage(err, "psl_client_open: options.data_dir is required");
      return nullptr;
    }
    passerelle::client::ClientOptions co;
    co.data_dir = o.data_dir;
    if (o.server_url) co.server_url = o.server_url;
    if (o.fallback_server_url) co.fallback_server_url = o.fallback_server_url;
    if (o.ca_file) co.ca_file = o.ca_file;
    co.connect_timeout = ms_or(o.connect_timeout_ms, co.connect_timeout);
    co.request_timeout = ms_or(o.request_timeout_ms, co.request_timeout);
    co.sync_backoff_min = ms_or(o.sync_backoff_min_ms, co.sync_backoff_min);
    co.sync_backoff_max = ms_or(o.sync_backoff_max_ms, co.sync_backoff_max);
    if (co.sync_backoff_max < co.sync_backoff_min) co.sync_backoff_max = co.sync_backoff_min;
    if (o.transport) {
      const psl_transport& t = *o.transport;
      if (t.struct_size < offsetof(psl_transport, close) + sizeof t.close) {
        set_usage(err, "psl_client_open: options.transport->struct_size is not set (sizeof(psl_transport))");
        return nullptr;
      }
      if (!t.open || !t.send || !t.close) {
        set_usage(err, "psl_client_open: options.transport needs open, send and close");
        return nullptr;
      }
      co.sync_transport = passerelle::client::make_host_transport(t);
    }
    auto opened = Client::open(std::move(co));
    if (!opened) {
      set_failure(err, opened.failure());
      return nullptr;
    }
    auto handle = std::make_unique<psl_client>();
    handle->client = std::move(*opened);
    return handle.release();
  });
}

void psl_client_close(psl_client* client) {
  if (!client) return;
  // From an observer or from inside another call of this client it would wait for itself:
  // refused (the client stays open) rather than a deadlock.
  if (contains(t_state.holding, client) || contains(t_state.observing, client)) return;
  (void)guarded<bool>(nullptr, false, [&] {
    {
      std::lock_guard calls(client->calls);
      if (client->client) BlockingLock::stop_sync_first(client);
      std::unique_lock session(client->session);
      client->client.reset();
    }
    delete client;
    return true;
  });
}

char* psl_client_server_url(psl_client* client, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    if (!check_client(client, "psl_client_server_url", err)) return nullptr;
    return give(client->client->server_url().str());
  });
}

char* psl_client_device_id(psl_client* client, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    if (!check_client(client, "psl_client_device_id", err)) return nullptr;
    return give(client->client->device_id());
  });
}

// --- accounts ----------------------------------------------------------------------------------

char* psl_client_login(psl_client* client, const char* email, const char* password, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_login";
    if (!check_client(client, fn, err) || !check_arg(email, fn, "email", err) ||
        !check_arg(password, fn, "password", err))
      return nullptr;
    AccountLock lock(client, fn, err);
    if (!lock.ok()) return nullptr;
    auto user = client->client->login(email, password);
    if (!user) {
      set_failure(err, user.failure());
      return nullptr;
    }
    return give_json(passerelle::protocol::to_json(*user));
  });
}

char* psl_client_resume(psl_client* client, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_resume";
    if (!check_client(client, fn, err)) return nullptr;
    // Exclusive, but the sync keeps running: resume touches only the session record.
    BlockingLock lock(client, BlockingLock::exclusive, fn, err);
    if (!lock.ok()) return nullptr;
    auto user = client->client->resume();
    if (!user) {
      set_failure(err, user.failure());
      return nullptr;
    }
    return give_json(passerelle::protocol::to_json(*user));
  });
}

char* psl_client_accept_invite(psl_client* client, const char* invite_token, const char* name, const char* password,
                               psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_accept_invite";
    if (!check_client(client, fn, err) || !check_arg(invite_token, fn, "invite_token", err) ||
        !check_arg(name, fn, "name", err) || !check_arg(password, fn, "password", err))
      return nullptr;
    AccountLock lock(client, fn, err);
    if (!lock.ok()) return nullptr;
    auto user = client->client->accept_invite(invite_token, name, password);
    if (!user) {
      set_failure(err, user.failure());
      return nullptr;
    }
    return give_json(passerelle::protocol::to_json(*user));
  });
}

char* psl_client_logout(psl_client* client, uint32_t flags, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_logout";
    if (!check_client(client, fn, err)) return nullptr;
    if (flags & ~uint32_t{PSL_LOGOUT_WIPE_LOCAL_DATA}) {
      set_usage(err, "psl_client_logout: unknown flags");
      return nullptr;
    }
    AccountLock lock(client, fn, err);
    if (!lock.ok()) return nullptr;
    passerelle::client::LogoutOptions options;
    options.wipe_local_data = (flags & PSL_LOGOUT_WIPE_LOCAL_DATA) != 0;
    auto result = client->client->logout(options);
    if (!result) {
      set_failure(err, result.failure());
      return nullptr;
    }
    return give_json(passerelle::capi::to_json(*result));
  });
}

char* psl_client_current_user(psl_client* client, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_current_user";
    if (!check_client(client, fn, err)) return nullptr;
    BlockingLock lock(client, BlockingLock::shared, fn, err);
    if (!lock.ok()) return nullptr;
    auto account = client->client->current_user();
    if (!account) {
      set_failure(err, account.failure());
      return nullptr;
    }
    if (!*account) return nullptr;  // nobody signed in: not an error
    return give_json(passerelle::capi::to_json(**account));
  });
}

bool psl_client_check_server(psl_client* client, int32_t timeout_ms, psl_error* err) {
  return guarded<bool>(err, false, [&] {
    const char* fn = "psl_client_check_server";
    if (!check_client(client, fn, err)) return false;
    BlockingLock lock(client, BlockingLock::shared, fn, err);
    if (!lock.ok()) return false;
    auto r = client->client->check_server(ms_or(timeout_ms, std::chrono::milliseconds(5000)));
    if (!r) {
      set_failure(err, r.failure());
      return false;
    }
    return true;
  });
}

// --- password and sessions (issue #23) ----------------------------------------------------------


bool psl_client_set_device_name(psl_client* client, const char* device_name, psl_error* err) {
  return guarded<bool>(err, false, [&] {
    const char* fn = "psl_client_set_device_name";
    if (!check_client(client, fn, err)) return false;
    std::string name = device_name ? device_name : "";
    if (name.size() > 100) {
      set_usage(err, "psl_client_set_device_name: the device name is longer than 100 bytes");
      return false;
    }
    BlockingLock lock(client, BlockingLock::exclusive, fn, err);
    if (!lock.ok()) return false;
    client->client->set_device_name(std::move(name));
    return true;
  });
}

bool psl_client_change_password(psl_client* client, const char* current_password, const char* new_password,
                                int64_t* out_ended, psl_error* err) {
  return guarded<bool>(err, false, [&] {
    const char* fn = "psl_client_change_password";
    if (!check_client(client, fn, err) || !check_arg(current_password, fn, "current_password", err) ||
        !check_arg(new_password, fn, "new_password", err))
      return false;
    return counted_call(client, fn, out_ended, err,
                        [&](Client& c) { return c.change_password(current_password, new_password); });
  });
}

bool psl_client_request_password_reset(psl_client* client, const char* email, psl_error* err) {
  return guarded<bool>(err, false, [&] {
    const char* fn = "psl_client_request_password_reset";
    if (!check_client(client, fn, err) || !check_arg(email, fn, "email", err)) return false;
    return counted_call(client, fn, nullptr, err, [&](Client& c) { return c.request_password_reset(email); });
  });
}

bool psl_client_reset_password_with_code(psl_client* client, const char* code, const char* new_password,
                                         psl_error* err) {
  return guarded<bool>(err, false, [&] {
    const char* fn = "psl_client_reset_password_with_code";
    if (!check_client(client, fn, err) || !check_arg(code, fn, "code", err) ||
        !check_arg(new_password, fn, "new_password", err))
      return false;
    return counted_call(client, fn, nullptr, err,
                        [&](Client& c) { return c.reset_password_with_code(code, new_password); });
  });
}

bool psl_client_reset_password_with_token(psl_client* client, const char* token, const char* new_password,
                                          psl_error* err) {
  return guarded<bool>(err, false, [&] {
    const char* fn = "psl_client_reset_password_with_token";
    if (!check_client(client, fn, err) || !check_arg(token, fn, "token", err) ||
        !check_arg(new_password, fn, "new_password", err))
      return false;
    return counted_call(client, fn, nullptr, err,
                        [&](Client& c) { return c.reset_password_with_token(token, new_password); });
  });
}

char* psl_client_sessions(psl_client* client, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_sessions";
    if (!check_client(client, fn, err)) return nullptr;
    BlockingLock lock(client, BlockingLock::exclusive, fn, err);
    if (!lock.ok()) return nullptr;
    auto list = client->client->sessions();
    if (!list) {
      set_failure(err, list.failure());
      return nullptr;
    }
    return give_json(passerelle::capi::to_json(*list));
  });
}

bool psl_client_end_session(psl_client* client, const char* session_id, psl_error* err) {
  return guarded<bool>(err, false, [&] {
    const char* fn = "psl_client_end_session";
    if (!check_client(client, fn, err) || !check_arg(session_id, fn, "session_id", err)) return false;
    // Ending this device's own session forgets its token: the sync stops first, as for logout.
    AccountLock lock(client, fn, err);
    if (!lock.ok()) return false;
    auto r = client->client->end_session(session_id);
    if (!r) {
      set_failure(err, r.failure());
      return false;
    }
    return true;
  });
}

bool psl_client_end_all_sessions(psl_client* client, const char* user_id, int64_t* out_ended, psl_error* err) {
  return guarded<bool>(err, false, [&] {
    const char* fn = "psl_client_end_all_sessions";
    if (!check_client(client, fn, err) || !check_arg(user_id, fn, "user_id", err)) return false;
    return counted_call(client, fn, out_ended, err, [&](Client& c) { return c.end_all_sessions(user_id); });
  });
}

char* psl_client_invite(psl_client* client, const char* email, const char* role, const char* name, const char* locale,
                        psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_invite";
    if (!check_client(client, fn, err) || !check_arg(email, fn, "email", err) || !check_arg(role, fn, "role", err))
      return nullptr;
    BlockingLock lock(client, BlockingLock::exclusive, fn, err);
    if (!lock.ok()) return nullptr;
    auto inv = client->client->invite(email, role, name ? name : "", locale ? locale : "");
    if (!inv) {
      set_failure(err, inv.failure());
      return nullptr;
    }
    return give_json(*inv);
  });
}

// --- sync --------------------------------------------------------------------------------------

bool psl_client_start_sync(psl_client* client, psl_error* err) {
  return guarded<bool>(err, false, [&] {
    const char* fn = "psl_client_start_sync";
    if (!check_client(client, fn, err)) return false;
    BlockingLock lock(client, BlockingLock::shared, fn, err);
    if (!lock.ok()) return false;
    auto r = client->client->start_sync();
    if (!r) {
      set_failure(err, r.failure());
      return false;
    }
    return true;
  });
}

void psl_client_stop_sync(psl_client* client) {
  if (!client || !client->client) return;
  (void)guarded<bool>(nullptr, false, [&] {
    BlockingLock lock(client, BlockingLock::shared, "psl_client_stop_sync", nullptr);
    if (lock.ok()) client->client->stop_sync();
    return true;
  });
}

char* psl_client_sync_once(psl_client* client, int32_t timeout_ms, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_sync_once";
    if (!check_client(client, fn, err)) return nullptr;
    BlockingLock lock(client, BlockingLock::shared, fn, err);
    if (!lock.ok()) return nullptr;
    auto summary = client->client->sync_once(ms_or(timeout_ms, std::chrono::milliseconds(30'000)));
    if (!summary) {
      set_failure(err, summary.failure());
      return nullptr;
    }
    return give_json(passerelle::capi::to_json(*summary));
  });
}

char* psl_client_status(psl_client* client, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    if (!check_client(client, "psl_client_status", err)) return nullptr;
    LocalLock lock(client);
    auto st = client->client->status();
    if (!st) {
      set_failure(err, st.failure());
      return nullptr;
    }
    return give_json(passerelle::capi::to_json(*st));
  });
}

char* psl_client_rejections(psl_client* client, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    if (!check_client(client, "psl_client_rejections", err)) return nullptr;
    LocalLock lock(client);
    auto r = client->client->rejections();
    if (!r) {
      set_failure(err, r.failure());
      return nullptr;
    }
    return give_json(passerelle::capi::to_json(*r));
  });
}

bool psl_client_dismiss_rejection(psl_client* client, const char* op_id, psl_error* err) {
  return guarded<bool>(err, false, [&] {
    const char* fn = "psl_client_dismiss_rejection";
    if (!check_client(client, fn, err) || !check_arg(op_id, fn, "op_id", err)) return false;
    LocalLock lock(client);
    auto r = client->client->dismiss_rejection(op_id);
    if (!r) {
      set_failure(err, r.failure());
      return false;
    }
    return true;
  });
}

char* psl_client_pending_ops(psl_client* client, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    if (!check_client(client, "psl_client_pending_ops", err)) return nullptr;
    LocalLock lock(client);
    auto ops = client->client->pending_ops();
    if (!ops) {
      set_failure(err, ops.failure());
      return nullptr;
    }
    json::array a;
    for (const auto& op : *ops) a.push_back(passerelle::sync::to_json(op));
    return give_json(a);
  });
}

// --- data --------------------------------------------------------------------------------------

char* psl_client_mutate(psl_client* client, const char* name, const char* args_json, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_mutate";
    if (!check_client(client, fn, err) || !check_arg(name, fn, "name", err) ||
        !check_arg(args_json, fn, "args_json", err))
      return nullptr;
    boost::system::error_code ec;
    json::value args = json::parse(args_json, ec);
    if (ec) {
      set_usage(err, std::string(fn) + ": args_json is not valid JSON (" + ec.message() + ")");
      return nullptr;
    }
    if (!args.is_object()) {
      set_usage(err, std::string(fn) + ": args_json must be a JSON object");
      return nullptr;
    }
    LocalLock lock(client);
    auto op = client->client->mutate(name, args.as_object());
    if (!op) {
      set_failure(err, op.failure());
      return nullptr;
    }
    return give(*op);
  });
}

char* psl_client_get(psl_client* client, const char* collection, const char* id, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_get";
    if (!check_client(client, fn, err) || !check_collection(collection, fn, err) || !check_arg(id, fn, "id", err))
      return nullptr;
    LocalLock lock(client);
    auto row = client->client->get(collection, id);
    if (!row) {
      set_failure(err, row.failure());
      return nullptr;
    }
    if (!*row) return nullptr;  // no such row: not an error
    return give_json(**row);
  });
}

char* psl_client_list(psl_client* client, const char* collection, const char* field, const char* value,
                      psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_list";
    if (!check_client(client, fn, err) || !check_collection(collection, fn, err)) return nullptr;
    if (field && !*field) {
      set_usage(err, "psl_client_list: field is empty (pass NULL for every row)");
      return nullptr;
    }
    if (field && !check_arg(value, fn, "value (with a field)", err)) return nullptr;
    LocalLock lock(client);
    auto rows = client->client->list(collection, field ? field : "", field ? value : "");
    if (!rows) {
      set_failure(err, rows.failure());
      return nullptr;
    }
    json::array a;
    a.reserve(rows->size());
    for (auto& r : *rows) a.push_back(std::move(r));
    return give_json(a);
  });
}

// --- coaching messages and slots (computed views) -------------------------------------------------

char* psl_client_threads(psl_client* client, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    if (!check_client(client, "psl_client_threads", err)) return nullptr;
    LocalLock lock(client);
    auto threads = client->client->threads();
    if (!threads) {
      set_failure(err, threads.failure());
      return nullptr;
    }
    json::array a;
    a.reserve(threads->size());
    for (const auto& t : *threads) a.push_back(passerelle::capi::to_json(t));
    return give_json(a);
  });
}

bool psl_client_unread_total(psl_client* client, int64_t* out_total, psl_error* err) {
  return guarded<bool>(err, false, [&] {
    const char* fn = "psl_client_unread_total";
    if (!check_client(client, fn, err) || !check_arg(out_total, fn, "out_total", err)) return false;
    LocalLock lock(client);
    auto total = client->client->unread_total();
    if (!total) {
      set_failure(err, total.failure());
      return false;
    }
    *out_total = *total;
    return true;
  });
}

char* psl_client_thread_messages(psl_client* client, const char* thread_id, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_thread_messages";
    if (!check_client(client, fn, err) || !check_arg(thread_id, fn, "thread_id", err)) return nullptr;
    LocalLock lock(client);
    auto msgs = client->client->thread_messages(thread_id);
    if (!msgs) {
      set_failure(err, msgs.failure());
      return nullptr;
    }
    json::array a;
    a.reserve(msgs->size());
    for (const auto& m : *msgs) a.push_back(passerelle::capi::to_json(m));
    return give_json(a);
  });
}

char* psl_client_send_message(psl_client* client, const char* thread_id, const char* body, const char* const* file_paths,
                              size_t file_count, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_send_message";
    if (!check_client(client, fn, err) || !check_arg(thread_id, fn, "thread_id", err) ||
        !check_arg(body, fn, "body", err))
      return nullptr;
    if (file_count > 0 && !check_arg(file_paths, fn, "file_paths (with file_count > 0)", err)) return nullptr;
    std::vector<std::filesystem::path> files;
    files.reserve(file_count);
    for (size_t i = 0; i < file_count; ++i) {
      if (!file_paths[i] || !*file_paths[i]) {
        set_usage(err, std::string(fn) + ": file_paths[" + std::to_string(i) + "] is NULL or empty");
        return nullptr;
      }
      files.emplace_back(file_paths[i]);
    }
    LocalLock lock(client);
    auto id = client->client->send_message(thread_id, body, files);
    if (!id) {
      set_failure(err, id.failure());
      return nullptr;
    }
    return give(*id);
  });
}

bool psl_client_mark_read(psl_client* client, const char* thread_id, psl_error* err) {
  return guarded<bool>(err, false, [&] {
    const char* fn = "psl_client_mark_read";
    if (!check_client(client, fn, err) || !check_arg(thread_id, fn, "thread_id", err)) return false;
    LocalLock lock(client);
    auto r = client->client->mark_read(thread_id);
    if (!r) {
      set_failure(err, r.failure());
      return false;
    }
    return true;
  });
}

char* psl_client_download_file(psl_client* client, const char* sha256, const char* destination, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_download_file";
    if (!check_client(client, fn, err) || !check_arg(sha256, fn, "sha256", err)) return nullptr;
    BlockingLock lock(client, BlockingLock::shared, fn, err);
    if (!lock.ok()) return nullptr;
    auto path = client->client->download_file(sha256, destination ? std::filesystem::path(destination)
                                                                  : std::filesystem::path());
    if (!path) {
      set_failure(err, path.failure());
      return nullptr;
    }
    return give(path->string());
  });
}

char* psl_client_slots(psl_client* client, const char* mentorship_id, int32_t days, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_slots";
    if (!check_client(client, fn, err)) return nullptr;
    LocalLock lock(client);
    passerelle::client::ClientRows rows(*client->client);
    auto slots = passerelle::client::slots_view(rows, mentorship_id ? mentorship_id : "", days, passerelle::now_utc());
    if (!slots) {
      auto failure = std::move(slots).failure();
      failure.error.message = std::string(fn) + ": " + failure.error.message;
      set_failure(err, failure);
      return nullptr;
    }
    return give_json(*slots);
  });
}

char* psl_client_activity_view(psl_client* client, const char* activity_id, const char* locale, psl_error* err) {
  return guarded<char*>(err, nullptr, [&]() -> char* {
    const char* fn = "psl_client_activity_view";
    if (!check_client(client, fn, err) || !check_arg(activity_id, fn, "activity_id", err)) return nullptr;
    LocalLock lock(client);
    auto account = client->client->current_user();
    if (!account) {
      set_failure(err, account.failure());
      return nullptr;
    }
    if (!*account) {
      set_error_2(err, PSL_UNAUTHENTICATED, PSL_ORIGIN_USAGE, fn, ": nobody is signed in on this device");
      return nullptr;
    }
    auto lang = (*account)->user.locale;
    if (locale && *locale) {
      auto parsed = passerelle::protocol::parse_locale(locale);
      if (!parsed) {
        set_error_2(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, fn, ": locale is \"fr\" or \"en\"");
        return nullptr;
      }
      lang = *parsed;
    }
    passerelle::client::ClientRows rows(*client->client);
    auto view = passerelle::client::activity_view(rows, activity_id, (*account)->user.id, lang);
    if (!view) {
      auto failure = std::move(view).failure();
      failure.error.message = std::string(fn) + ": " + failure.error.message;
      set_failure(err, failure);
      return nullptr;
    }
    return give_json(*view);
  });
}

// --- observers ---------------------------------------------------------------------------------

psl_observer_token psl_client_observe_rows(psl_client* client, psl_rows_callback callback, void* context,
                                           psl_error* err) {
  return guarded<psl_observer_token>(err, 0, [&]() -> psl_observer_token {
    const char* fn = "psl_client_observe_rows";
    if (!check_client(client, fn, err) || !check_callback(callback != nullptr, fn, err))
      return 0;
    LocalLock lock(client);
    const psl_client* c = client;
    return client->client->observe_rows([c, callback, context](const passerelle::client::ChangedRows& rows) {
      run_observer(c, [&] {
        std::string text = json::serialize(passerelle::capi::to_json(rows));
        callback(context, text.c_str());
      });
    });
  });
}

psl_observer_token psl_client_observe_sync_state(psl_client* client, psl_sync_state_callback callback, void* context,
                                                 psl_error* err) {
  return guarded<psl_observer_token>(err, 0, [&]() -> psl_observer_token {
    const char* fn = "psl_client_observe_sync_state";
    if (!check_client(client, fn, err) || !check_callback(callback != nullptr, fn, err))
      return 0;
    LocalLock lock(client);
    const psl_client* c = client;
    return client->client->observe_state([c, callback, context](const passerelle::client::SyncStatus& status) {
      run_observer(c, [&] {
        std::string text = json::serialize(passerelle::capi::to_json(status));
        callback(context, text.c_str());
      });
    });
  });
}

psl_observer_token psl_client_observe_rejections(psl_client* client, psl_rejection_callback callback, void* context,
                                                 psl_error* err) {
  return guarded<psl_observer_token>(err, 0, [&]() -> psl_observer_token {
    const char* fn = "psl_client_observe_rejections";
    if (!check_client(client, fn, err) || !check_callback(callback != nullptr, fn, err))
      return 0;
    LocalLock lock(client);
    const psl_client* c = client;
    return client->client->observe_rejections([c, callback, context](const passerelle::client::Rejection& r) {
      run_observer(c, [&] {
        std::string text = json::serialize(passerelle::capi::to_json(r));
        callback(context, text.c_str());
      });
    });
  });
}

void psl_client_unobserve(psl_client* client, psl_observer_token token) {
  if (!client || !client->client || token == 0) return;
  (void)guarded<bool>(nullptr, false, [&] {
    LocalLock lock(client);
    client->client->unobserve(token);
    return true;
  });
}

// --- test hook ---------------------------------------------------------------------------------

bool psl_debug_throw_for_test(psl_client* client, int kind, psl_error* err) {
  return guarded<bool>(err, false, [&]() -> bool {
    switch (kind) {
      case 1: throw std::runtime_error("test exception thrown by psl_debug_throw_for_test");
      case 2: throw std::bad_alloc();
      case 3: throw 42;
      case 4: {
        // A one-shot C++ rows observer that throws on this thread: the exception starts inside
        // Client::mutate's notification and must come back out of psl_client_mutate as an error.
        if (!check_client(client, "psl_debug_throw_for_test", err)) return false;
        LocalLock lock(client);
        Client* core = client->client.get();
        auto token = std::make_shared<Client::ObserverToken>(0);
        *token = core->observe_rows([core, token, thread = std::this_thread::get_id()](const auto&) {
          if (std::this_thread::get_id() != thread) return;  // never on the sync thread
          core->unobserve(*token);
          throw std::runtime_error("test exception thrown inside the core by psl_debug_throw_for_test");
        });
        return true;
      }
      default:
        set_usage(err, "psl_debug_throw_for_test: unknown kind");
        return false;
    }
  });
}

}  // extern "C"
