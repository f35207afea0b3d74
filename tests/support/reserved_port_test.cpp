// ReservedPort and TestServer's keep_port: a server that must keep its address across restarts
// gets a port no other test, and no outgoing connection, can take in between.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <set>
#include <vector>

#include "passerelle/test/reserved_port.h"
#include "passerelle/test/test_server.h"

namespace passerelle::test {
namespace {

// A socket listening on 127.0.0.1:port; -1 when the port is taken.
int listen_on(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 1) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(ReservedPort, IsBelowTheKernelsEphemeralRangeAndFree) {
  ReservedPort port;
  ASSERT_TRUE(port.ok()) << port.error();
  EXPECT_GE(port.port(), ReservedPort::first_port());
  EXPECT_LE(port.port(), ReservedPort::last_port());
  EXPECT_GE(ReservedPort::first_port(), 1024);
  // An ephemeral port (bind to 0) is never one a reservation can hand out.
  int fd = listen_on(0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  EXPECT_GT(ntohs(a.sin_port), ReservedPort::last_port());
  ::close(fd);
  int own = listen_on(port.port());
  EXPECT_GE(own, 0) << "the reserved port is not free";
  ::close(own);
  EXPECT_EQ(port.listen_address(), "127.0.0.1:" + std::to_string(port.port()));
}

TEST(ReservedPort, IsNeverHandedOutTwiceWhileHeld) {
  // Each reservation holds its port's lock, as another test process's would.
  std::vector<std::unique_ptr<ReservedPort>> held;
  std::set<std::uint16_t> seen;
  for (int i = 0; i < 200; ++i) {
    held.push_back(std::make_unique<ReservedPort>());
    ASSERT_TRUE(held.back()->ok()) << held.back()->error();
    EXPECT_TRUE(seen.insert(held.back()->port()).second) << "port " << held.back()->port() << " handed out twice";
  }
}

TEST(TestServerKeepPort, ListensOnTheSamePortAfterARestartAndAKill) {
  TestServer::Options options;
  options.keep_port = true;
  TestServer server(options);
  ASSERT_TRUE(server.ok()) << server.last_error();
  const auto port = server.port();
  EXPECT_GE(port, ReservedPort::first_port());
  ASSERT_TRUE(server.restart()) << server.last_error();
  EXPECT_EQ(server.port(), port);
  server.kill9();
  ASSERT_TRUE(server.start()) << server.last_error();
  EXPECT_EQ(server.port(), port);
}

}  // namespace
}  // namespace passerelle::test
