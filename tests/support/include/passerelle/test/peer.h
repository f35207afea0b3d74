// A signed-in protocol client for integration tests: a RawWsClient after hello and
// auth.login, with helpers for push/pull/poke. Failures are reported with gtest EXPECTs.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "passerelle/test/raw_ws_client.h"
#include "passerelle/test/test_server.h"

namespace passerelle::test {

inline constexpr const char* kTestPassword = "correct horse battery";

struct Peer {
  std::unique_ptr<RawWsClient> ws;
  std::string id;
  std::string token;
  std::int64_t next = 10;
  boost::json::object call(const std::string& type, boost::json::object fields = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(10));
};

// A connection that said hello (protocol 1).
std::unique_ptr<RawWsClient> connect_hello(TestServer& server);
Peer sign_in(TestServer& server, const std::string& email, const std::string& password = kTestPassword);
// The same account on a new connection: hello, then auth.resume with a token it signed in with
// (on this server, or on the one a TestServer::Options::copy_of server was copied from).
Peer resume(TestServer& server, const std::string& id, const std::string& token);

boost::json::object op(const std::string& name, boost::json::object args, std::string op_id = {});
boost::json::object send_op(const std::string& thread_id, const std::string& body, std::string message_id = {});
boost::json::object push(Peer& p, boost::json::array ops);

// Every change a user can see after `cursor`, following pages; key "collection/id".
struct Pulled {
  std::map<std::string, boost::json::object> rows;  // change objects
  std::int64_t cursor = 0;
  int pages = 0;
  int changes = 0;
};
Pulled pull_all(Peer& p, std::int64_t cursor = 0, std::int64_t limit = 500);
std::size_t count_prefix(const Pulled& p, const std::string& collection, bool include_deleted = false);
// The row data of "collection/id" in a pull, if present and not deleted.
std::optional<boost::json::object> pulled_row(const Pulled& p, const std::string& collection, const std::string& id);

std::optional<boost::json::object> read_poke(RawWsClient& ws, std::chrono::milliseconds timeout);

}  // namespace passerelle::test
