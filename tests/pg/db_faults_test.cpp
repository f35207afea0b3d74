// PostgreSQL goes away under a running server (docs/faults.md, "PostgreSQL goes away"):
// `pg_ctl restart -m fast` under 20 writing devices (5 times by default), pg_terminate_backend
// of each server connection in turn and then of all at once, PostgreSQL stopped for 30 s
// (PASSERELLE_PG_DOWN_SECONDS shortens it for a dev run) then started, and two instances of
// which one has its connections cut while the other keeps serving.
//
// Each device pushes message.send ops (1 to 4 per push, the op_id in the body) and keeps a
// batch, op ids and all, until the server answered it `applied`; an `internal` answer must
// come at once (never a hang) and, while the database is down, carry retry_after_ms; the device
// waits that long and pushes the SAME batch again. After each fault: /healthz answers 200 and
// a new push is acknowledged within 5 s of the database being back. At the end every
// acknowledged op is in the database exactly once.
//
// Runs under tests/pg/run-pg.sh (PASSERELLE_TEST_PG_CTL stops and starts its cluster).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "passerelle/shared/ids.h"
#include "passerelle/test/http_client.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/raw_ws_client.h"
#include "passerelle/test/test_server.h"

namespace {

namespace json = boost::json;
using namespace passerelle::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using passerelle::new_id;

constexpr int kDevices = 20;
constexpr const char* kBodyPrefix = "pg fault op ";
// The figure: service back within 5 s of the database.
constexpr auto kBackWithin = 5s;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// Runs the cluster's control script (run-pg.sh): stop | start | restart.
bool pg_ctl(const std::string& what) {
  const char* ctl = std::getenv("PASSERELLE_TEST_PG_CTL");
  if (!ctl) return false;
  auto r = run_process({"/bin/bash", ctl, what}, {}, 90s);
  if (r.exit_code != 0) std::cerr << "ctl " << what << " failed: " << r.out << r.err << std::endl;
  return r.exit_code == 0;
}

// The rows of one query, first column of each, through libpq (the test's own connection).
std::vector<std::pair<std::string, long>> query_pairs(const std::string& url, const std::string& sql, std::string* error) {
  std::vector<std::pair<std::string, long>> out;
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    *error = PQerrorMessage(c);
    PQfinish(c);
    return out;
  }
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) *error = PQresultErrorMessage(r);
  else
    for (int i = 0; i < PQntuples(r); ++i)
      out.emplace_back(PQgetvalue(r, i, 0), PQnfields(r) > 1 ? std::atol(PQgetvalue(r, i, 1)) : 0);
  PQclear(r);
  PQfinish(c);
  return out;
}

// Terminates the backends of connections named `app` (application_name): the oldest one, or all.
long terminate(const std::string& app, bool all) {
  auto admin = test_postgresql_url();
  std::string pick = "SELECT pid FROM pg_stat_activity WHERE application_name = '" + app +
                     "' AND pid <> pg_backend_pid() ORDER BY backend_start" + (all ? "" : " LIMIT 1");
  return postgresql_count(*admin, "SELECT count(pg_terminate_backend(pid)) FROM (" + pick + ") p");
}

long backends(const std::string& app) {
  return postgresql_count(*test_postgresql_url(),
                          "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app + "'");
}

// The database URL `url` with an application_name, so a test can find one instance's backends.
std::string named(const std::string& url, const std::string& app) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=" + app;
}

struct Account {
  std::string id, token, thread;
};

// What devices and driver share.
struct Run {
  std::mutex mutex;
  std::set<std::string> acked;  // op ids answered `applied`
  std::atomic<bool> stop{false};
  std::atomic<long> internal_answers{0}, hinted{0}, hangs{0};
  std::vector<std::string> failures;
  Clock::time_point deadline;
  void fail(std::string why) {
    std::lock_guard lock(mutex);
    if (failures.size() < 20) failures.push_back(std::move(why));
  }
};

// One device: pushes until told to stop; a batch stays pending until answered `applied`.
class Device {
 public:
  Device(Run& run, std::uint16_t port, Account account, std::uint32_t seed)
      : run_(run), port_(port), account_(std::move(account)), rng_(seed) {}

  std::atomic<long> acked{0};

  void operator()() {
    std::vector<json::object> pending;
    while (Clock::now() < run_.deadline) {
      if (pending.empty()) {
        if (run_.stop) return;
        int n = std::uniform_int_distribution<int>(1, 4)(rng_);
        for (int i = 0; i < n; ++i) {
          std::string op_id = new_id();
          pending.push_back({{"op_id", op_id},
                             {"name", "message.send"},
                             {"args", {{"id", new_id()}, {"thread_id", account_.thread}, {"body", kBodyPrefix + op_id}}}});
        }
      }
      if (!ws_ && !connect()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 150)(rng_)));
        continue;
      }
      auto answer = ws_->call(next_id_++, "push", {{"ops", json::array(pending.begin(), pending.end())}}, 15s);
      if (answer.empty()) {
        run_.hangs.fetch_add(1);  // no answer in 15 s (or the connection closed)
        ws_.reset();
        continue;
      }
      if (answer["ok"] != true) {
        std::string code = code_of(answer);
        if (code == "internal") {
          // Outcome unknown: the same batch again, after the hint when there is one.
          run_.internal_answers.fetch_add(1);
          auto wait = 100ms;
          if (const auto* hint = answer["error"].as_object().if_contains("retry_after_ms")) {
            run_.hinted.fetch_add(1);
            wait = std::chrono::milliseconds(hint->to_number<long>());
          }
          std::this_thread::sleep_for(wait);
          continue;
        }
        if (code == "rate_limited") {
          std::this_thread::sleep_for(100ms);
          continue;
        }
        run_.fail(account_.id + ": push refused: " + json::serialize(answer));
        return;
      }
      const auto& results = answer.at("results").as_array();
      if (results.size() != pending.size()) {
        run_.fail(account_.id + ": push answer does not answer each op: " + json::serialize(answer));
        return;
      }
      std::lock_guard lock(run_.mutex);
      for (std::size_t i = 0; i < pending.size(); ++i) {
        const auto& r = results[i].as_object();
        if (r.at("status") != "applied") {
          run_.failures.push_back("op not applied: " + json::serialize(r));
          return;
        }
        run_.acked.insert(std::string(r.at("op_id").as_string()));
      }
      acked.fetch_add(static_cast<long>(pending.size()));
      pending.clear();
    }
    if (!pending.empty() || !run_.stop) run_.fail(account_.id + ": still writing at the deadline");
  }

 private:
  bool connect() {
    auto ws = std::make_unique<RawWsClient>();
    if (!ws->connect(port_, "/v1/ws", 2s)) return false;
    if (ws->call(1, "hello", {{"protocol", 1}}, 5s)["ok"] != true) return false;
    auto resumed = ws->call(2, "auth.resume", {{"token", account_.token}}, 15s);
    if (resumed.empty()) run_.hangs.fetch_add(1);
    if (resumed["ok"] != true) {
      if (code_of(resumed) == "unauthenticated") run_.fail(account_.id + ": session lost: " + json::serialize(resumed));
      return false;
    }
    ws_ = std::move(ws);
    return true;
  }

  Run& run_;
  std::uint16_t port_;
  Account account_;
  std::mt19937 rng_;
  std::unique_ptr<RawWsClient> ws_;
  std::int64_t next_id_ = 10;
};

// One instance with its own application_name, on the database `url`.
std::unique_ptr<TestServer> start_instance(const std::string& url, const std::string& app) {
  TestServer::Options opt;
  opt.db = named(url, app);
  opt.keep_port = true;  // the writers reconnect to the same address after a restart
  return std::make_unique<TestServer>(opt);
}

// Accounts for `n` devices, each a candidate with a coaching thread.
std::vector<Account> make_accounts(TestServer& server, int n, const std::string& tag) {
  std::vector<Account> accounts(n);
  EXPECT_TRUE(server.create_user("coach-" + tag + "@example.org", "Coach", "coach", kTestPassword)) << server.last_error();
  for (int i = 0; i < n; ++i) {
    std::string email = "pgfault-" + tag + std::to_string(i) + "@example.org";
    EXPECT_TRUE(server.create_user(email, "Device " + std::to_string(i), "candidate", kTestPassword)) << server.last_error();
    auto p = sign_in(server, email);
    accounts[i] = {p.id, p.token, new_id()};
  }
  auto coach = sign_in(server, "coach-" + tag + "@example.org");
  json::array assign;
  for (const auto& a : accounts)
    assign.push_back(op("caseload.assign", {{"candidate_id", a.id}, {"coach_id", coach.id}, {"thread_id", a.thread}}));
  auto answer = push(coach, std::move(assign));
  EXPECT_EQ(answer["ok"], true) << json::serialize(answer);
  return accounts;
}

// Bounded: /healthz of `port` answers `status` (polled every 50 ms).
bool wait_health(std::uint16_t port, int status, std::chrono::milliseconds within) {
  auto until = Clock::now() + within;
  while (Clock::now() < until) {
    if (http_get(port, "/healthz", 2s).status == status) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// After the database is back: how long until /healthz says 200 and a new push is acknowledged
// by `server`; nullopt when not within `within`.
std::optional<std::chrono::milliseconds> time_to_service(TestServer& server, Account& probe, std::chrono::milliseconds within) {
  auto start = Clock::now();
  auto until = start + within;
  bool healthy = false, pushed = false;
  while (Clock::now() < until && !(healthy && pushed)) {
    if (!healthy) healthy = http_get(server.port(), "/healthz", 1s).status == 200;
    if (!pushed) {
      RawWsClient ws;
      if (ws.connect(server.port(), "/v1/ws", 1s) && ws.call(1, "hello", {{"protocol", 1}}, 2s)["ok"] == true &&
          ws.call(2, "auth.resume", {{"token", probe.token}}, 2s)["ok"] == true) {
        std::string op_id = new_id();
        json::array ops{json::object{{"op_id", op_id}, {"name", "message.send"},
                                     {"args", {{"id", new_id()}, {"thread_id", probe.thread}, {"body", "probe " + op_id}}}}};
        auto a = ws.call(3, "push", {{"ops", std::move(ops)}}, 2s);
        pushed = a["ok"] == true;
      }
    }
    if (!(healthy && pushed)) std::this_thread::sleep_for(50ms);
  }
  if (!(healthy && pushed)) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

struct Tally {
  std::size_t acked = 0, lost = 0, duplicated = 0;
  std::vector<std::string> examples;
};

Tally tally(const std::string& url, const std::set<std::string>& acked) {
  Tally t;
  std::string error;
  auto rows = query_pairs(url,
                          "SELECT data::json->>'body', count(*) FROM sync_rows WHERE collection = 'messages' AND deleted = 0 "
                          "GROUP BY 1",
                          &error);
  EXPECT_TRUE(error.empty()) << error;
  std::map<std::string, long> counts(rows.begin(), rows.end());
  for (const auto& id : acked) {
    ++t.acked;
    auto it = counts.find(kBodyPrefix + id);
    long n = it == counts.end() ? 0 : it->second;
    if (n == 1) continue;
    (n == 0 ? t.lost : t.duplicated) += 1;
    if (t.examples.size() < 10) t.examples.push_back(id + (n == 0 ? " lost" : " present " + std::to_string(n) + " times"));
  }
  return t;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& l : v) s += "\n  " + l;
  return s;
}

// Devices writing to the instances in `ports` (round robin) while `fault` runs.
struct Writers {
  Run run;
  std::vector<std::unique_ptr<Device>> devices;
  std::vector<std::thread> threads;
  Writers(const std::vector<std::uint16_t>& ports, const std::vector<Account>& accounts, std::chrono::seconds budget) {
    run.deadline = Clock::now() + budget;
    std::mt19937 seeds(20261206);
    for (std::size_t i = 0; i < accounts.size(); ++i)
      devices.push_back(std::make_unique<Device>(run, ports[i % ports.size()], accounts[i], seeds()));
    for (auto& d : devices) threads.emplace_back([&d] { (*d)(); });
  }
  long acked_by(std::size_t first, std::size_t step) const {
    long n = 0;
    for (std::size_t i = first; i < devices.size(); i += step) n += devices[i]->acked.load();
    return n;
  }
  void finish() {
    run.stop = true;
    for (auto& t : threads) t.join();
    threads.clear();
  }
  ~Writers() {
    if (!threads.empty()) finish();
  }
};

class DbFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test_postgresql_url() || !std::getenv("PASSERELLE_TEST_PG_CTL"))
      GTEST_SKIP() << "needs tests/pg/run-pg.sh (PASSERELLE_TEST_PG, PASSERELLE_TEST_PG_CTL)";
    std::string error;
    url_ = create_postgresql_database(&error);
    ASSERT_FALSE(url_.empty()) << error;
  }
  void check_end(Writers& w, const std::string& what) {
    w.finish();
    auto t = tally(url_, w.run.acked);
    std::cout << what << ": " << t.acked << " ops acknowledged, " << t.lost << " lost, " << t.duplicated
              << " duplicated; " << w.run.internal_answers << " internal answers (" << w.run.hinted
              << " with retry_after_ms), " << w.run.hangs << " unanswered pushes" << std::endl;
    EXPECT_GT(t.acked, 0u);
    EXPECT_EQ(t.lost, 0u) << joined(t.examples);
    EXPECT_EQ(t.duplicated, 0u) << joined(t.examples);
    EXPECT_EQ(w.run.hangs.load(), 0) << "a request waited 15 s without an answer";
    EXPECT_TRUE(w.run.failures.empty()) << joined(w.run.failures);
  }
  std::string url_;
};

TEST_F(DbFaults, RestartUnderTwentyWritingDevicesLosesAndDuplicatesNothing) {
  auto server = start_instance(url_, "pf_restart");
  ASSERT_TRUE(server->ok()) << server->last_error();
  auto accounts = make_accounts(*server, kDevices + 1, "r");
  Account probe = accounts.back();
  accounts.pop_back();
  int restarts = std::atoi(env_or("PASSERELLE_PG_RESTARTS", "5").c_str());
  Writers w({server->port()}, accounts, std::chrono::seconds(60 + 15 * restarts));
  long before = 0;
  for (int k = 0; k < restarts; ++k) {
    std::this_thread::sleep_for(700ms);  // traffic before each restart
    ASSERT_TRUE(pg_ctl("restart"));
    auto back = time_to_service(*server, probe, kBackWithin);
    EXPECT_TRUE(back) << "restart " << k + 1 << ": service not back within 5 s of PostgreSQL";
    std::cout << "restart " << k + 1 << ": service back after " << (back ? back->count() : -1) << " ms; "
              << w.acked_by(0, 1) - before << " ops acknowledged since the previous one" << std::endl;
    before = w.acked_by(0, 1);
  }
  std::this_thread::sleep_for(500ms);
  auto metrics = http_get(server->port(), "/metrics").body;
  EXPECT_NE(metrics.find("passerelle_db_up 1"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("passerelle_db_reconnects_total 0\n"), std::string::npos) << "no connection was replaced";
  check_end(w, "PostgreSQL restarts");
}

TEST_F(DbFaults, TerminatingEachServerConnectionInTurnLosesNothing) {
  auto server = start_instance(url_, "pf_term");
  ASSERT_TRUE(server->ok()) << server->last_error();
  auto accounts = make_accounts(*server, kDevices + 1, "t");
  Account probe = accounts.back();
  accounts.pop_back();
  Writers w({server->port()}, accounts, 120s);
  std::this_thread::sleep_for(500ms);
  long n = backends("pf_term");
  ASSERT_GT(n, 2) << "the server's connections are not named pf_term";
  // The oldest connection each time: after n rounds each original one was cut once.
  for (long k = 0; k < n; ++k) {
    EXPECT_EQ(terminate("pf_term", false), 1);
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_GT(terminate("pf_term", true), 0);
  auto back = time_to_service(*server, probe, kBackWithin);
  EXPECT_TRUE(back) << "service not back within 5 s after every connection was cut";
  std::this_thread::sleep_for(500ms);
  check_end(w, "pg_terminate_backend");
}

TEST_F(DbFaults, StoppedForThirtySecondsThenStartedHealthSaysSoAndServiceResumes) {
  auto server = start_instance(url_, "pf_stop");
  ASSERT_TRUE(server->ok()) << server->last_error();
  auto accounts = make_accounts(*server, kDevices + 1, "s");
  Account probe = accounts.back();
  accounts.pop_back();
  int down = std::atoi(env_or("PASSERELLE_PG_DOWN_SECONDS", "30").c_str());
  Writers w({server->port()}, accounts, std::chrono::seconds(90 + down));
  std::this_thread::sleep_for(700ms);
  ASSERT_EQ(http_get(server->port(), "/healthz").status, 200);
  ASSERT_TRUE(pg_ctl("stop"));
  auto stopped = Clock::now();
  EXPECT_TRUE(wait_health(server->port(), 503, 5s)) << "/healthz did not say 503 with PostgreSQL stopped";
  auto h = http_get(server->port(), "/healthz");
  EXPECT_NE(h.body.find("unavailable"), std::string::npos) << h.body;
  EXPECT_EQ(http_get(server->port(), "/livez").status, 200);
  {
    // A request meanwhile: answered at once, `internal` with a retry hint.
    RawWsClient ws;
    ASSERT_TRUE(ws.connect(server->port(), "/v1/ws", 2s));
    ASSERT_EQ(ws.call(1, "hello", {{"protocol", 1}}, 2s)["ok"], true);
    auto a = ws.call(2, "auth.resume", {{"token", probe.token}}, 5s);
    ASSERT_FALSE(a.empty()) << "auth.resume got no answer in 5 s while PostgreSQL was down";
    EXPECT_EQ(code_of(a), "internal") << json::serialize(a);
    EXPECT_TRUE(a["error"].as_object().contains("retry_after_ms")) << json::serialize(a);
  }
  auto metrics = http_get(server->port(), "/metrics").body;
  EXPECT_NE(metrics.find("passerelle_db_up 0"), std::string::npos) << metrics;
  std::this_thread::sleep_until(stopped + std::chrono::seconds(down));
  EXPECT_EQ(http_get(server->port(), "/healthz").status, 503) << "/healthz recovered while PostgreSQL is still down";
  ASSERT_TRUE(pg_ctl("start"));
  auto back = time_to_service(*server, probe, kBackWithin);
  EXPECT_TRUE(back) << "service not back within 5 s of PostgreSQL";
  std::cout << "PostgreSQL down " << down << " s; service back " << (back ? back->count() : -1) << " ms after it" << std::endl;
  std::this_thread::sleep_for(1s);
  check_end(w, "PostgreSQL stopped");
  EXPECT_GT(w.run.hinted.load(), 0) << "no device was told when to retry";
}

TEST_F(DbFaults, OneInstanceCutTheOtherKeepsServing) {
  auto a = start_instance(url_, "pf_a");
  ASSERT_TRUE(a->ok()) << a->last_error();
  auto b = start_instance(url_, "pf_b");
  ASSERT_TRUE(b->ok()) << b->last_error();
  auto accounts = make_accounts(*a, kDevices + 1, "two");
  Account probe = accounts.back();
  accounts.pop_back();
  // Even devices on A, odd on B.
  Writers w({a->port(), b->port()}, accounts, 120s);
  std::this_thread::sleep_for(700ms);
  long b_before = w.acked_by(1, 2), b_internal_before = w.run.internal_answers.load();
  // Cut every connection of A, again and again, for 3 s.
  for (int k = 0; k < 15; ++k) {
    terminate("pf_a", true);
    std::this_thread::sleep_for(200ms);
  }
  long b_during = w.acked_by(1, 2) - b_before;
  EXPECT_GT(b_during, 0) << "instance B stopped serving while A's connections were cut";
  EXPECT_EQ(http_get(b->port(), "/healthz").status, 200);
  auto back = time_to_service(*a, probe, kBackWithin);
  EXPECT_TRUE(back) << "instance A not back within 5 s";
  std::cout << "B acknowledged " << b_during << " ops while A was cut; internal answers (both) "
            << w.run.internal_answers.load() - b_internal_before << std::endl;
  std::this_thread::sleep_for(500ms);
  check_end(w, "two instances");
}

}  // namespace
