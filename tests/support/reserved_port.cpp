#include "passerelle/test/reserved_port.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace passerelle::test {
namespace {

// The low end of the kernel's ephemeral range; 32768 (Linux's default) when unreadable.
unsigned ephemeral_low() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned low = 0, high = 0;
  if (in >> low >> high && low > 2048) return low;
  return 32768;
}

// True when nothing listens on 127.0.0.1:port now (SO_REUSEADDR, as the server binds, so a
// port whose last connections linger in TIME_WAIT still counts as free).
bool can_bind(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::filesystem::path lock_folder() {
  const char* tmp = std::getenv("TMPDIR");
  return std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / "passerelle-test-ports";
}

}  // namespace

std::uint16_t ReservedPort::first_port() {
  unsigned low = ephemeral_low();
  return static_cast<std::uint16_t>(low > 12288 ? low - 12288 : 1024);
}
std::uint16_t ReservedPort::last_port() { return static_cast<std::uint16_t>(ephemeral_low() - 1); }

ReservedPort::ReservedPort() {
  std::error_code ec;
  std::filesystem::create_directories(lock_folder(), ec);
  const unsigned first = first_port(), last = last_port();
  const unsigned span = last - first + 1;
  // Start at a random place so parallel test processes rarely try the same ports first.
  std::random_device random;
  unsigned start = std::uniform_int_distribution<unsigned>(0, span - 1)(random);
  for (unsigned i = 0; i < span && i < 2000; ++i) {
    auto port = static_cast<std::uint16_t>(first + (start + i) % span);
    std::string path = (lock_folder() / (std::to_string(port) + ".lock")).string();
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
      error_ = "cannot open " + path + ": " + std::strerror(errno);
      return;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // another test holds it
      ::close(fd);
      continue;
    }
    if (!can_bind(port)) {  // something outside the tests listens there
      ::close(fd);
      continue;
    }
    port_ = port;
    lock_fd_ = fd;
    return;
  }
  error_ = "no free loopback port between " + std::to_string(first) + " and " + std::to_string(last);
}

ReservedPort::~ReservedPort() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

std::string ReservedPort::listen_address() const { return "127.0.0.1:" + std::to_string(port_); }

}  // namespace passerelle::test
