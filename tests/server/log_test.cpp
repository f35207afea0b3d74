// The structured log line (server/src/log.h): its shape is what operators' tools parse
// (docs/operations.md), so it is checked byte for byte.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "log.h"

namespace plog = passerelle::server::log;

TEST(LogLine, KeysInOrderThenFields) {
  boost::json::object f{{"remote", "127.0.0.1"}, {"tls", false}};
  f["n"] = 3;
  EXPECT_EQ(plog::format_line(plog::Level::info, "connection_opened", f, "2026-01-02T03:04:05.678Z"),
            "{\"ts\":\"2026-01-02T03:04:05.678Z\",\"level\":\"info\",\"event\":\"connection_opened\","
            "\"remote\":\"127.0.0.1\",\"tls\":false,\"n\":3}\n");
  EXPECT_EQ(plog::format_line(plog::Level::warn, "x", {}, "t"), "{\"ts\":\"t\",\"level\":\"warn\",\"event\":\"x\"}\n");
}

TEST(LogLine, EscapesAndNestsAsJson) {
  boost::json::object f{{"error", "a \"quoted\"\nline\x01"}, {"details", boost::json::object{{"k", boost::json::array{1, "b"}}}}};
  std::string line = plog::format_line(plog::Level::error, "ev\"ent", f, "t");
  ASSERT_EQ(line.back(), '\n');
  auto v = boost::json::parse(line);
  EXPECT_EQ(v.at("event").as_string(), "ev\"ent");
  EXPECT_EQ(v.at("error").as_string(), "a \"quoted\"\nline\x01");
  EXPECT_EQ(v.at("details").at("k").at(1).as_string(), "b");
  EXPECT_EQ(v.at("level").as_string(), "error");
}

TEST(LogLine, AFieldCannotReplaceTheLinesOwnKeys) {
  boost::json::object f{{"event", "forged"}, {"ts", "0"}, {"level", "debug"}, {"user_id", "u1"}};
  EXPECT_EQ(plog::format_line(plog::Level::info, "resume_ok", f, "t"),
            "{\"ts\":\"t\",\"level\":\"info\",\"event\":\"resume_ok\",\"user_id\":\"u1\"}\n");
}
