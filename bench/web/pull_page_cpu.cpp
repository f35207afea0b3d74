// CPU time to read one 1,000-row pull page (about 530 KB, 200-character messages) the way the
// device did before pull_answer.h and the way it does now, natively, outside any scheduler noise
// (docs/benchmarks.md, "Pulled pages read as text, not as objects"). Not part of the build:
//   g++ -std=c++20 -O2 -DNDEBUG -Iclient-core/src -Iclient-core/include -Ishared/include \
//     bench/web/pull_page_cpu.cpp build/client-core/libpasserelle_client.a \
//     build/shared/libpasserelle_shared.a -lsqlite3 -lboost_json -lssl -lcrypto -ldate-tz \
//     -o /tmp/pull_page_cpu && /tmp/pull_page_cpu
#include <boost/json.hpp>
#include <cstdio>
#include <ctime>
#include "passerelle/shared/protocol.h"
#include "passerelle/shared/sync/wire.h"
#include "sync/pull_answer.h"
#include "sync/sync_store.h"
using namespace passerelle;
int main() {
  std::string frame = "{\"re\":7,\"ok\":true,\"changes\":[";
  for (int i = 0; i < 1000; ++i) {
    if (i) frame += ",";
    char buf[700];
    std::snprintf(buf, sizeof buf, "{\"collection\":\"messages\",\"id\":\"0193a5b2-7c1e-7a00-8000-%012d\",\"seq\":%d,\"deleted\":false,\"data\":{\"id\":\"0193a5b2-7c1e-7a00-8000-%012d\",\"thread_id\":\"0193a5b2-0000-7a00-8000-000000000001\",\"author_id\":\"0193a5b2-0000-7a00-8000-000000000002\",\"n\":%d,\"body\":\"%s\",\"sent_at\":\"2026-12-06T20:00:00.000Z\",\"attachments\":[]}}", i, i + 1, i, i + 1,
                  "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip");
    frame += buf;
  }
  frame += "],\"cursor\":1000,\"more\":true,\"epoch\":\"e\",\"horizon\":0}";
  const int N = 200;
  std::size_t sink = 0;
  std::clock_t t0 = std::clock();
  for (int k = 0; k < N; ++k) {
    auto checked = protocol::parse_server_message(frame);  // the web binding's check, before
    sink += checked.ok();
    auto m2 = protocol::parse_server_message(frame);  // the engine's reading
    auto page = sync::pull_page_from_json(std::move(m2->body));
    auto text = client::pulled_page_text(*page);
    sink += text.text.size();
  }
  std::clock_t t1 = std::clock();
  for (int k = 0; k < N; ++k) {
    bool ok = client::server_message_readable(frame);
    auto a = client::read_pull_answer(frame);
    sink += a->page.text.size() + ok;
  }
  std::clock_t t2 = std::clock();
  std::printf("frame %zu bytes; per page: before %.2f ms, after %.2f ms (sink %zu)\n", frame.size(),
              1000.0 * (t1 - t0) / CLOCKS_PER_SEC / N, 1000.0 * (t2 - t1) / CLOCKS_PER_SEC / N, sink);
}
