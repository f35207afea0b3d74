// kill -9 of the `passerelle` CLI at random points of its sync while it holds queued offline
// writes (docs/faults.md).
//
// Each round queues 5 to 25 messages with `passerelle send` (each one, once the command said
// "queued", goes into a fdatasync'ed ledger: the device acknowledged it), then runs
// `passerelle sync` and SIGKILLs it after a random delay drawn over the length of a whole sync,
// so kills land in start-up, the push, the outbox update, the pull and its apply. After a kill
// the device's SQLite files must pass PRAGMA integrity_check; then, half of the time, a sync
// runs to the end (else the next round's sync is the one recovering). Half of the rounds also
// kill a `send` within its first 40 ms: that write was never confirmed, so it may reach the
// server once or not at all. At the end: nothing pending, nothing rejected, every queued write
// on the server exactly once, and nothing else there but the killed sends that had queued.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "fault_run.h"
#include "passerelle/shared/ids.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/test_server.h"

#ifndef PASSERELLE_CLI_PATH
#error "PASSERELLE_CLI_PATH must be defined by the build"
#endif

namespace passerelle::faults {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::TestServer;

constexpr const char* kBodyPrefix = "queued write ";

// The device: the CLI on one data directory.
struct Device {
  std::string data_dir;
  test::ProcessResult run(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s,
                          const std::string& input = "") const {
    std::vector<std::string> argv{PASSERELLE_CLI_PATH, "--data", data_dir};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_process(argv, input, timeout, {{"PASSERELLE_SERVER", ""}, {"PASSERELLE_DATA", ""}});
  }
  // Every SQLite file of the device, with a verdict other than "ok" when one is damaged.
  std::vector<std::string> damaged_files() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(data_dir, ec))
      if (e.path().extension() == ".sqlite")
        if (auto v = integrity_check(e.path().string()); v != "ok") out.push_back(e.path().string() + ": " + v);
    return out;
  }
};

TEST(ClientKills, EveryQueuedWriteReachesTheServerExactlyOnce) {
  const int kills = options().kills_or(5, 50);
  auto rng = make_rng();
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_FALSE(server.on_postgresql()) << "the fault harness reads the SQLite file";
  ASSERT_TRUE(server.create_user("coach@example.org", "Coach", "coach", test::kTestPassword)) << server.last_error();
  ASSERT_TRUE(server.create_user("device@example.org", "Device", "candidate", test::kTestPassword)) << server.last_error();
  std::string thread = new_id();
  {
    auto coach = test::sign_in(server, "coach@example.org");
    auto candidate = test::sign_in(server, "device@example.org");
    auto answer = test::push(coach, {test::op("caseload.assign",
                                              {{"candidate_id", candidate.id}, {"coach_id", coach.id}, {"thread_id", thread}})});
    ASSERT_EQ(answer["ok"], true) << json::serialize(answer);
  }

  test::TempDir dir;
  Device device{dir.path() + "/device"};
  auto login = device.run({"--server", server.url(), "login", "--email", "device@example.org"}, 30s,
                          std::string(test::kTestPassword) + "\n");
  ASSERT_EQ(login.exit_code, 0) << login.err;
  auto first = device.run({"sync"});
  ASSERT_EQ(first.exit_code, 0) << first.err;

  Ledger ledger(dir.path() + "/queued.log");
  ASSERT_TRUE(ledger.ok());
  // A whole sync lasts `window`; kills are drawn over it. Measured again at every whole sync.
  std::chrono::milliseconds window = 150ms;
  auto whole_sync = [&]() -> bool {
    auto started = Clock::now();
    auto r = device.run({"sync"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    window = std::max(20ms, took + took / 4);
    return r.exit_code == 0;
  };

  int killed = 0, finished_first = 0, rounds = 0;
  std::size_t queued = 0;
  // `send` killed too, now and then: such a write was never confirmed, so it may be on the
  // server once or not at all, never twice, and the device's files must stay sound.
  std::vector<std::string> unconfirmed;
  std::uniform_int_distribution<int> batch(5, 25), coin(0, 1), send_kill(1, 40);
  while (killed < kills && rounds < 8 * kills) {
    ++rounds;
    for (int i = 0, n = batch(rng); i < n; ++i) {
      std::string id = new_id();
      auto sent = device.run({"send", thread, kBodyPrefix + id});
      ASSERT_EQ(sent.exit_code, 0) << sent.err;
      ASSERT_EQ(sent.out.rfind("queued: ", 0), 0u) << sent.out;
      ASSERT_TRUE(ledger.record({id}));
      ++queued;
    }
    if (coin(rng) == 1) {
      std::string id = new_id();
      auto sent = device.run({"send", thread, kBodyPrefix + id}, std::chrono::milliseconds(send_kill(rng)));
      if (sent.timed_out) {
        unconfirmed.push_back(id);
        auto damaged = device.damaged_files();
        EXPECT_TRUE(damaged.empty()) << "after a killed send: " << damaged.front();
      } else {
        ASSERT_EQ(sent.exit_code, 0) << sent.err;
        ASSERT_TRUE(ledger.record({id}));
        ++queued;
      }
    }
    auto delay = std::chrono::milliseconds(std::uniform_int_distribution<long>(1, window.count())(rng));
    auto sync = device.run({"sync"}, delay);
    if (!sync.timed_out) {
      // It finished before the kill: fine, and the window was too long.
      ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
      ++finished_first;
      continue;
    }
    ++killed;
    auto damaged = device.damaged_files();
    EXPECT_TRUE(damaged.empty()) << "after kill " << killed << ": " << damaged.front();
    if (coin(rng) == 1) {
      ASSERT_TRUE(whole_sync());
    }
  }
  ASSERT_TRUE(whole_sync());
  ASSERT_TRUE(whole_sync());  // the receipts the last one queued, and nothing more to do

  auto status = device.run({"status", "--offline"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("pending:   0 ops queued"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("rejected:  0"), std::string::npos) << status.out;

  server.stop();
  EXPECT_EQ(integrity_check(server.db_path()), "ok");
  std::string error;
  auto counts = message_body_counts(server.db_path(), &error);
  ASSERT_TRUE(error.empty()) << error;
  auto t = tally(ledger.read(), counts, kBodyPrefix);
  std::size_t rows = 0, unconfirmed_present = 0;
  for (const auto& [body, n] : counts) rows += n;
  for (const auto& id : unconfirmed) {
    auto it = counts.find(kBodyPrefix + id);
    int n = it == counts.end() ? 0 : it->second;
    EXPECT_LE(n, 1) << "a killed send reached the server " << n << " times: " << id;
    unconfirmed_present += n > 0 ? 1 : 0;
  }
  std::cout << "client kills: " << killed << " kills (" << finished_first << " syncs finished before their kill), "
            << unconfirmed.size() << " sends killed (" << unconfirmed_present << " of them had queued), "
            << t.acknowledged << " writes queued, " << t.lost << " lost, " << t.duplicated << " duplicated; " << rows
            << " message rows on the server" << std::endl;
  std::string examples;
  for (const auto& e : t.examples) examples += "\n  " + e;
  EXPECT_EQ(killed, kills) << "too many syncs finished before their kill";
  EXPECT_EQ(t.acknowledged, queued);
  EXPECT_EQ(t.lost, 0u) << examples;
  EXPECT_EQ(t.duplicated, 0u) << examples;
  EXPECT_EQ(rows, queued + unconfirmed_present) << "the server holds messages nobody queued";
  auto numbering = numbering_problems(server.db_path());
  EXPECT_TRUE(numbering.empty()) << numbering.front();
}

}  // namespace
}  // namespace passerelle::faults
