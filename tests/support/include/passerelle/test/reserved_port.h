// A loopback TCP port reserved for one test for as long as the object lives, for a server that
// must keep its address across restarts (devices reconnect to the same URL).
//
//   passerelle::test::ReservedPort port;               // ASSERT_TRUE(port.ok()) << port.error()
//   opts.extra_args = {"--listen", port.listen_address()};
//
// Why not "a port that was free a moment ago": a port the kernel handed out once (bind to 0) can
// be handed out again, to another test's server or to any outgoing connection, while ours is
// stopped between two starts; the restart then fails with "Address already in use". A reserved
// port is taken below the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range), so
// the kernel never hands it out, and it is locked with flock(2) on a file under
// $TMPDIR/passerelle-test-ports/, so no other test process picks it while this one holds it. A
// candidate is also checked by binding it, so a port some other program listens on is skipped.
// The lock goes with the process (also on a crash), so nothing is left to clean.
#pragma once

#include <cstdint>
#include <string>

namespace passerelle::test {

class ReservedPort {
 public:
  ReservedPort();
  ~ReservedPort();
  ReservedPort(const ReservedPort&) = delete;
  ReservedPort& operator=(const ReservedPort&) = delete;

  bool ok() const { return port_ != 0; }
  const std::string& error() const { return error_; }
  std::uint16_t port() const { return port_; }
  std::string listen_address() const;  // "127.0.0.1:<port>"

  // The ports reservations are taken from: [first, last], below the ephemeral range.
  static std::uint16_t first_port();
  static std::uint16_t last_port();

 private:
  std::uint16_t port_ = 0;
  int lock_fd_ = -1;
  std::string error_;
};

}  // namespace passerelle::test
