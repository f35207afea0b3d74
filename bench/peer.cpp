// The peer baseline (docs/benchmarks.md, "The peer"): bench/peer/server.js, a Node.js server a
// team would write instead (ws, better-sqlite3, group commit with synchronous=FULL), started
// here with the same chat pairs and driven by the same chat workload, in the same run.
#include <unistd.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench.h"

namespace passerelle::bench {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::string world_json(const World& world) {
  json::array pairs;
  for (const auto& p : world.pairs)
    pairs.push_back({{"candidate", {{"id", p.candidate.id}, {"token", p.candidate.token}}},
                     {"coach", {{"id", p.coach.id}, {"token", p.coach.token}}},
                     {"thread_id", p.thread_id}});
  return json::serialize(json::object{{"pairs", std::move(pairs)}});
}

}  // namespace

json::object run_chat_peer(Loop& loop, const World& world, const Options& o, double open_rate, json::object& open_result) {
  fs::path dir = o.peer_dir;
  if (!fs::exists(dir / "server.js") || !fs::exists(dir / "node_modules" / "better-sqlite3") ||
      !fs::exists(dir / "node_modules" / "ws"))
    return {{"skipped", "bench/peer is not installed: bench/run-all.sh runs npm install there"}, {"errors", 0}};
  TempDir tmp;
  std::string seed = tmp.path() + "/world.json", ready = tmp.path() + "/ready";
  std::ofstream(seed) << world_json(world);
  pid_t pid = test::spawn_logged({"node", (dir / "server.js").string(), "--db", tmp.path() + "/peer.db", "--seed", seed,
                                  "--ready-file", ready},
                                 tmp.path() + "/peer.log");
  if (pid < 0) return {{"errors", 1}, {"first_error", "cannot start node"}};
  std::string url;
  for (int i = 0; i < 300 && url.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(ready);
    std::getline(in, url);
  }
  json::object r;
  if (url.empty()) {
    r = {{"errors", 1}, {"first_error", "the peer did not start (node bench/peer/server.js)"}};
  } else {
    World peer = world;
    peer.url = url;
    peer.server_pid = pid;
    auto colon = url.rfind(':');
    peer.target.server = tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1))));
    r = run_chat(loop, peer, o, 0);
    open_result = run_chat(loop, peer, o, open_rate);  // the same offered load as Passerelle's
  }
  test::stop_process(pid, std::chrono::seconds(10));
  return r;
}

}  // namespace passerelle::bench
