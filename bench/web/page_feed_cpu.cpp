// CPU time the sync engine spends on each pulled page of a first sync, natively: the page's
// frame fed to SyncMachine (read, stored in SQLite, its changed rows and threads gathered, the
// next page asked for), 1,000 rows of 200-character messages per page, 20 pages into a fresh
// account file. Built against a build's client library, so two builds (main's and a branch's)
// compare on the same machine one right after the other (docs/benchmarks.md, "The browser").
// Not part of the build:
//   g++ -std=c++20 -O2 -DNDEBUG -Iclient-core/src -Iclient-core/include -Ishared/include \
//     bench/web/page_feed_cpu.cpp <build>/client-core/libpasserelle_client.a \
//     <build>/shared/libpasserelle_shared.a -lsqlite3 -lboost_json -lssl -lcrypto -ldate-tz \
//     -o /tmp/page_feed_cpu && /tmp/page_feed_cpu
#include <boost/json.hpp>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <string>

#include "passerelle/shared/ids.h"
#include "sqlite.h"
#include "sync/sync_machine.h"

using namespace passerelle;
using namespace passerelle::client;

namespace {

std::int64_t sent_id(const std::vector<SyncAction>& actions, std::string_view type) {
  for (const auto& a : actions)
    if (a.kind == SyncAction::Kind::send_frame) {
      auto o = boost::json::parse(a.frame).as_object();
      if (o.at("type").as_string() == type) return o.at("id").as_int64();
    }
  return 0;
}

std::string page_frame(std::int64_t re, int page, int pages) {
  std::string frame = "{\"re\":" + std::to_string(re) + ",\"ok\":true,\"changes\":[";
  for (int i = 0; i < 1000; ++i) {
    int n = page * 1000 + i;
    if (i) frame += ",";
    char buf[700];
    std::snprintf(buf, sizeof buf,
                  "{\"collection\":\"messages\",\"id\":\"0193a5b2-7c1e-7a00-8000-%012d\",\"seq\":%d,\"deleted\":false,"
                  "\"data\":{\"id\":\"0193a5b2-7c1e-7a00-8000-%012d\",\"thread_id\":\"0193a5b2-0000-7a00-8000-000000000001\","
                  "\"author_id\":\"0193a5b2-0000-7a00-8000-000000000002\",\"n\":%d,\"body\":\"%s\","
                  "\"sent_at\":\"2026-12-06T20:00:00.000Z\",\"attachments\":[]}}",
                  n, n + 1, n, n + 1,
                  "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et "
                  "dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip");
    frame += buf;
  }
  int cursor = (page + 1) * 1000;
  frame += "],\"cursor\":" + std::to_string(cursor) + ",\"more\":" + (page + 1 < pages ? "true" : "false") +
           ",\"epoch\":\"e\",\"horizon\":" + std::to_string(pages * 1000) + "}";
  return frame;
}

}  // namespace

int main() {
  const int pages = 20;
  auto dir = std::filesystem::temp_directory_path() / ("page_feed_cpu-" + new_id());
  std::filesystem::create_directories(dir);
  double total_ms = 0;
  {
    auto db = sqlite::Database::open(dir / "a.sqlite", "the account file", SyncStore::migrations(1));
    if (!db) return 1;
    SyncStore store(**db, passerelle::sync::Actor{new_id(), protocol::Role::coach});
    std::mutex m;
    SyncMachineConfig c;
    c.url = "ws://127.0.0.1:9/v1/ws";
    c.token = "tok";
    c.delivery_receipts = false;
    SyncMachine machine(c, store, m);
    machine.feed(SyncEvent::simple(SyncEvent::Kind::start));
    auto a = machine.feed(SyncEvent::simple(SyncEvent::Kind::socket_opened));
    a = machine.feed(SyncEvent::received("{\"re\":" + std::to_string(sent_id(a, "hello")) + ",\"ok\":true}"));
    a = machine.feed(SyncEvent::received("{\"re\":" + std::to_string(sent_id(a, "auth.resume")) + ",\"ok\":true}"));
    std::int64_t pull = sent_id(a, "pull");
    for (int p = 0; p < pages; ++p) {
      auto event = SyncEvent::received(page_frame(pull, p, pages));
      std::clock_t t0 = std::clock();
      a = machine.feed(event);
      total_ms += 1000.0 * (std::clock() - t0) / CLOCKS_PER_SEC;
      std::size_t changed = 0;
      for (const auto& action : a)
        if (action.kind == SyncAction::Kind::rows_changed) changed += action.rows.size();
      if (changed != 1000) std::fprintf(stderr, "page %d: %zu rows changed\n", p, changed);
      if (p + 1 < pages) pull = sent_id(a, "pull");
    }
    if (machine.snapshot().state != SyncState::up_to_date) std::fprintf(stderr, "not up to date at the end\n");
  }
  std::filesystem::remove_all(dir);
  std::printf("%d pages of 1,000 rows: %.1f ms of CPU in the engine, %.2f ms per page\n", pages, total_ms,
              total_ms / pages);
}
