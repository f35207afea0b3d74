// Network failures that need no server: each becomes a network Failure a person understands.
#include <gtest/gtest.h>

#include "connection.h"
#include "loopback.h"
#include "passerelle/client.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

using testing::LoopbackPort;
using testing::TempDir;

TEST(Network, RefusedConnectionSaysCannotReach) {
  LoopbackPort closed(/*listen_on_it=*/false);
  TempDir dir;
  ClientOptions options;
  options.data_dir = dir.path();
  options.server_url = "ws://127.0.0.1:" + std::to_string(closed.port());
  auto client = Client::open(options);
  ASSERT_TRUE(client) << client.error().message;
  auto user = (*client)->login("amina@example.org", "correct horse battery");
  ASSERT_FALSE(user);
  EXPECT_EQ(user.origin(), Origin::network);
  EXPECT_EQ(user.error().message, "cannot reach the server at " + options.server_url + ": connection refused");
  // Nothing was stored for a failed sign-in.
  auto me = (*client)->current_user();
  ASSERT_TRUE(me);
  EXPECT_FALSE(*me);
}

TEST(Network, SilentServerTimesOut) {
  // The kernel completes the TCP handshake on a listening socket; nobody ever answers.
  LoopbackPort silent(/*listen_on_it=*/true);
  ConnectionOptions options;
  options.url = *ServerUrl::parse("ws://127.0.0.1:" + std::to_string(silent.port()));
  options.connect_timeout = std::chrono::milliseconds(300);
  Connection connection(options, nullptr, nullptr);
  auto connected = connection.connect_and_wait();
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.origin(), Origin::network);
  EXPECT_NE(connected.error().message.find("cannot reach the server at ws://127.0.0.1:"), std::string::npos);
  EXPECT_NE(connected.error().message.find("no answer within 0.3 s"), std::string::npos)
      << connected.error().message;
  EXPECT_FALSE(connection.is_open());
}

TEST(Network, SilentServerTimesOutDuringTlsHandshake) {
  LoopbackPort silent(/*listen_on_it=*/true);
  ConnectionOptions options;
  options.url = *ServerUrl::parse("wss://127.0.0.1:" + std::to_string(silent.port()));
  options.connect_timeout = std::chrono::milliseconds(300);
  Connection connection(options, nullptr, nullptr);
  auto connected = connection.connect_and_wait();
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.origin(), Origin::network);
  EXPECT_NE(connected.error().message.find("no answer within"), std::string::npos) << connected.error().message;
}

TEST(Network, MissingCaFileIsAUsageError) {
  LoopbackPort closed(false);
  ConnectionOptions options;
  options.url = *ServerUrl::parse("wss://127.0.0.1:" + std::to_string(closed.port()));
  options.ca_file = "/nonexistent/ca.pem";
  Connection connection(options, nullptr, nullptr);
  auto connected = connection.connect_and_wait();
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.origin(), Origin::usage);
  EXPECT_NE(connected.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

TEST(Network, RequestBeforeConnectFailsCleanly) {
  ConnectionOptions options;
  options.url = *ServerUrl::parse("ws://127.0.0.1:1");
  Connection connection(options, nullptr, nullptr);
  auto answer = connection.request_and_wait("hello", {});
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.origin(), Origin::network);
  EXPECT_NE(answer.error().message.find("not connected"), std::string::npos);
}

TEST(Network, DestroyingAConnectionMidHandshakeDoesNotHang) {
  LoopbackPort silent(true);
  ConnectionOptions options;
  options.url = *ServerUrl::parse("ws://127.0.0.1:" + std::to_string(silent.port()));
  options.connect_timeout = std::chrono::seconds(30);
  auto connection = std::make_unique<Connection>(options, nullptr, nullptr);
  connection->connect([](Outcome<Done>) {});
  connection.reset();  // must return promptly, dropping the pending handshake
  SUCCEED();
}

}  // namespace
}  // namespace passerelle::client
