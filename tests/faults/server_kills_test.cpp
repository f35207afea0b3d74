// kill -9 of the server while 50 devices write (docs/faults.md).
//
// Each device pushes message.send ops (1 to 4 per push, each with its own op_id and message
// id, the op_id written into the body) and, once the server answered `applied`, appends the
// op ids to a fdatasync'ed ledger. The driver kills the server at random moments and restarts
// it on the same database and port; the devices reconnect (auth.resume) and push their
// unanswered batch again with the SAME op ids. After every restart: PRAGMA integrity_check is
// ok, and every op acknowledged by a server that is now dead is in the database exactly once.
// At the end the same holds for every acknowledged op, and each thread's numbering is 1..n.
//
// The control run starts the server with --unsafe-ack-before-commit and must find loss.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "fault_run.h"
#include "passerelle/shared/ids.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/raw_ws_client.h"
#include "passerelle/test/test_server.h"

namespace passerelle::faults {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::RawWsClient;
using test::TestServer;

constexpr int kDevices = 50;
constexpr const char* kBodyPrefix = "fault op ";

struct Account {
  std::string id, token, thread;
};

// What the driver and the device threads share.
struct Shared {
  std::uint16_t port = 0;
  Ledger* ledger = nullptr;
  std::atomic<bool> stop_writing{false};
  Clock::time_point deadline;
};

struct DeviceReport {
  std::size_t acked = 0, pushes = 0, connections = 0, resent = 0, throttled = 0;
  std::string failure;  // empty: the device did its part
};

// One device: a loop of pushes; a batch stays pending, op ids and all, until it is answered.
class Device {
 public:
  Device(Shared& shared, Account account, std::uint32_t seed) : shared_(shared), account_(std::move(account)), rng_(seed) {}

  void run() {
    std::vector<json::object> pending;
    bool resending = false;
    for (;;) {
      if (Clock::now() > shared_.deadline) return fail("still writing at the deadline");
      if (pending.empty()) {
        if (shared_.stop_writing) return;
        int n = std::uniform_int_distribution<int>(1, 4)(rng_);
        for (int i = 0; i < n; ++i) {
          std::string op_id = new_id();
          pending.push_back({{"op_id", op_id},
                             {"name", "message.send"},
                             {"args", {{"id", new_id()}, {"thread_id", account_.thread}, {"body", kBodyPrefix + op_id}}}});
        }
        resending = false;
        set_unanswered(pending);
      }
      if (!ws_ && !connect()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(10, 40)(rng_)));
        continue;
      }
      if (resending) ++report.resent;
      json::array ops(pending.begin(), pending.end());
      auto answer = ws_->call(next_id_++, "push", {{"ops", std::move(ops)}}, 10s);
      ++report.pushes;
      if (answer.empty() || (answer["ok"] != true && test::code_of(answer) == "internal")) {
        // Killed under us (or "push them again"): the batch may or may not be committed.
        ws_.reset();
        resending = true;
        continue;
      }
      if (answer["ok"] != true && test::code_of(answer) == "rate_limited") {
        // 50 devices on one address may meet the abuse limits: wait, then the same batch.
        ++report.throttled;
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 200)(rng_)));
        resending = true;
        continue;
      }
      if (answer["ok"] != true) return fail("push refused: " + json::serialize(answer));
      const auto* results = answer.if_contains("results");
      if (!results || !results->is_array() || results->as_array().size() != pending.size())
        return fail("push answer does not answer each op: " + json::serialize(answer));
      std::vector<std::string> ids;
      for (std::size_t i = 0; i < pending.size(); ++i) {
        const auto& r = results->as_array()[i].as_object();
        if (r.at("op_id") != pending[i].at("op_id") || r.at("status") != "applied")
          return fail("op not applied: " + json::serialize(r));
        ids.emplace_back(r.at("op_id").as_string());
      }
      if (!shared_.ledger->record(ids)) return fail("cannot write the ledger " + shared_.ledger->path());
      report.acked += ids.size();
      pending.clear();
      set_unanswered(pending);
    }
  }

  // The op ids of the batch this device has not had answered (for the driver, at a kill).
  std::vector<std::string> unanswered() const {
    std::lock_guard lock(unanswered_mutex_);
    return unanswered_;
  }

  DeviceReport report;

 private:
  void set_unanswered(const std::vector<json::object>& batch) {
    std::lock_guard lock(unanswered_mutex_);
    unanswered_.clear();
    for (const auto& op : batch) unanswered_.emplace_back(op.at("op_id").as_string());
  }

  void fail(std::string why) { report.failure = account_.id + ": " + std::move(why); }

  bool connect() {
    auto ws = std::make_unique<RawWsClient>();
    if (!ws->connect(shared_.port, "/v1/ws", 2s)) return false;
    if (ws->call(1, "hello", {{"protocol", 1}}, 5s)["ok"] != true) return false;
    auto resumed = ws->call(2, "auth.resume", {{"token", account_.token}}, 5s);
    if (resumed["ok"] != true) {
      // A session the server acknowledged at login must survive every crash.
      if (test::code_of(resumed) == "unauthenticated") fail("session lost: " + json::serialize(resumed));
      return false;
    }
    ws_ = std::move(ws);
    ++report.connections;
    return true;
  }

  Shared& shared_;
  Account account_;
  std::mt19937 rng_;
  std::unique_ptr<RawWsClient> ws_;
  mutable std::mutex unanswered_mutex_;
  std::vector<std::string> unanswered_;
  std::int64_t next_id_ = 10;
};

struct RunResult {
  int kills = 0;
  int integrity_failures = 0;
  std::size_t lost_seen_at_restart = 0;  // the largest loss found by a check after a restart
  // Ops unanswered when their server died, and those of them it had committed: the retry of
  // these must get the recorded answer, not a second message.
  std::size_t unanswered_at_kills = 0, committed_unanswered = 0;
  Tally final;
  std::vector<std::string> numbering;
  std::vector<std::string> device_failures;
  std::size_t pushes = 0, resent = 0, connections = 0, throttled = 0;
};

// Everything of a run but the verdict, which each test states.
void run_kills(bool control, int kills, RunResult& out) {
  auto rng = make_rng();
  TestServer::Options opt;
  opt.keep_port = true;
  if (control) opt.extra_args.push_back("--unsafe-ack-before-commit");
  TestServer server(opt);
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_FALSE(server.on_postgresql()) << "the fault harness reads the SQLite file";

  // One coach; 50 candidates, each with a coaching thread.
  ASSERT_TRUE(server.create_user("coach@example.org", "Coach", "coach", test::kTestPassword)) << server.last_error();
  std::vector<Account> accounts(kDevices);
  for (int i = 0; i < kDevices; ++i) {
    std::string email = "device" + std::to_string(i) + "@example.org";
    ASSERT_TRUE(server.create_user(email, "Device " + std::to_string(i), "candidate", test::kTestPassword))
        << server.last_error();
    auto p = test::sign_in(server, email);
    ASSERT_FALSE(p.token.empty());
    accounts[i] = {p.id, p.token, new_id()};
  }
  {
    auto coach = test::sign_in(server, "coach@example.org");
    json::array assign;
    for (const auto& a : accounts)
      assign.push_back(test::op("caseload.assign", {{"candidate_id", a.id}, {"coach_id", coach.id}, {"thread_id", a.thread}}));
    auto answer = test::push(coach, std::move(assign));
    ASSERT_EQ(answer["ok"], true) << json::serialize(answer);
    for (const auto& r : answer.at("results").as_array()) ASSERT_EQ(r.at("status"), "applied") << json::serialize(r);
  }

  Ledger ledger(server.data_dir() + "/acknowledged.log");
  ASSERT_TRUE(ledger.ok());
  Shared shared;
  shared.port = server.port();
  shared.ledger = &ledger;
  // A kill lands between a commit and its answer only by chance (the window is short, shorter
  // still on a loaded machine): the real run goes on killing, up to three times as often, until
  // one has, so the retry path is always tried. The control run stops at its first loss.
  const int max_kills = control ? kills : 3 * kills;
  shared.deadline = Clock::now() + std::chrono::seconds(60 + 6 * max_kills);
  std::vector<std::unique_ptr<Device>> devices;
  std::vector<std::thread> threads;
  for (int i = 0; i < kDevices; ++i) devices.push_back(std::make_unique<Device>(shared, accounts[i], rng()));
  for (auto& d : devices) threads.emplace_back([&d] { d->run(); });

  // Mostly mid-traffic, sometimes right after start (recovery, reconnection storm).
  std::uniform_int_distribution<int> busy(150, 900), early(0, 60), down(0, 150), pick(0, 4);
  for (int k = 0; k < kills || (k < max_kills && out.committed_unanswered == 0); ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pick(rng) == 0 ? early(rng) : busy(rng)));
    server.kill9();
    ++out.kills;
    auto acked_by_dead_servers = ledger.read();
    std::vector<std::string> unanswered;
    for (const auto& d : devices)
      for (auto& id : d->unanswered()) unanswered.push_back(std::move(id));
    {
      // Read while no server runs: a retry cannot have committed them yet.
      std::string error;
      auto before = message_body_counts(server.db_path(), &error);
      if (!error.empty()) ADD_FAILURE() << "after kill " << k + 1 << ": " << error;
      out.unanswered_at_kills += unanswered.size();
      for (const auto& id : unanswered) out.committed_unanswered += before.count(kBodyPrefix + id);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(down(rng)));
    if (!server.start()) {
      ADD_FAILURE() << "restart " << k + 1 << " failed: " << server.last_error();
      break;
    }
    std::string verdict = integrity_check(server.db_path());
    if (verdict != "ok") {
      ++out.integrity_failures;
      ADD_FAILURE() << "after kill " << k + 1 << ": PRAGMA integrity_check says " << verdict;
    }
    std::string error;
    auto counts = message_body_counts(server.db_path(), &error);
    if (!error.empty()) {
      ADD_FAILURE() << "after kill " << k + 1 << ": " << error;  // not ASSERT: the devices must be joined
      break;
    }
    auto t = tally(acked_by_dead_servers, counts, kBodyPrefix);
    out.lost_seen_at_restart = std::max(out.lost_seen_at_restart, t.lost);
    std::cout << "kill " << k + 1 << ": integrity " << verdict << ", " << t.acknowledged << " acknowledged so far, "
              << t.lost << " lost, " << t.duplicated << " duplicated" << std::endl;
    if (control && t.lost > 0) break;  // the control has shown what it must show
  }
  std::this_thread::sleep_for(300ms);  // traffic against the last server too
  shared.stop_writing = true;
  for (auto& t : threads) t.join();
  server.stop();  // a clean stop: every batch commits

  for (const auto& d : devices) {
    out.pushes += d->report.pushes;
    out.resent += d->report.resent;
    out.connections += d->report.connections;
    out.throttled += d->report.throttled;
    if (!d->report.failure.empty()) out.device_failures.push_back(d->report.failure);
  }
  std::string verdict = integrity_check(server.db_path());
  if (verdict != "ok") {
    ++out.integrity_failures;
    ADD_FAILURE() << "at the end: PRAGMA integrity_check says " << verdict;
  }
  std::string error;
  auto counts = message_body_counts(server.db_path(), &error);
  ASSERT_TRUE(error.empty()) << error;
  out.final = tally(ledger.read(), counts, kBodyPrefix);
  out.numbering = numbering_problems(server.db_path());
  std::size_t rows = 0;
  for (const auto& [body, n] : counts) rows += n;
  std::cout << (control ? "control run" : "server kills") << ": " << out.kills << " kills, " << out.final.acknowledged
            << " ops acknowledged, " << out.final.lost << " lost, " << out.final.duplicated << " duplicated; "
            << rows << " message rows; " << out.pushes << " pushes, " << out.resent << " batches pushed again, "
            << out.connections << " connections; " << out.unanswered_at_kills << " ops unanswered at the kills, "
            << out.committed_unanswered << " of them committed; " << out.throttled << " pushes rate_limited; integrity failures " << out.integrity_failures << std::endl;
  for (const auto& e : out.final.examples) std::cout << "  " << e << std::endl;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += "\n  " + l;
  return s;
}

TEST(ServerKills, EveryAcknowledgedOpIsPresentExactlyOnce) {
  int kills = options().kills_or(5, 50);
  RunResult r;
  run_kills(false, kills, r);
  if (HasFatalFailure()) return;
  EXPECT_GE(r.kills, kills);
  EXPECT_EQ(r.integrity_failures, 0);
  EXPECT_GT(r.final.acknowledged, 0u);
  EXPECT_EQ(r.lost_seen_at_restart, 0u);
  EXPECT_EQ(r.final.lost, 0u) << joined(r.final.examples);
  EXPECT_EQ(r.final.duplicated, 0u) << joined(r.final.examples);
  EXPECT_TRUE(r.numbering.empty()) << joined(r.numbering);
  EXPECT_TRUE(r.device_failures.empty()) << joined(r.device_failures);
  EXPECT_GT(r.resent, 0u) << "no push was ever interrupted: the kills missed the traffic";
  EXPECT_GT(r.committed_unanswered, 0u) << "no kill fell between a commit and its answer: the retry path was not tried";
}

// The same harness against a server that answers before it commits: it must see the loss.
TEST(ServerKills, ControlRunAnsweringBeforeCommitIsCaughtLosingOps) {
  RunResult r;
  run_kills(true, options().kills_or(10, 10), r);
  if (HasFatalFailure()) return;
  EXPECT_EQ(r.integrity_failures, 0);
  EXPECT_GT(r.final.lost, 0u) << "the harness did not detect the loss it was built to detect";
  EXPECT_TRUE(r.device_failures.empty()) << joined(r.device_failures);
}

}  // namespace
}  // namespace passerelle::faults
