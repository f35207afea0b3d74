// Randomized, seeded convergence over the network: ten client cores (two coaches, eight
// candidates) write at random while they connect only now and then, and the server process is
// killed (kill -9) and restarted at random. At the end every device's view equals what a fresh
// device of the same user pulls from the server, every device's outbox is empty, and the server
// holds each applied message exactly once. Replay a failure with PASSERELLE_SEED=<seed>.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "passerelle/client.h"
#include "passerelle/shared/ids.h"
#include "passerelle/test/test_server.h"

namespace {

using namespace passerelle;
using namespace passerelle::client;
using namespace std::chrono_literals;
namespace json = boost::json;
const std::string kPassword = "correct horse battery";


struct Device {
  std::string email, id;
  protocol::Role role;
  std::filesystem::path dir;
  std::unique_ptr<Client> client;
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

View view_of(Client& c) {
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

}  // namespace

TEST(ConvergenceOverTheNetwork, RandomWritesDisconnectsAndServerCrashes) {
  std::uint64_t seed = std::getenv("PASSERELLE_SEED") ? std::strtoull(std::getenv("PASSERELLE_SEED"), nullptr, 10)
                                                      : std::random_device{}();
  std::cout << "network convergence seed: " << seed << " (replay with PASSERELLE_SEED=" << seed << ")\n";
  SCOPED_TRACE("PASSERELLE_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto chance = [&](int percent) { return std::uniform_int_distribution<int>(0, 99)(rng) < percent; };
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };

  passerelle::test::TestServer::Options opts;
  opts.extra_args = {"--listen", "127.0.0.1:" + std::to_string(passerelle::test::free_loopback_port())};
  passerelle::test::TestServer server(opts);
  ASSERT_TRUE(server.ok()) << server.last_error();
  const std::string url = server.url();  // the same port across restarts
  passerelle::test::TempDir root;

  ASSERT_TRUE(server.create_user("admin@example.org", "Ada", "admin", kPassword));
  std::vector<Device> devices;
  for (int i = 0; i < 10; ++i) {
    bool coach = i < 2;
    Device d{(coach ? "coach" : "cand") + std::to_string(i) + "@example.org", "",
             coach ? protocol::Role::coach : protocol::Role::candidate, std::filesystem::path(root.path()) / std::to_string(i), nullptr};
    ASSERT_TRUE(server.create_user(d.email, "Person " + std::to_string(i), coach ? "coach" : "candidate", kPassword));
    d.client = open_client(d.dir, url);
    auto u = d.client->login(d.email, kPassword);
    ASSERT_TRUE(u.ok()) << u.error().message;
    d.id = u->id;
    devices.push_back(std::move(d));
  }
  auto admin = open_client(std::filesystem::path(root.path()) / "admin", server.url());
  ASSERT_TRUE(admin->login("admin@example.org", kPassword).ok());
  for (int i = 2; i < 10; ++i)
    ASSERT_TRUE(admin->mutate("caseload.assign", {{"candidate_id", devices[i].id}, {"coach_id", devices[i % 2].id},
                                                  {"thread_id", new_id()}}).ok());
  ASSERT_TRUE(admin->sync_once(30s).ok());

  bool server_up = true;
  int kills = 0, syncs_ok = 0, syncs_failed = 0;
  for (int round = 0; round < 25; ++round) {
    for (auto& d : devices) {
      for (int w = static_cast<int>(pick(3)); w > 0; --w) {
        auto threads = d.client->list("threads");
        ASSERT_TRUE(threads.ok());
        if (!threads->empty() && chance(65)) {
          auto t = (*threads)[pick(threads->size())].at("id").as_string();
          ASSERT_TRUE(d.client->mutate("message.send", {{"id", new_id()}, {"thread_id", t}, {"body", "r" + std::to_string(round)}}).ok());
        } else if (chance(40)) {
          auto mine = d.client->list("messages", "author_id", d.id);
          if (mine && !mine->empty()) {
            ASSERT_TRUE(d.client->mutate("message.delete", {{"id", (*mine)[pick(mine->size())].at("id")}}).ok());
          }
        } else {
          ASSERT_TRUE(d.client->mutate("profile.update", {{"bio", "b" + std::to_string(round)}}).ok());
        }
      }
      if (chance(40)) {
        // Fails while the server is down: the writes stay queued.
        if (d.client->sync_once(10s).ok()) ++syncs_ok;
        else ++syncs_failed;
      }
      if (chance(4)) d.client = open_client(d.dir, url);  // the app is killed and reopened
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
      auto s = d.client->sync_once(30s);
      ASSERT_TRUE(s.ok()) << d.email << ": " << s.error().message;
    }
  for (auto& d : devices) {
    auto st = d.client->status();
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st->pending_ops, 0) << d.email;
    // The truth: a brand-new device of the same person pulling everything from the server.
    auto fresh = open_client(std::filesystem::path(root.path()) / ("fresh-" + d.id), server.url());
    ASSERT_TRUE(fresh->login(d.email, kPassword).ok());
    ASSERT_TRUE(fresh->sync_once(30s).ok());
    View mine = view_of(*d.client), truth = view_of(*fresh);
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
  std::cout << "server kills: " << kills << ", syncs ok: " << syncs_ok << ", failed (server down): " << syncs_failed
            << ", applied sends: " << sends << ", deletes: " << deletes << "\n";
  EXPECT_GT(sends, 50);
  EXPECT_EQ(messages, sends - deletes) << "each applied send is one message, each applied delete removed one";
}
