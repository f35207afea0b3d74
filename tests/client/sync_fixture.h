// The fixture the sync and plan integration tests share: a real passerelle-server with an
// admin, two coaches and a candidate; Amina (candidate) and Claire (coach) signed in through the
// library; the CLI run as a process on any of their data directories.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "passerelle/client.h"
#include "passerelle/shared/ids.h"
#include "passerelle/test/eventually.h"
#include "passerelle/test/test_server.h"
#include "run_cli.h"
#include "temp_dir.h"

namespace passerelle::client::testing {

namespace json = boost::json;
using passerelle::test::TestServer;
using namespace std::chrono_literals;

inline const std::string kCli = PASSERELLE_CLI_PATH;
inline const std::string kPassword = "correct horse battery";
using passerelle::test::sqlite_count;


class SyncWithServer : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    ASSERT_TRUE(server.create_user("admin@example.org", "Ada Admin", "admin", kPassword));
    ASSERT_TRUE(server.create_user("claire@example.org", "Claire Coach", "coach", kPassword));
    ASSERT_TRUE(server.create_user("karim@example.org", "Karim Coach", "coach", kPassword));
    ASSERT_TRUE(server.create_user("amina@example.org", "Amina Benali", "candidate", kPassword));
    amina = signed_in(amina_dir, "amina@example.org", &amina_id);
    claire = signed_in(claire_dir, "claire@example.org", &claire_id);
    ASSERT_TRUE(amina && claire);
  }

  std::unique_ptr<Client> device(const TempDir& dir) {
    ClientOptions o;
    o.data_dir = dir.path();
    o.server_url = server.url();
    o.connect_timeout = 5s;
    o.request_timeout = 20s;
    o.sync_backoff_min = 50ms;
    o.sync_backoff_max = 500ms;
    auto c = Client::open(o);
    EXPECT_TRUE(c.ok()) << (c ? "" : c.error().message);
    return c ? std::move(*c) : nullptr;
  }
  std::unique_ptr<Client> signed_in(const TempDir& dir, const std::string& email, std::string* id = nullptr) {
    auto c = device(dir);
    auto u = c->login(email, kPassword);
    EXPECT_TRUE(u.ok()) << (u ? "" : u.error().message);
    if (u && id) *id = u->id;
    return c;
  }

  // The admin assigns Amina to Claire; returns the coaching thread id.
  std::string assign() {
    auto admin = signed_in(admin_dir, "admin@example.org");
    auto op = admin->mutate("caseload.assign", {{"candidate_id", amina_id}, {"coach_id", claire_id}, {"thread_id", thread}});
    EXPECT_TRUE(op.ok()) << (op ? "" : op.error().message);
    auto s = admin->sync_once(30s);
    EXPECT_TRUE(s.ok()) << (s ? "" : s.error().message);
    if (s) {
      EXPECT_EQ(s->applied, 1u);
      EXPECT_EQ(s->rejected, 0u);
    }
    return thread;
  }

  CliResult cli(const TempDir& dir, std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"--data", dir.path().string()});
    return run_cli(kCli, args, input);
  }

  TestServer server;
  TempDir admin_dir, claire_dir, amina_dir, karim_dir;
  std::string amina_id, claire_id, thread = new_id();
  std::unique_ptr<Client> amina, claire;
};

using passerelle::test::eventually;

}  // namespace passerelle::client::testing
