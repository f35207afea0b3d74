// The WebAssembly core's entry points for the Worker (bindings/web/worker.mjs). The ground
// work of the web binding (docs/bindings.md, "The web binding"): open an account file, apply
// a mutator, read rows, the outbox's length. Sign-in and sync arrive with the event-driven
// sync engine; until then the Worker is told who is signed in.
//
// Every call answers one JSON text, which the caller frees with psl_web_free():
//   {"ok": <value>}  or  {"error": {"code": "not_found", "origin": "usage", "message": "..."}}
// with the C API's codes and origins (passerelle.h), in their wire spelling. Nothing throws
// across this boundary. One account is open at a time: the Worker owns one database.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "account_store.h"
#include "passerelle/shared/ids.h"
#include "sync/sync_store.h"

namespace json = boost::json;
using namespace passerelle;

extern "C" int psl_web_opfs_register(void);

namespace {

struct Open {
  std::unique_ptr<client::AccountStore> account;
  std::unique_ptr<client::SyncStore> store;
};
Open* g_open = nullptr;

char* answer(const json::object& o) {
  std::string text = json::serialize(o);
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out) std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

char* ok(json::value v) { return answer({{"ok", std::move(v)}}); }

// `origin`: "usage" when the caller's input was refused, "local" when the device failed.
char* error(ErrorCode code, std::string_view origin, std::string_view message) {
  return answer({{"error", {{"code", to_string(code)}, {"origin", origin}, {"message", message}}}});
}
char* error(const Error& e, std::string_view origin) { return error(e.code, origin, e.message); }

char* not_open() { return error(ErrorCode::bad_request, "usage", "no account is open in this Worker: call open first"); }

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

}  // namespace

extern "C" {

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
    auto account = client::AccountStore::open(data_dir, user_id);
    if (!account) return error(account.error(), "local");
    auto o = std::make_unique<Open>();
    o->account = std::move(*account);
    o->store = std::make_unique<client::SyncStore>(o->account->db(), sync::Actor{user_id, *parsed_role});
    g_open = o.release();
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
    delete g_open;
    g_open = nullptr;
    return ok(nullptr);
  });
}

__attribute__((used)) void psl_web_free(char* text) { std::free(text); }

}  // extern "C"
