// Fuzz target: the client core's pull-apply path (client-core/src/sync/sync_store.h): pulled
// pages decoded from JSON (sync::pull_page_from_json) and written to the device's SQLite store,
// interleaved with local writes, push results and resyncs. The input is a JSON object:
//
//   {"as": "cand", "steps": [{"page": <pull answer>}, {"mutate": {"name": "...", "args": {...}}},
//                            {"results": [<op result>...]}, {"resync": true}]}
//
// Each input starts from an empty account file. Invariants: no crash; every decoded page is
// applied without error; after a page of the stored epoch, with no op pending, the view holds
// exactly the page's last version of each row it names, and the cursor is the page's.
#include <boost/json/serialize.hpp>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "fixed_people.h"
#include "fuzz_target.h"
#include "passerelle/shared/json_reader.h"
#include "sqlite.h"
#include "sync/sync_store.h"

namespace passerelle::fuzz {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

fs::path account_dir() {
  static const fs::path dir = fs::temp_directory_path() / ("passerelle-fuzz-pull-" + std::to_string(::getpid()));
  return dir;
}

std::string must_ok(const Status& st, const std::string& doing) {
  check(st.ok(), doing + " failed: " + (st.ok() ? "" : st.error().message));
  return {};
}

void apply_page(client::SyncStore& store, const json::object& answer) {
  auto page = sync::pull_page_from_json(answer);
  if (!page) return;  // the engine refuses an undecodable page before the store sees it
  must_ok(store.apply_pull_page(*page, nullptr), "apply_pull_page");
  if (store.needs_resync() && (page->resync || *store.cursor() == 0)) return;  // a resync started
  check(*store.cursor() == page->cursor, "the cursor is not the page's");
  auto pending = store.pending_count();
  check(pending.ok(), "pending_count failed");
  if (*pending != 0) return;  // pending ops replayed on top may change these rows
  std::map<std::pair<std::string, std::string>, const sync::Change*> last;
  for (const auto& c : page->changes) last[{c.collection, c.id}] = &c;
  for (const auto& [key, c] : last) {
    auto row = store.get(key.first, key.second);
    check(row.ok(), "get failed after a pull");
    if (c->deleted)
      check(!row->has_value(), "a deleted row is still in the view: " + key.first + "/" + key.second);
    else
      check(row->has_value() && **row == c->data, "a pulled row is not in the view as sent: " + key.first + "/" + key.second);
  }
}

}  // namespace

void pull_apply(std::string_view input) {
  auto parsed = parse_json(input);
  if (!parsed || !parsed->is_object()) return;
  const json::object& in = parsed->get_object();
  const json::value* steps = in.if_contains("steps");
  if (!steps || !steps->is_array()) return;
  const json::value* as = in.if_contains("as");
  const Person& who = person(as && as->is_string() ? std::string_view(as->get_string()) : "cand");

  std::error_code ec;
  fs::remove_all(account_dir(), ec);
  fs::create_directories(account_dir());
  auto db = client::sqlite::Database::open(account_dir() / "account.sqlite", "the account file",
                                           client::SyncStore::migrations(1));
  check(db.ok(), "cannot open the account file");
  // Durability is not under test here; fsyncs would only slow the fuzzer down.
  must_ok((*db)->exec("PRAGMA synchronous = OFF"), "PRAGMA synchronous");
  client::SyncStore store(**db, sync::Actor{who.id, who.role}, [] { return *parse_rfc3339("2027-03-01T12:00:00Z"); });

  for (const auto& step : steps->get_array()) {
    if (!step.is_object()) continue;
    const json::object& s = step.get_object();
    if (const auto* p = s.if_contains("page"); p && p->is_object()) {
      apply_page(store, p->get_object());
    } else if (const auto* m = s.if_contains("mutate"); m && m->is_object()) {
      const json::object& op = m->get_object();
      const auto* name = op.if_contains("name");
      const auto* args = op.if_contains("args");
      if (!name || !name->is_string() || !args || !args->is_object()) continue;
      auto before = store.pending_count();
      auto r = store.mutate(name->get_string(), args->get_object(), nullptr);
      check(*store.pending_count() == *before + (r.ok() ? 1 : 0), "mutate queued a wrong number of ops");
    } else if (const auto* r = s.if_contains("results"); r && r->is_array()) {
      std::vector<sync::OpResult> results;
      for (const auto& v : r->get_array())
        if (auto one = sync::op_result_from_json(v)) results.push_back(std::move(*one));
      must_ok(store.apply_push_results(results, nullptr), "apply_push_results");
    } else if (s.contains("resync")) {
      must_ok(store.begin_resync(), "begin_resync");
      check(store.needs_resync() && *store.cursor() == 0, "begin_resync did not reset the cursor");
    }
  }
  // Whatever was applied, the view is readable.
  for (const char* c : {"profiles", "threads", "messages", "plans", "plan_steps", "meetings"}) {
    auto rows = store.list(c);
    check(rows.ok(), std::string("list failed on ") + c);
  }
}

}  // namespace passerelle::fuzz

PASSERELLE_FUZZ_TARGET(pull_apply)
