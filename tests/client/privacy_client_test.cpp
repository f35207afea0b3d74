// Privacy rights on the device (docs/security.md): `passerelle export DIR` writes the person's
// data and their files; an account erased on the server is wiped from a device at its next sync.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>
#include <thread>

#include "passerelle/client.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/test/test_server.h"
#include "run_cli.h"
#include "sync_fixture.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

using namespace testing;
namespace json = boost::json;
using namespace std::chrono_literals;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(SyncWithServer, ExportWritesTheirDataAndTheirFiles) {
  assign();
  ASSERT_TRUE(amina->sync_once(30s).ok());  // brings the coaching thread to her device
  std::string cv = "%PDF-1.4\n% Amina's CV\n%%EOF\n";
  auto cv_path = amina_dir.path() / "cv.pdf";
  std::ofstream(cv_path, std::ios::binary) << cv;
  amina.reset();  // the CLI works on the same data directory
  auto sent = cli(amina_dir, {"send", thread, "voici mon CV", "--attach", cv_path.string()});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  auto synced = cli(amina_dir, {"sync"});
  ASSERT_EQ(synced.exit_code, 0) << synced.err;

  TempDir out;
  auto r = cli(amina_dir, {"export", out.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto x = json::parse(read_file(out.path() / "export.json")).as_object();
  EXPECT_EQ(x.at("account").at("email"), "amina@example.org");
  EXPECT_NE(json::serialize(x.at("rows").at("messages")).find("voici mon CV"), std::string::npos);
  ASSERT_EQ(x.at("files").as_array().size(), 1u);
  std::string sha = passerelle::sha256_hex(cv);
  EXPECT_EQ(x.at("files").at(0).at("sha256"), json::value(sha));
  EXPECT_EQ(read_file(out.path() / "files" / sha), cv);
  // A second export into the same place does not overwrite the first.
  EXPECT_EQ(cli(amina_dir, {"export", out.path().string()}).exit_code, 2);
}

TEST_F(SyncWithServer, AnErasedAccountIsWipedFromTheDeviceAtItsNextSync) {
  assign();
  ASSERT_TRUE(amina->sync_once(30s).ok());
  ASSERT_TRUE(amina->mutate("message.send", {{"id", new_id()}, {"thread_id", thread}, {"body", "bientôt effacé"}}).ok());
  ASSERT_TRUE(amina->sync_once(30s).ok());
  std::string file = (amina_dir.path() / "accounts" / (amina_id + ".sqlite")).string();
  ASSERT_GT(sqlite_count(file, "SELECT COUNT(*) FROM server_rows"), 0);

  // Amina erases her account from her phone; this device was offline meanwhile.
  TempDir phone_dir;
  auto phone = signed_in(phone_dir, "amina@example.org");
  auto gone = phone->request("account.delete", {{"password", kPassword}});
  ASSERT_TRUE(gone.ok()) << gone.error().message;

  auto s = amina->sync_once(30s);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::unauthenticated);
  for (std::string table : {"server_rows", "view_rows", "outbox", "rejections", "sync_state"})
    EXPECT_EQ(sqlite_count(file, "SELECT COUNT(*) FROM " + table), 0) << table;
  EXPECT_EQ(sqlite_count(file, "SELECT COUNT(*) FROM account WHERE token IS NOT NULL"), 0);
  auto threads = amina->get("threads", thread);
  EXPECT_FALSE(threads.ok() && threads->has_value()) << "the thread is gone from this device";
  auto me = amina->current_user();
  ASSERT_TRUE(me.ok());
  EXPECT_FALSE(me->has_value()) << "nobody is signed in on this device any more";
}

}  // namespace
}  // namespace passerelle::client
