// SQLite on a full disk (docs/faults.md, "The disk is full"): the server's database on a tmpfs of
// its own (8 MiB), filled to the brim by a filler file while a device writes. Pushes are then
// refused with `internal` and the clear message, nothing of them applied; pulls are still
// answered; once the filler is removed the SAME ops are pushed again and apply once; PRAGMA
// integrity_check is ok and every acknowledged op is in the database exactly once.
//
// Mounting needs root (CAP_SYS_ADMIN); without it the test says so and is skipped.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "fault_run.h"
#include "passerelle/shared/ids.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/raw_ws_client.h"
#include "passerelle/test/test_server.h"

namespace passerelle::faults {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::TestServer;

constexpr const char* kBodyPrefix = "fault op ";

// A tmpfs mounted on a fresh directory for the life of the object.
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& size) {
    if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0) mounted_ = true;
    else error_ = std::strerror(errno);
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return dir_.path(); }

  // Writes `filler` until the file system refuses: the disk is full to the last block.
  std::uintmax_t fill() {
    std::FILE* f = std::fopen((path() + "/filler").c_str(), "ab");
    if (!f) return 0;
    std::vector<char> block(64 * 1024, 'x');
    std::uintmax_t written = 0;
    for (std::size_t size = block.size(); size > 0; size /= 2) {
      while (std::fwrite(block.data(), 1, size, f) == size && std::fflush(f) == 0) written += size;
      std::clearerr(f);
    }
    std::fclose(f);
    return written;
  }
  void make_room() { fs::remove(path() + "/filler"); }

 private:
  test::TempDir dir_;
  bool mounted_ = false;
  std::string error_;
};

json::object message_op(const std::string& thread) {
  std::string op_id = new_id();
  return {{"op_id", op_id}, {"name", "message.send"}, {"args", {{"id", new_id()}, {"thread_id", thread}, {"body", kBodyPrefix + op_id}}}};
}

TEST(DiskFull, WritesRefusedReadsAnsweredAndTheSameOpsApplyOnceWhenSpaceReturns) {
  SmallDisk disk("8m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << disk.error() << "): run as root to test a full disk";
  TestServer::Options opt;
  opt.db = "sqlite:" + disk.path() + "/db.sqlite";
  TestServer server(opt);
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("coach-disk@example.org", "Coach", "coach", test::kTestPassword)) << server.last_error();
  ASSERT_TRUE(server.create_user("device-disk@example.org", "Device", "candidate", test::kTestPassword)) << server.last_error();
  auto coach = test::sign_in(server, "coach-disk@example.org");
  auto device = test::sign_in(server, "device-disk@example.org");
  std::string thread = new_id();
  auto assigned = test::push(coach, {test::op("caseload.assign", {{"candidate_id", device.id}, {"coach_id", coach.id}, {"thread_id", thread}})});
  ASSERT_EQ(assigned["ok"], true) << json::serialize(assigned);

  std::vector<std::string> acked;
  auto push_batch = [&](const json::array& ops) { return device.call("push", {{"ops", ops}}, 10s); };
  auto record = [&](const json::object& answer) {
    for (const auto& r : answer.at("results").as_array()) {
      ASSERT_EQ(r.at("status"), "applied") << json::serialize(r);
      acked.emplace_back(r.at("op_id").as_string());
    }
  };
  for (int i = 0; i < 20; ++i) {
    auto a = push_batch({message_op(thread), message_op(thread)});
    ASSERT_EQ(a["ok"], true) << json::serialize(a);
    record(a);
  }

  auto filled = disk.fill();
  ASSERT_GT(filled, 0u);
  std::cout << "filler: " << filled << " bytes; the disk is full" << std::endl;
  // Until the WAL's free room is used up some pushes may still commit; then every one is refused.
  json::array refused_ops;
  json::object refusal;
  for (int i = 0; i < 500 && refusal.empty(); ++i) {
    json::array ops;
    for (int k = 0; k < 8; ++k) ops.push_back(message_op(thread));
    auto a = push_batch(ops);
    ASSERT_FALSE(a.empty()) << "a push got no answer on a full disk";
    if (a["ok"] == true) {
      record(a);
      continue;
    }
    refusal = a;
    refused_ops = ops;
  }
  ASSERT_FALSE(refusal.empty()) << "the disk never refused a write";
  EXPECT_EQ(test::code_of(refusal), "internal") << json::serialize(refusal);
  EXPECT_NE(json::serialize(refusal).find("could not be recorded"), std::string::npos) << json::serialize(refusal);
  // Refused again, nothing applied meanwhile; reads still answered.
  auto again = push_batch(refused_ops);
  EXPECT_EQ(test::code_of(again), "internal") << json::serialize(again);
  auto pulled = device.call("pull", {{"cursor", 0}}, 10s);
  EXPECT_EQ(pulled["ok"], true) << "pull refused on a full disk: " << json::serialize(pulled);
  EXPECT_EQ(test::http_get(server.port(), "/healthz").status, 200) << "SQLite is reachable: /healthz stays 200";

  disk.make_room();
  auto applied = push_batch(refused_ops);
  ASSERT_EQ(applied["ok"], true) << "the same ops, once space is back: " << json::serialize(applied);
  record(applied);
  auto more = push_batch({message_op(thread)});
  ASSERT_EQ(more["ok"], true) << json::serialize(more);
  record(more);
  server.stop();

  EXPECT_EQ(integrity_check(disk.path() + "/db.sqlite"), "ok");
  std::string error;
  auto counts = message_body_counts(disk.path() + "/db.sqlite", &error);
  ASSERT_TRUE(error.empty()) << error;
  auto t = tally(acked, counts, kBodyPrefix);
  std::cout << "disk full: " << t.acknowledged << " ops acknowledged, " << t.lost << " lost, " << t.duplicated << " duplicated"
            << std::endl;
  EXPECT_EQ(t.lost, 0u);
  EXPECT_EQ(t.duplicated, 0u);
  EXPECT_TRUE(numbering_problems(disk.path() + "/db.sqlite").empty());
}

}  // namespace
}  // namespace passerelle::faults
