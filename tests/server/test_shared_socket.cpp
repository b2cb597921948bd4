// SharedSocket: bytes leave in the order they were handed over, whoever sends them, even when
// the socket is full and part of an earlier write is still queued.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <string>

#include "server/shared_socket.h"

using namespace encore::server;

namespace {

// Reads everything the peer can read now.
std::string drain(int fd) {
  std::string got;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n <= 0) return got;
    got.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace

TEST_CASE("bytes the socket did not take go out first, before later writes") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  const int small = 4096;
  ::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  SharedSocket socket{UniqueFd(fds[0])};
  UniqueFd peer(fds[1]);

  std::string first(1 << 20, 'a');  // far more than the socket buffers hold
  for (size_t i = 0; i < first.size(); i += 997) first[i] = static_cast<char>('b' + i % 20);
  const std::string second = "then this";
  {
    const auto lock = socket.lock();
    CHECK(socket.send(first));
    CHECK(socket.queued() > 0);
    CHECK(socket.send(second));  // queued behind the rest of `first`
  }
  std::string got;
  for (int i = 0; i < 100000 && socket.queued() > 0; ++i) {
    got += drain(peer.get());
    const auto lock = socket.lock();
    CHECK(socket.send(""));
  }
  got += drain(peer.get());
  CHECK(socket.queued() == 0);
  CHECK(got == first + second);
}

TEST_CASE("after the peer is gone, sending fails and keeps failing") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  SharedSocket socket{UniqueFd(fds[0])};
  ::close(fds[1]);
  const auto lock = socket.lock();
  CHECK_FALSE(socket.send("hello"));
  CHECK_FALSE(socket.send(""));
}
