// Randomized, seeded convergence over the network: ten client cores (two coaches, eight
// candidates) write at random while they connect only now and then, and the server process is
// killed (kill -9) and restarted at random. At the end every device's view equals what a fresh
// device of the same user pulls from the server, every device's outbox is empty, and the server
// holds each applied message exactly once. Replay a failure with PASSERELLE_SEED=<seed>.
//
// In the second test three of the candidates' devices are the WebAssembly core (the web
// binding's sources built for Node, wasm/) hosted by Node, its sync engine driven by
// wasm_device.mjs as the browser's Worker drives it; those Node processes are also killed with
// SIGKILL at random, mid-sync included, and restarted on the same files.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "passerelle/client.h"
#include "passerelle/shared/ids.h"
#include "passerelle/test/test_server.h"

namespace {

using namespace passerelle;
using namespace passerelle::client;
using namespace std::chrono_literals;
namespace json = boost::json;
const std::string kPassword = "correct horse battery";


// A WebAssembly device: `node wasm_device.mjs` over the Node build of the web core, spoken to
// one JSON line at a time (tests/e2e/wasm_device.mjs).
class NodeDevice {
 public:
  explicit NodeDevice(std::filesystem::path dir) : dir_(std::move(dir)) { start(); }
  ~NodeDevice() { kill9(); }
  NodeDevice(const NodeDevice&) = delete;
  NodeDevice& operator=(const NodeDevice&) = delete;

  // The answer's "ok" value; an error answer (or a dead process) as an Error.
  Outcome<json::value> call(const json::object& command, std::chrono::seconds limit = 60s) {
    if (pid_ <= 0) return local_failure(Error{ErrorCode::internal, "the Node device is not running"});
    std::string line = json::serialize(command) + "\n";
    if (::write(in_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      return local_failure(Error{ErrorCode::internal, "cannot write to the Node device"});
    auto text = read_line(limit);
    if (!text) return text.failure();
    boost::system::error_code ec;
    json::value answer = json::parse(*text, ec);
    if (ec || !answer.is_object()) return local_failure(Error{ErrorCode::internal, "the Node device answered: " + *text});
    if (auto* e = answer.as_object().if_contains("error"))
      return local_failure(Error{ErrorCode::internal, std::string(e->at("message").as_string())});
    return answer.at("ok");
  }

  // Asks for a sync, then kills the process `after` later, wherever the sync is.
  void sync_then_kill9(std::chrono::milliseconds after) {
    std::string line = json::serialize(json::object{{"cmd", "sync"}, {"timeout_ms", 10000}}) + "\n";
    (void)!::write(in_, line.data(), line.size());
    std::this_thread::sleep_for(after);
    kill9();
  }

  void kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    ::close(in_);
    ::close(out_);
    buffer_.clear();
  }

  // A new process on the same files (the app relaunched): opens the device and its account.
  Outcome<Done> restart() {
    kill9();
    start();
    auto opened = call({{"cmd", "open"}});
    if (!opened) return opened.failure();
    return Done{};
  }

 private:
  void start() {
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      ::close(to_child[1]);
      ::close(from_child[0]);
      ::execlp("node", "node", "--no-experimental-fetch", "--experimental-websocket", PASSERELLE_WASM_DEVICE_SCRIPT,
               PASSERELLE_WASM_NODE_CORE, dir_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = to_child[1];
    out_ = from_child[0];
  }

  Outcome<std::string> read_line(std::chrono::seconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return local_failure(Error{ErrorCode::internal, "the Node device did not answer in time"});
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[65536];
      ssize_t n = ::read(out_, chunk, sizeof chunk);
      if (n <= 0) return local_failure(Error{ErrorCode::internal, "the Node device ended"});
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
  std::string buffer_;
};

struct Device {
  std::string email, id;
  protocol::Role role;
  std::filesystem::path dir;
  std::unique_ptr<Client> client;  // a native device...
  std::unique_ptr<NodeDevice> node;  // ...or a WebAssembly one

  Outcome<std::vector<json::object>> list(std::string_view collection, std::string_view field = {},
                                          std::string_view value = {}) {
    if (client) return client->list(collection, field, value);
    json::object command{{"cmd", "list"}, {"collection", collection}};
    if (!field.empty()) command["field"] = field, command["value"] = value;
    auto rows = node->call(command);
    if (!rows) return rows.failure();
    std::vector<json::object> out;
    for (auto& r : rows->as_array()) out.push_back(r.as_object());
    return out;
  }
  Outcome<Done> mutate(std::string_view name, const json::object& args) {
    if (client) {
      auto op = client->mutate(name, args);
      if (!op) return op.failure();
      return Done{};
    }
    auto op = node->call({{"cmd", "mutate"}, {"name", name}, {"args", args}});
    if (!op) return op.failure();
    return Done{};
  }
  Outcome<Done> sync(std::chrono::seconds limit) {
    if (client) {
      auto s = client->sync_once(limit);
      if (!s) return s.failure();
      return Done{};
    }
    auto s = node->call({{"cmd", "sync"}, {"timeout_ms", std::chrono::milliseconds(limit).count()}}, limit + 30s);
    if (!s) return s.failure();
    return Done{};
  }
  Outcome<std::int64_t> pending_ops() {
    if (client) {
      auto st = client->status();
      if (!st) return st.failure();
      return st->pending_ops;
    }
    auto st = node->call({{"cmd", "status"}});
    if (!st) return st.failure();
    return st->at("pending_ops").to_number<std::int64_t>();
  }
};

std::unique_ptr<Client> open_client(const std::filesystem::path& dir, const std::string& url) {
  ClientOptions o;
  o.data_dir = dir;
  o.server_url = url;
  o.connect_timeout = 3s;
  o.request_timeout = 15s;
  o.pull_limit = 5;  // many pages, so that crashes land between a page and the one asked for ahead
  auto c = Client::open(o);
  EXPECT_TRUE(c.ok()) << (c ? "" : c.error().message);
  return c ? std::move(*c) : nullptr;
}

using View = std::map<std::string, std::string>;  // "collection/id" -> row

template <class Core>
View view_of(Core& c) {
  View v;
  for (const char* collection : {"profiles", "threads", "messages", "templates", "plans", "plan_steps"}) {
    auto rows = c.list(collection);
    EXPECT_TRUE(rows.ok());
    if (rows)
      for (const auto& r : *rows) {
        const auto& id = r.contains("id") ? r.at("id") : r.at("key");  // templates are keyed by name
        v[std::string(collection) + "/" + std::string(id.as_string())] = json::serialize(r);
      }
  }
  return v;
}

// `wasm_devices`: how many of the candidates' devices are WebAssembly ones (the last ones).
void run_convergence(int wasm_devices) {
  std::uint64_t seed = std::getenv("PASSERELLE_SEED") ? std::strtoull(std::getenv("PASSERELLE_SEED"), nullptr, 10)
                                                      : std::random_device{}();
  std::cout << "network convergence seed: " << seed << " (replay with PASSERELLE_SEED=" << seed << ")\n";
  SCOPED_TRACE("PASSERELLE_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto chance = [&](int percent) { return std::uniform_int_distribution<int>(0, 99)(rng) < percent; };
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };

  passerelle::test::TestServer::Options opts;
  opts.keep_port = true;
  passerelle::test::TestServer server(opts);
  ASSERT_TRUE(server.ok()) << server.last_error();
  const std::string url = server.url();  // the same port across restarts
  passerelle::test::TempDir root;

  ASSERT_TRUE(server.create_user("admin@example.org", "Ada", "admin", kPassword));
  std::vector<Device> devices;
  for (int i = 0; i < 10; ++i) {
    bool coach = i < 2;
    Device d{(coach ? "coach" : "cand") + std::to_string(i) + "@example.org", "",
             coach ? protocol::Role::coach : protocol::Role::candidate, std::filesystem::path(root.path()) / std::to_string(i), nullptr, nullptr};
    ASSERT_TRUE(server.create_user(d.email, "Person " + std::to_string(i), coach ? "coach" : "candidate", kPassword));
    if (i >= 10 - wasm_devices) {
      d.node = std::make_unique<NodeDevice>(d.dir);
      ASSERT_TRUE(d.node->call({{"cmd", "open"}}).ok());
      auto u = d.node->call({{"cmd", "sign_in"}, {"server", url}, {"email", d.email}, {"password", kPassword}});
      ASSERT_TRUE(u.ok()) << u.error().message;
      d.id = std::string(u->at("user").at("id").as_string());
    } else {
      d.client = open_client(d.dir, url);
      auto u = d.client->login(d.email, kPassword);
      ASSERT_TRUE(u.ok()) << u.error().message;
      d.id = u->id;
    }
    devices.push_back(std::move(d));
  }
  auto admin = open_client(std::filesystem::path(root.path()) / "admin", server.url());
  ASSERT_TRUE(admin->login("admin@example.org", kPassword).ok());
  for (int i = 2; i < 10; ++i)
    ASSERT_TRUE(admin->mutate("caseload.assign", {{"candidate_id", devices[i].id}, {"coach_id", devices[i % 2].id},
                                                  {"thread_id", new_id()}}).ok());
  ASSERT_TRUE(admin->sync_once(30s).ok());

  bool server_up = true;
  int kills = 0, node_kills = 0, syncs_ok = 0, syncs_failed = 0;
  for (int round = 0; round < 25; ++round) {
    for (auto& d : devices) {
      for (int w = static_cast<int>(pick(3)); w > 0; --w) {
        auto threads = d.list("threads");
        ASSERT_TRUE(threads.ok()) << threads.error().message;
        if (!threads->empty() && chance(65)) {
          auto t = (*threads)[pick(threads->size())].at("id").as_string();
          ASSERT_TRUE(d.mutate("message.send", {{"id", new_id()}, {"thread_id", t}, {"body", "r" + std::to_string(round)}}).ok());
        } else if (chance(40)) {
          auto mine = d.list("messages", "author_id", d.id);
          if (mine && !mine->empty()) {
            ASSERT_TRUE(d.mutate("message.delete", {{"id", (*mine)[pick(mine->size())].at("id")}}).ok());
          }
        } else {
          ASSERT_TRUE(d.mutate("profile.update", {{"bio", "b" + std::to_string(round)}}).ok());
        }
      }
      if (d.node && chance(10)) {
        // The browser tab killed mid-sync (or just before, or just after): what the core said
        // was queued is on disk; the relaunched core carries on from there.
        d.node->sync_then_kill9(std::chrono::milliseconds(pick(250)));
        ++node_kills;
        ASSERT_TRUE(d.node->restart().ok()) << d.email << ": the WebAssembly device did not reopen";
      } else if (chance(40)) {
        // Fails while the server is down: the writes stay queued.
        auto began = std::chrono::steady_clock::now();
        if (d.sync(10s).ok()) ++syncs_ok;
        else ++syncs_failed;
        auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
        if (took > 1s) std::cout << "slow sync (" << (d.node ? "wasm" : "native") << ", server " << (server_up ? "up" : "down") << "): " << took.count() << " ms\n";
      }
      if (chance(4)) {  // the app is killed and reopened
        if (d.client) d.client = open_client(d.dir, url);
        else ASSERT_TRUE(d.node->restart().ok()) << d.email;
      }
    }
    if (server_up && chance(12)) {
      server.kill9();
      server_up = false;
      ++kills;
    } else if (!server_up && chance(50)) {
      ASSERT_TRUE(server.start()) << server.last_error();
      server_up = true;
    }
  }
  if (!server_up) {
    ASSERT_TRUE(server.start()) << server.last_error();
  }

  for (int pass = 0; pass < 2; ++pass)
    for (auto& d : devices) {
      auto s = d.sync(30s);
      ASSERT_TRUE(s.ok()) << d.email << ": " << s.error().message;
    }
  for (auto& d : devices) {
    auto pending = d.pending_ops();
    ASSERT_TRUE(pending.ok());
    EXPECT_EQ(*pending, 0) << d.email;
    // The truth: a brand-new device of the same person pulling everything from the server.
    auto fresh = open_client(std::filesystem::path(root.path()) / ("fresh-" + d.id), server.url());
    ASSERT_TRUE(fresh->login(d.email, kPassword).ok());
    ASSERT_TRUE(fresh->sync_once(30s).ok());
    // A WebAssembly device's rows are compared as the native ones: byte for byte, as JSON.
    View mine = view_of(d), truth = view_of(*fresh);
    std::vector<std::string> diff;
    for (auto& [k, v] : mine)
      if (!truth.count(k)) diff.push_back("extra " + k);
      else if (truth[k] != v) diff.push_back("stale " + k);
    for (auto& [k, v] : truth)
      if (!mine.count(k)) diff.push_back("missing " + k);
    EXPECT_TRUE(diff.empty()) << d.email << " diverged on " << diff.size() << " rows, first: " << (diff.empty() ? "" : diff[0]);
  }
  long long messages = server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages' AND deleted = 0");
  long long sends = server.count("SELECT COUNT(*) FROM sync_ops WHERE name = 'message.send' AND status = 'applied'");
  long long deletes = server.count("SELECT COUNT(*) FROM sync_ops WHERE name = 'message.delete' AND status = 'applied'");
  std::cout << "server kills: " << kills << ", WebAssembly device kills: " << node_kills << ", syncs ok: " << syncs_ok << ", failed (server down): " << syncs_failed
            << ", applied sends: " << sends << ", deletes: " << deletes << "\n";
  EXPECT_GT(sends, 50);
  EXPECT_EQ(messages, sends - deletes) << "each applied send is one message, each applied delete removed one";
  if (wasm_devices > 0) {
    EXPECT_GT(node_kills, 0) << "no WebAssembly device was killed: raise the odds";
  }
}

}  // namespace

TEST(ConvergenceOverTheNetwork, RandomWritesDisconnectsAndServerCrashes) { run_convergence(0); }

TEST(ConvergenceOverTheNetwork, NativeAndWebAssemblyDevices) {
  ASSERT_TRUE(std::filesystem::exists(PASSERELLE_WASM_NODE_CORE))
      << PASSERELLE_WASM_NODE_CORE << " is missing: scripts/build.sh builds it (the WebAssembly build, wasm/)";
  run_convergence(3);
}
