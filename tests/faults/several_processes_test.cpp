// Several `passerelle` processes on one data folder (issue #22, docs/sync.md "Several processes
// on one data folder"): the README's own usage, `sync --watch` in one terminal while other
// commands run in another.
//
// SeveralProcesses.WatchBesideCommandsWithServerKills runs a `sync --watch` beside 200 runs of
// the other commands (send, status, status --offline, read, step start/done, a one-shot sync)
// while the server is killed (-9) and restarted on the same port now and then and a coach
// writes to the thread.
// Throughout, no SQLite file the watcher holds open may have been deleted under it (the bug:
// its -wal and -shm went while it kept writing to them). At the end: every device file passes
// PRAGMA integrity_check, the outbox is empty, every message queued by a `send` is on the
// server exactly once, every step marked done is done there.
//
// SeveralProcesses.AWriteQueuedBesideTheWatcherGoesOutWithoutAPoke: nothing else happens, so
// no poke comes; the watcher must notice the other process's write by itself.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

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

constexpr const char* kBodyPrefix = "queued beside the watcher ";

const test::EnvOverrides kCleanEnv{{"PASSERELLE_SERVER", ""}, {"PASSERELLE_DATA", ""}};

// `passerelle --data DIR sync --watch` in the background, its output in a file.
class Watcher {
 public:
  Watcher(const std::string& data_dir, const std::string& log) : log_(log) {
    std::vector<std::string> args{PASSERELLE_CLI_PATH, "--data", data_dir, "sync", "--watch"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::unsetenv("PASSERELLE_SERVER");
      ::unsetenv("PASSERELLE_DATA");
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, 0);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fd);
  }
  ~Watcher() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool started() const { return pid_ > 0; }
  // SIGTERM, then its exit code (-1: killed after 10 s, or by a signal).
  int stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (auto until = Clock::now() + 10s; Clock::now() < until; std::this_thread::sleep_for(10ms))
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
    return -1;
  }
  // The files it holds open that are no longer on disk (the bug's mark: "...-wal (deleted)").
  std::vector<std::string> deleted_open_files() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid_) + "/fd", ec)) {
      std::error_code e2;
      std::string target = fs::read_symlink(e.path(), e2).string();
      if (target.find(".sqlite") != std::string::npos && target.find("(deleted)") != std::string::npos)
        out.push_back(target);
    }
    return out;
  }
  bool wait_for_output(const std::string& text, std::chrono::seconds limit) const {
    for (auto until = Clock::now() + limit; Clock::now() < until; std::this_thread::sleep_for(10ms))
      if (output().find(text) != std::string::npos) return true;
    return false;
  }
  std::string output() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

struct Device {
  std::string data_dir;
  test::ProcessResult run(std::vector<std::string> args, const std::string& input = "") const {
    std::vector<std::string> argv{PASSERELLE_CLI_PATH, "--data", data_dir};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_process(argv, input, 60s, kCleanEnv);
  }
  std::vector<std::string> damaged_files() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(data_dir, ec))
      if (e.path().extension() == ".sqlite")
        if (auto v = integrity_check(e.path().string()); v != "ok") out.push_back(e.path().string() + ": " + v);
    return out;
  }
  // Waits (bounded) until `status --offline` shows an empty outbox.
  bool drained(std::chrono::seconds limit, std::string* last) const {
    for (auto until = Clock::now() + limit; Clock::now() < until; std::this_thread::sleep_for(50ms)) {
      auto st = run({"status", "--offline"});
      *last = st.out + st.err;
      if (st.exit_code == 0 && st.out.find("pending:   0 ops queued") != std::string::npos) return true;
    }
    return false;
  }
};

// A server on a fixed port (devices reconnect to it after a restart), a coach and a candidate
// sharing a thread; the candidate signed in on `device`.
struct World {
  std::unique_ptr<TestServer> server;
  std::string thread = new_id();
  std::string candidate_id;
  test::TempDir dir;
  Device device{dir.path() + "/device"};
  Device coach_device{dir.path() + "/coach"};

  void start() {
    TestServer::Options opt;
    opt.keep_port = true;
    server = std::make_unique<TestServer>(opt);
    ASSERT_TRUE(server->ok()) << server->last_error();
    ASSERT_FALSE(server->on_postgresql()) << "the harness reads the SQLite file";
    ASSERT_TRUE(server->create_user("coach@example.org", "Coach", "coach", test::kTestPassword)) << server->last_error();
    ASSERT_TRUE(server->create_user("device@example.org", "Device", "candidate", test::kTestPassword))
        << server->last_error();
    auto coach = test::sign_in(*server, "coach@example.org");
    auto candidate = test::sign_in(*server, "device@example.org");
    candidate_id = candidate.id;
    auto answer = test::push(coach, {test::op("caseload.assign",
                                              {{"candidate_id", candidate.id}, {"coach_id", coach.id}, {"thread_id", thread}})});
    ASSERT_EQ(answer["ok"], true) << json::serialize(answer);
    for (Device* d : {&device, &coach_device}) {
      std::string email = d == &device ? "device@example.org" : "coach@example.org";
      auto login = d->run({"--server", server->url(), "login", "--email", email}, std::string(test::kTestPassword) + "\n");
      ASSERT_EQ(login.exit_code, 0) << login.err;
      auto sync = d->run({"sync"});
      ASSERT_EQ(sync.exit_code, 0) << sync.err;
    }
  }

  // The coach writes in the thread (a poke for the watcher, messages for `read`).
  void coach_says(const std::string& body) {
    auto coach = test::sign_in(*server, "coach@example.org");
    auto answer = test::push(coach, {test::send_op(thread, body)});
    EXPECT_EQ(answer["ok"], true) << json::serialize(answer);
  }
};

TEST(SeveralProcesses, AWriteQueuedBesideTheWatcherGoesOutWithoutAPoke) {
  World w;
  ASSERT_NO_FATAL_FAILURE(w.start());
  Watcher watch(w.device.data_dir, w.dir.path() + "/watch.out");
  ASSERT_TRUE(watch.started());
  // Once its first round is over, only a poke or the watch would make it push.
  ASSERT_TRUE(watch.wait_for_output("state: up_to_date", 30s)) << watch.output();
  std::string id = new_id();
  auto sent = w.device.run({"send", w.thread, kBodyPrefix + id});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  // Bounded wait for the server to hold it: without the watch it never would (no poke comes).
  std::string query = "SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages' AND json_extract(data, '$.body') = '" +
                      std::string(kBodyPrefix) + id + "'";
  long long n = 0;
  for (auto until = Clock::now() + 30s; Clock::now() < until && n == 0; std::this_thread::sleep_for(20ms))
    n = test::sqlite_count(w.server->db_path(), query);
  EXPECT_EQ(n, 1) << "the write queued beside the watcher did not reach the server; watcher said:\n"
                  << watch.output();
  EXPECT_EQ(watch.stop(), 0) << watch.output();
}

TEST(SeveralProcesses, WatchBesideCommandsWithServerKills) {
  const int commands = 200;
  const int kills = options().kills_or(5, 20);
  auto rng = make_rng();
  World w;
  ASSERT_NO_FATAL_FAILURE(w.start());

  // A plan for the candidate: steps to start and mark done from the other terminal.
  auto created = w.coach_device.run({"plan", "create", "--candidate", w.candidate_id, "--arrival", "2027-03-20"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_EQ(w.coach_device.run({"sync"}).exit_code, 0);
  ASSERT_EQ(w.device.run({"sync"}).exit_code, 0);
  auto plan = w.device.run({"plan", "--json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  std::vector<std::string> steps;
  json::value parsed = json::parse(plan.out);
  for (const auto& s : parsed.as_object().at("steps").as_array())
    steps.emplace_back(s.as_object().at("id").as_string());
  ASSERT_FALSE(steps.empty()) << plan.out;

  Watcher watch(w.device.data_dir, w.dir.path() + "/watch.out");
  ASSERT_TRUE(watch.started());
  Ledger ledger(w.dir.path() + "/queued.log");
  ASSERT_TRUE(ledger.ok());

  std::size_t queued = 0, next_step = 0;
  bool step_started = false;
  std::vector<std::string> done_steps;
  int killed = 0, coach_messages = 0;
  std::map<std::string, int> ran;
  std::uniform_int_distribution<int> pick(0, 9);
  const int kill_every = commands / (kills + 1);
  for (int i = 1; i <= commands; ++i) {
    int p = pick(rng);
    if (p <= 4) {
      std::string id = new_id();
      auto sent = w.device.run({"send", w.thread, kBodyPrefix + id});
      ASSERT_EQ(sent.exit_code, 0) << sent.err;
      ASSERT_EQ(sent.out.rfind("queued: ", 0), 0u) << sent.out;
      ASSERT_TRUE(ledger.record({id}));
      ++queued;
      ++ran["send"];
    } else if (p == 5) {
      auto st = w.device.run({"status", "--offline"});
      ASSERT_EQ(st.exit_code, 0) << st.err;
      ++ran["status --offline"];
    } else if (p == 6) {
      auto st = w.device.run({"status"});  // also a connection of its own to the server
      ASSERT_EQ(st.exit_code, 0) << st.err;
      ++ran["status"];
    } else if (p == 7) {
      auto r = w.device.run({"read", w.thread});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      ++ran["read"];
    } else if (p == 9) {
      // A one-shot sync beside the watcher: both push and pull the same file at once.
      auto r = w.device.run({"sync"});
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      ++ran["sync"];
    } else if (next_step < steps.size()) {
      // Each step is started, then marked done, by two separate commands.
      bool start = !step_started;
      auto r = w.device.run({"step", start ? "start" : "done", steps[next_step]});
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      step_started = start;
      if (!start) done_steps.push_back(steps[next_step++]);
      ++ran[start ? "step start" : "step done"];
    } else {
      auto r = w.device.run({"threads"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      ++ran["threads"];
    }
    if (i % 10 == 0) {
      w.coach_says("coach message " + std::to_string(++coach_messages));
      auto deleted = watch.deleted_open_files();
      ASSERT_TRUE(deleted.empty()) << "after command " << i << " the watcher holds a deleted file: " << deleted.front();
    }
    if (i % kill_every == 0 && killed < kills) {
      w.server->kill9();
      ++killed;
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 150)(rng)));
      ASSERT_TRUE(w.server->start()) << w.server->last_error();
    }
  }

  std::string last;
  EXPECT_TRUE(w.device.drained(90s, &last)) << "the watcher did not push everything; status:\n"
                                            << last << "\nwatcher:\n" << watch.output();
  auto deleted = watch.deleted_open_files();
  EXPECT_TRUE(deleted.empty()) << "the watcher holds a deleted file: " << deleted.front();
  EXPECT_EQ(watch.stop(), 0) << watch.output();
  auto damaged = w.device.damaged_files();
  EXPECT_TRUE(damaged.empty()) << damaged.front();

  auto status = w.device.run({"status", "--offline"});
  EXPECT_NE(status.out.find("rejected:  0"), std::string::npos) << status.out;

  w.server->stop();
  EXPECT_EQ(integrity_check(w.server->db_path()), "ok");
  std::string error;
  auto counts = message_body_counts(w.server->db_path(), &error);
  ASSERT_TRUE(error.empty()) << error;
  auto t = tally(ledger.read(), counts, kBodyPrefix);
  std::string examples;
  for (const auto& e : t.examples) examples += "\n  " + e;
  EXPECT_EQ(t.acknowledged, queued);
  EXPECT_EQ(t.lost, 0u) << examples;
  EXPECT_EQ(t.duplicated, 0u) << examples;
  auto numbering = numbering_problems(w.server->db_path());
  EXPECT_TRUE(numbering.empty()) << numbering.front();
  for (const auto& id : done_steps)
    EXPECT_EQ(test::sqlite_count(w.server->db_path(),
                                 "SELECT COUNT(*) FROM sync_rows WHERE collection = 'plan_steps' AND id = '" + id +
                                     "' AND json_extract(data, '$.status') = 'done'"),
              1)
        << "step " << id << " is not done on the server";

  std::cout << "several processes: " << commands << " commands beside sync --watch (";
  for (const auto& [name, n] : ran) std::cout << name << " " << n << ", ";
  std::cout << "), " << killed << " server kills, " << coach_messages << " coach messages; " << t.acknowledged
            << " messages queued, " << t.lost << " lost, " << t.duplicated << " duplicated; " << done_steps.size()
            << " steps done" << std::endl;
}

}  // namespace
}  // namespace passerelle::faults
