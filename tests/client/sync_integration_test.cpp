// The sync engine and the data commands against the real passerelle-server: live pokes between
// two devices, writes queued while the server is down, crashes of the CLI and of the server in
// the middle of a push (exactly once, nothing acknowledged lost), rejections that do not block
// the queue, resync after compaction. Every wait is bounded.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "passerelle/client.h"
#include "passerelle/shared/ids.h"
#include "passerelle/test/http_client.h"
#include "passerelle/test/test_server.h"
#include "run_cli.h"
#include "sync_fixture.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

using namespace testing;
namespace json = boost::json;
using passerelle::test::TestServer;
using namespace std::chrono_literals;

std::size_t count_messages(Client& c, const std::string& thread, const std::string& body) {
  auto msgs = c.list("messages", "thread_id", thread);
  if (!msgs) return 0;
  std::size_t n = 0;
  for (const auto& m : *msgs)
    if (m.at("body").as_string() == body) ++n;
  return n;
}

TEST_F(SyncWithServer, CoachEngineGetsTheCandidatesMessageByPoke) {
  assign();
  // Claire's background engine: connected and up to date before Amina writes.
  std::mutex m;
  std::condition_variable cv;
  std::set<std::string> seen_messages;
  auto token = claire->observe_rows([&](const ChangedRows& rows) {
    std::lock_guard lock(m);
    for (const auto& [c, id] : rows)
      if (c == "messages") seen_messages.insert(id);
    cv.notify_all();
  });
  ASSERT_TRUE(claire->start_sync().ok());
  ASSERT_TRUE(eventually([&] { return claire->status()->state == SyncState::up_to_date; }));
  EXPECT_TRUE(claire->status()->online);
  ASSERT_TRUE(eventually([&] { return claire->get("threads", thread)->has_value(); }));

  ASSERT_TRUE(amina->sync_once(30s).ok());  // brings the thread to Amina's device
  std::string id = new_id();
  auto op = amina->mutate("message.send", {{"id", id}, {"thread_id", thread}, {"body", "Bonjour Claire"}});
  ASSERT_TRUE(op.ok()) << op.error().message;
  auto pushed = amina->sync_once(30s);
  ASSERT_TRUE(pushed.ok()) << pushed.error().message;
  EXPECT_EQ(pushed->applied, 1u);

  // No explicit sync on Claire's side: the poke makes her engine pull.
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 15s, [&] { return seen_messages.count(id) > 0; }));
  }
  auto row = claire->get("messages", id);
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((**row).at("body").as_string(), "Bonjour Claire");
  EXPECT_EQ((**row).at("author_id").as_string(), amina_id);

  // And back: Claire answers through her running engine (a local write wakes it).
  std::string reply = new_id();
  ASSERT_TRUE(claire->mutate("message.send", {{"id", reply}, {"thread_id", thread}, {"body", "Bonjour Amina"}}).ok());
  ASSERT_TRUE(eventually([&] { return claire->status()->pending_ops == 0; }));
  ASSERT_TRUE(amina->sync_once(30s).ok());
  EXPECT_EQ(count_messages(*amina, thread, "Bonjour Amina"), 1u);
  claire->unobserve(token);
  claire->stop_sync();
  EXPECT_FALSE(claire->status()->online);
}

// Pokes that carry the change (docs/sync.md, "Live"): two running engines, caught up, talk;
// every message reaches the other device inside its poke, with no pull at all, and its
// observers hear of each message once. The same rows a pull would have stored.
TEST_F(SyncWithServer, RunningEnginesGetMessagesInTheirPokesWithoutPulling) {
  assign();
  std::mutex m;
  std::condition_variable cv;
  std::map<std::string, int> heard;  // message id -> observer calls naming it, on Claire's device
  auto token = claire->observe_rows([&](const ChangedRows& rows) {
    std::lock_guard lock(m);
    for (const auto& [c, id] : rows)
      if (c == "messages") ++heard[id];
    cv.notify_all();
  });
  ASSERT_TRUE(claire->start_sync().ok());
  ASSERT_TRUE(amina->start_sync().ok());
  for (Client* c : {claire.get(), amina.get()})
    ASSERT_TRUE(eventually([&] { return c->status()->state == SyncState::up_to_date && c->get("threads", thread)->has_value(); }));

  auto counter = [&](const std::string& name) {
    auto body = passerelle::test::http_get(server.port(), "/metrics").body;
    auto at = body.find("\n" + name + " ");
    return at == std::string::npos ? -1LL : std::stoll(body.substr(at + name.size() + 2));
  };
  long long pulls_before = counter("passerelle_sync_pulls_total");
  ASSERT_GE(pulls_before, 0);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    std::string id = new_id();
    ids.push_back(id);
    ASSERT_TRUE(amina->mutate("message.send", {{"id", id}, {"thread_id", thread}, {"body", "live " + std::to_string(i)}}).ok());
    {
      std::unique_lock lock(m);
      ASSERT_TRUE(cv.wait_for(lock, 15s, [&] { return heard.count(id) > 0; }));
    }
    // Settled before the next one: Claire's delivered receipt is back on Amina's device.
    ASSERT_TRUE(eventually([&] {
      auto r = amina->list("receipts", "thread_id", thread);
      if (!r) return false;
      for (const auto& row : *r)
        if (row.at("user_id").as_string() == claire_id && row.contains("delivered_n") &&
            row.at("delivered_n").as_int64() >= i + 1)
          return claire->status()->pending_ops == 0 && amina->status()->pending_ops == 0;
      return false;
    }));
  }
  EXPECT_EQ(counter("passerelle_sync_pulls_total") - pulls_before, 0) << "a caught-up device pulled";
  {
    std::lock_guard lock(m);
    for (const auto& id : ids) EXPECT_EQ(heard[id], 1) << "observers heard of message " << id << " more than once";
  }
  // What the pokes stored equals what the server holds (Amina's own copies came back in
  // pokes too: server fields such as n and sent_at).
  for (const auto& id : ids) {
    auto mine = amina->get("messages", id);
    auto theirs = claire->get("messages", id);
    ASSERT_TRUE(mine.ok() && mine->has_value() && theirs.ok() && theirs->has_value());
    EXPECT_EQ(**mine, **theirs);
    EXPECT_TRUE((**theirs).contains("n") && (**theirs).contains("sent_at"));
  }
  claire->unobserve(token);
  claire->stop_sync();
  amina->stop_sync();
}

TEST_F(SyncWithServer, WriteWhileServerIsDownArrivesOnceAfterRestart) {
  assign();
  ASSERT_TRUE(amina->sync_once(30s).ok());
  server.kill9();
  std::string id = new_id();
  ASSERT_TRUE(amina->mutate("message.send", {{"id", id}, {"thread_id", thread}, {"body", "hors ligne"}}).ok());
  EXPECT_EQ(count_messages(*amina, thread, "hors ligne"), 1u);  // the local view shows it at once
  auto down = amina->sync_once(10s);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.origin(), Origin::network);
  EXPECT_EQ(amina->status()->pending_ops, 1);

  ASSERT_TRUE(server.restart()) << server.last_error();
  amina.reset();
  amina = device(amina_dir);  // the restarted server listens on another port
  auto up = amina->sync_once(30s);
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up->applied, 1u);
  EXPECT_EQ(amina->status()->pending_ops, 0);
  auto again = amina->sync_once(30s);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->pushed, 0u);

  claire.reset();
  claire = device(claire_dir);
  ASSERT_TRUE(claire->sync_once(30s).ok());
  EXPECT_EQ(count_messages(*claire, thread, "hors ligne"), 1u);
}

TEST_F(SyncWithServer, BackgroundEngineReconnectsAfterServerRestart) {
  assign();
  ASSERT_TRUE(amina->start_sync().ok());
  ASSERT_TRUE(eventually([&] { return amina->status()->state == SyncState::up_to_date; }));
  server.kill9();
  ASSERT_TRUE(eventually([&] { return !amina->status()->online; }));
  EXPECT_TRUE(amina->status()->last_error.has_value());
  ASSERT_TRUE(amina->mutate("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "en attente"}}).ok());
  EXPECT_EQ(amina->status()->pending_ops, 1);
  amina->stop_sync();  // prompt even while it backs off
}

TEST_F(SyncWithServer, RejectedOpIsReportedAndDoesNotBlockTheNext) {
  assign();
  std::string karim_id;
  auto karim = signed_in(karim_dir, "karim@example.org", &karim_id);
  std::vector<Rejection> told;
  karim->observe_rejections([&](const Rejection& r) { told.push_back(r); });
  // Karim takes a candidate who already has a coach: the server refuses, as for an unknown id.
  auto bad = karim->mutate("caseload.assign", {{"candidate_id", amina_id}, {"coach_id", karim_id}, {"thread_id", new_id()}});
  ASSERT_TRUE(bad.ok()) << bad.error().message;  // the device cannot know: queued
  auto good = karim->mutate("profile.update", {{"profession", "career coach"}});
  ASSERT_TRUE(good.ok());
  auto s = karim->sync_once(30s);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->pushed, 2u);
  EXPECT_EQ(s->applied, 1u);
  EXPECT_EQ(s->rejected, 1u);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].op_id, *bad);
  EXPECT_EQ(told[0].error.code, ErrorCode::not_found);
  auto list = karim->rejections();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(karim->status()->rejections, 1);
  EXPECT_EQ(karim->status()->pending_ops, 0);
  auto me = karim->get("profiles", karim_id);
  ASSERT_TRUE(me.ok() && me->has_value());
  EXPECT_EQ((**me).at("profession").as_string(), "career coach");

  karim.reset();
  auto status = cli(karim_dir, {"status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("rejected:  1"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find(*bad + "  caseload.assign  not_found: "), std::string::npos) << status.out;
  auto dismiss = cli(karim_dir, {"rejections", "--dismiss", *bad});
  EXPECT_EQ(dismiss.exit_code, 0) << dismiss.err;
  EXPECT_EQ(cli(karim_dir, {"rejections"}).out, "no rejected writes\n");
}

TEST_F(SyncWithServer, ResyncAfterCompactionKeepsPendingWrites) {
  assign();
  ASSERT_TRUE(amina->sync_once(30s).ok());
  ASSERT_TRUE(claire->sync_once(30s).ok());
  // A tombstone newer than Amina's cursor, then purged: her cursor falls below the horizon.
  std::string gone = new_id();
  ASSERT_TRUE(claire->mutate("message.send", {{"id", gone}, {"thread_id", thread}, {"body", "oups"}}).ok());
  ASSERT_TRUE(claire->sync_once(30s).ok());
  ASSERT_TRUE(claire->mutate("message.delete", {{"id", gone}}).ok());
  ASSERT_TRUE(claire->sync_once(30s).ok());
  auto compact = passerelle::test::run_process(
      {passerelle::test::server_binary(), "admin", "compact", "--db", server.db_url(), "--older-than-days", "0"});
  ASSERT_EQ(compact.exit_code, 0) << compact.err << compact.out;

  ASSERT_TRUE(amina->mutate("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "après"}}).ok());
  auto s = amina->sync_once(30s);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->applied, 1u);
  EXPECT_EQ(amina->status()->pending_ops, 0);
  EXPECT_EQ(count_messages(*amina, thread, "après"), 1u);
  EXPECT_EQ(count_messages(*amina, thread, "oups"), 0u);
  EXPECT_TRUE(amina->get("threads", thread)->has_value());
  EXPECT_TRUE(amina->get("profiles", claire_id)->has_value());
}

// Queues `n` messages through the library (fast), then closes the client.
void queue_burst(Client& c, const std::string& thread, int n, const std::string& prefix) {
  for (int i = 0; i < n; ++i)
    ASSERT_TRUE(c.mutate("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", prefix + std::to_string(i)}}).ok());
}

TEST_F(SyncWithServer, KillNineOfTheCliMidSyncThenSyncDeliversEveryOpOnce) {
  assign();
  ASSERT_TRUE(amina->sync_once(30s).ok());
  constexpr int kOps = 600;
  queue_burst(*amina, thread, kOps, "rafale-");
  amina.reset();

  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execl(kCli.c_str(), kCli.c_str(), "--data", amina_dir.path().c_str(), "--server", server.url().c_str(), "sync",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Let it get into the pushes, then kill it without warning.
  auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until &&
         server.count("SELECT COUNT(*) FROM sync_ops WHERE name = 'message.send'") < 100)
    std::this_thread::sleep_for(5ms);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  auto before = server.count("SELECT COUNT(*) FROM sync_ops WHERE name = 'message.send'");
  EXPECT_GT(before, 0);

  auto r = cli(amina_dir, {"sync"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_ops WHERE name = 'message.send' AND status = 'applied'"), kOps);
  EXPECT_EQ(server.count(
                         "SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages' AND data LIKE '%rafale-%'"),
            kOps);
  EXPECT_NE(cli(amina_dir, {"status"}).out.find("pending:   0 ops queued"), std::string::npos);
}

TEST_F(SyncWithServer, ServerKillNineDuringALargePushLosesNothingAndAppliesOnce) {
  assign();
  ASSERT_TRUE(amina->sync_once(30s).ok());
  constexpr int kOps = 800;
  queue_burst(*amina, thread, kOps, "salve-");
  auto running = std::async(std::launch::async, [&] { return amina->sync_once(60s); });
  auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until &&
         server.count("SELECT COUNT(*) FROM sync_ops WHERE name = 'message.send'") < 100)
    std::this_thread::sleep_for(5ms);
  server.kill9();
  auto first = running.get();
  // Whatever was acknowledged left the outbox and is in the server's file.
  auto acked = first.ok() ? kOps : kOps - amina->status()->pending_ops;
  auto durable = server.count("SELECT COUNT(*) FROM sync_ops WHERE name = 'message.send'");
  EXPECT_GE(durable, acked);

  ASSERT_TRUE(server.restart()) << server.last_error();
  amina.reset();
  amina = device(amina_dir);
  auto second = amina->sync_once(60s);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(amina->status()->pending_ops, 0);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_ops WHERE name = 'message.send' AND status = 'applied'"), kOps);
  EXPECT_EQ(server.count(
                         "SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages' AND data LIKE '%salve-%'"),
            kOps);
}

// --- the CLI's data commands --------------------------------------------------------------------

TEST_F(SyncWithServer, CliThreadsMessagesSendAndProfile) {
  assign();
  amina.reset();
  auto sync = cli(amina_dir, {"sync"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_NE(sync.out.find("synced with " + server.url()), std::string::npos) << sync.out;

  auto threads = cli(amina_dir, {"threads"});
  ASSERT_EQ(threads.exit_code, 0) << threads.err;
  EXPECT_EQ(threads.out, thread + "  coaching  with Claire Coach  0 messages\nunread: 0 in total\n");

  auto send = cli(amina_dir, {"message", "send", "--thread", thread, "Bonjour", "Claire"});
  ASSERT_EQ(send.exit_code, 0) << send.err;
  EXPECT_EQ(send.out.rfind("queued: message ", 0), 0u) << send.out;
  auto from_stdin = cli(amina_dir, {"message", "send", "--thread", thread}, "deuxième\nligne\n");
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;

  auto listed = cli(amina_dir, {"messages", "--thread", thread});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("  not yet sent  Amina Benali  queued  (written "), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("\n    Bonjour Claire\n"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("    deuxième\n    ligne\n"), std::string::npos) << listed.out;

  auto empty = cli(amina_dir, {"message", "send", "--thread", thread, ""});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_EQ(empty.err, "passerelle: field 'args.body' must not be empty\n");
  auto unknown = cli(amina_dir, {"message", "send", "--thread", new_id(), "allo"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown thread"), std::string::npos) << unknown.err;
  auto bad_zone = cli(amina_dir, {"profile", "set", "--time-zone", "Mars/Olympus"});
  EXPECT_EQ(bad_zone.exit_code, 2);
  EXPECT_NE(bad_zone.err.find("field 'args.time_zone'"), std::string::npos) << bad_zone.err;
  auto nothing = cli(amina_dir, {"profile", "set"});
  EXPECT_EQ(nothing.exit_code, 2);

  auto set = cli(amina_dir, {"profile", "set", "--time-zone", "Africa/Casablanca", "--profession", "nurse"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  auto status = cli(amina_dir, {"status"});
  EXPECT_NE(status.out.find("pending:   3 ops queued"), std::string::npos) << status.out;

  auto pushed = cli(amina_dir, {"sync"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_NE(pushed.out.find("pushed 3 (3 applied, 0 rejected)"), std::string::npos) << pushed.out;
  auto after = cli(amina_dir, {"messages", "--thread", thread});
  EXPECT_EQ(after.out.find("queued"), std::string::npos) << after.out;
  auto profile = cli(amina_dir, {"profile"});
  ASSERT_EQ(profile.exit_code, 0);
  EXPECT_NE(profile.out.find("time zone:       Africa/Casablanca\n"), std::string::npos) << profile.out;
  EXPECT_NE(profile.out.find("coach:           Claire Coach"), std::string::npos) << profile.out;

  // The coach's device sees both messages once, in order.
  claire.reset();
  ASSERT_EQ(cli(claire_dir, {"sync"}).exit_code, 0);
  EXPECT_EQ(cli(claire_dir, {"threads"}).out,
            thread + "  coaching  with Amina Benali  2 messages, 2 unread\nunread: 2 in total\n");
}

TEST_F(SyncWithServer, CliSyncExitCodes) {
  amina.reset();
  server.kill9();
  auto down = cli(amina_dir, {"sync"});
  EXPECT_EQ(down.exit_code, 3) << down.err;
  EXPECT_NE(down.err.find("queued writes stay queued"), std::string::npos) << down.err;
}

TEST_F(SyncWithServer, CliSyncAfterRevokedSessionExits1) {
  // Claire's token is revoked from another process sharing her files: a copy of the data dir.
  amina.reset();
  TempDir copy;
  std::filesystem::copy(amina_dir.path(), copy.path(), std::filesystem::copy_options::recursive |
                                                            std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(cli(copy, {"logout"}).exit_code, 0);
  auto r = cli(amina_dir, {"sync"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("signed out on the server: log in again"), std::string::npos) << r.err;
  // The engine forgot the refused token as resume() does: nobody is signed in on this device.
  auto who = cli(amina_dir, {"whoami"});
  EXPECT_EQ(who.exit_code, 1);
  EXPECT_EQ(who.out, "not signed in\n");
  EXPECT_EQ(cli(amina_dir, {"status", "--offline"}).exit_code, 1);
}

TEST_F(SyncWithServer, BackgroundEngineForgetsTheTokenTheServerRefuses) {
  TempDir copy;
  amina.reset();
  std::filesystem::copy(amina_dir.path(), copy.path(), std::filesystem::copy_options::recursive |
                                                            std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(cli(copy, {"logout"}).exit_code, 0);
  amina = device(amina_dir);
  ASSERT_TRUE(amina->start_sync().ok());
  ASSERT_TRUE(eventually([&] {
    auto st = amina->status();
    return !st || st->state == SyncState::error;
  }));
  amina->stop_sync();
  auto me = amina->current_user();
  ASSERT_TRUE(me.ok());
  EXPECT_FALSE(me->has_value());
}

TEST_F(SyncWithServer, CliWatchPrintsEventsAndStopsOnSigterm) {
  assign();
  claire.reset();
  int out_pipe[2];
  ASSERT_EQ(::pipe(out_pipe), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_pipe[1], 1);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    ::execl(kCli.c_str(), kCli.c_str(), "--data", claire_dir.path().c_str(), "sync", "--watch",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  std::string out;
  auto read_until = [&](const std::string& needle, std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (out.find(needle) == std::string::npos && std::chrono::steady_clock::now() < until) {
      pollfd p{out_pipe[0], POLLIN, 0};
      if (::poll(&p, 1, 100) > 0) {
        char buf[4096];
        auto n = ::read(out_pipe[0], buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
      }
    }
    return out.find(needle) != std::string::npos;
  };
  EXPECT_TRUE(read_until("state: up_to_date", 15s)) << out;
  ASSERT_TRUE(amina->sync_once(30s).ok());
  ASSERT_TRUE(amina->mutate("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "ping"}}).ok());
  ASSERT_TRUE(amina->sync_once(30s).ok());
  EXPECT_TRUE(read_until("changed: messages 1", 15s)) << out;
  ::kill(pid, SIGTERM);
  EXPECT_TRUE(read_until("stopped", 10s)) << out;
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(out_pipe[0]);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
TEST_F(SyncWithServer, BackgroundEngineReportsSyncingProgress) {
  assign();
  ASSERT_TRUE(amina->sync_once(30s).ok());
  for (int i = 0; i < 150; ++i)  // more than one push: the observer sees n of m along the way
    ASSERT_TRUE(amina->mutate("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "m" + std::to_string(i)}}).ok());
  std::mutex m;
  std::vector<SyncStatus> seen;
  auto token = amina->observe_state([&](const SyncStatus& st) {
    std::lock_guard lock(m);
    seen.push_back(st);
  });
  ASSERT_TRUE(amina->start_sync().ok());
  ASSERT_TRUE(eventually([&] {
    auto st = amina->status();
    return st && st->state == SyncState::up_to_date && st->pending_ops == 0;
  }));
  amina->stop_sync();
  amina->unobserve(token);
  std::lock_guard lock(m);
  bool progressed = std::any_of(seen.begin(), seen.end(), [](const SyncStatus& st) {
    return st.state == SyncState::syncing && st.progress && st.progress->pushed > 0;
  });
  EXPECT_TRUE(progressed) << "no syncing status carried a progress with pushed ops";
  EXPECT_FALSE(amina->status()->progress.has_value()) << "progress belongs to a running round only";
}

// A multi-page pull asks for each next page before storing the one it has (docs/sync.md):
// every row arrives once, in order, and no page is asked for twice.
TEST_F(SyncWithServer, AManyPagePullBringsEveryRowAndAsksForEachPageOnce) {
  assign();
  ASSERT_TRUE(amina->sync_once(30s).ok());
  for (int i = 0; i < 37; ++i)
    ASSERT_TRUE(amina->mutate("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "p" + std::to_string(i)}}).ok());
  ASSERT_TRUE(amina->sync_once(30s).ok());

  auto counter = [&](const std::string& name) {
    auto body = passerelle::test::http_get(server.port(), "/metrics").body;
    auto at = body.find("\n" + name + " ");
    return at == std::string::npos ? -1LL : std::stoll(body.substr(at + name.size() + 2));
  };
  long long pulls_before = counter("passerelle_sync_pulls_total");
  long long rows_before = counter("passerelle_sync_rows_pulled_total");
  ASSERT_GE(pulls_before, 0);

  TempDir fresh_dir;
  ClientOptions o;
  o.data_dir = fresh_dir.path();
  o.server_url = server.url();
  o.pull_limit = 4;
  auto fresh = Client::open(o);
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  ASSERT_TRUE((*fresh)->login("amina@example.org", kPassword).ok());
  auto s = (*fresh)->sync_once(30s);
  ASSERT_TRUE(s.ok()) << s.error().message;

  auto mine = (*fresh)->list("messages", "thread_id", thread);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->size(), 37u);
  EXPECT_EQ((*fresh)->list("messages", "thread_id", thread).value(), amina->list("messages", "thread_id", thread).value());
  ASSERT_GT(s->pulled_rows, 37u);
  long long pages = (static_cast<long long>(s->pulled_rows) + 3) / 4;
  EXPECT_EQ(counter("passerelle_sync_rows_pulled_total") - rows_before, static_cast<long long>(s->pulled_rows));
  EXPECT_EQ(counter("passerelle_sync_pulls_total") - pulls_before, pages);
}

// The page asked for ahead goes once the page before it is answered, so a server that allows
// one request in flight (--max-requests-in-flight 1) serves it: every pull ends in one round.
TEST(SyncOneRequestInFlight, AManyPagePullStillEndsInOneRound) {
  TestServer server(TestServer::Options{{"--max-requests-in-flight", "1"}});
  ASSERT_TRUE(server.ok()) << server.last_error();
  for (auto [email, role] : {std::pair{"admin@example.org", "admin"}, {"claire@example.org", "coach"},
                             {"amina@example.org", "candidate"}})
    ASSERT_TRUE(server.create_user(email, email, role, kPassword));
  std::vector<std::unique_ptr<TempDir>> dirs;
  auto device = [&](const std::string& email, std::string* id = nullptr) -> std::unique_ptr<Client> {
    dirs.push_back(std::make_unique<TempDir>());
    ClientOptions o;
    o.data_dir = dirs.back()->path();
    o.server_url = server.url();
    o.pull_limit = 1;  // one row per page: every pull needs several pages
    auto c = Client::open(o);
    EXPECT_TRUE(c.ok()) << c.error().message;
    auto u = (*c)->login(email, kPassword);
    EXPECT_TRUE(u.ok()) << u.error().message;
    if (u && id) *id = u->id;
    return std::move(*c);
  };
  std::string amina_id, claire_id, thread = new_id();
  auto amina = device("amina@example.org", &amina_id);
  auto claire = device("claire@example.org", &claire_id);
  auto admin = device("admin@example.org");
  ASSERT_TRUE(admin->mutate("caseload.assign", {{"candidate_id", amina_id}, {"coach_id", claire_id}, {"thread_id", thread}}).ok());
  auto s = admin->sync_once(30s);
  ASSERT_TRUE(s.ok()) << s.error().message;
  s = amina->sync_once(30s);
  ASSERT_TRUE(s.ok()) << s.error().message;
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(amina->mutate("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "m" + std::to_string(i)}}).ok());
  ASSERT_TRUE(amina->sync_once(30s).ok());

  auto fresh = device("amina@example.org");
  s = fresh->sync_once(30s);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_GT(s->pulled_rows, 5u);
  EXPECT_EQ(fresh->list("messages", "thread_id", thread).value(), amina->list("messages", "thread_id", thread).value());
  EXPECT_EQ(fresh->list("messages", "thread_id", thread)->size(), 3u);
}

}  // namespace passerelle::client
