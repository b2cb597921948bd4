// WorkerPool: when a worker's own answer wakes the I/O thread (its eventfd) and when it does not.
// A direct keep-alive answer nothing waits for is published quietly and woken after the quiet
// delay; input waiting behind it, a closing server, or an answer the I/O thread must send itself
// wake it at once. Real threads and a socketpair as the client's socket.
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <string>

#include "server/worker_pool.h"

using namespace encore::server;
using namespace std::chrono_literals;

namespace {

class Answer final : public Work {
 public:
  void run(std::vector<HttpResponse>& responses) override {
    HttpResponse response;
    response.body = "{\"ok\":true}";
    responses.push_back(std::move(response));
  }
};

bool readable_within(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

// Reads until one whole answer (headers and its {"ok":true} body) is in.
std::string read_answer(int fd) {
  std::string got;
  char buffer[4096];
  while (got.find("{\"ok\":true}") == std::string::npos) {
    REQUIRE(readable_within(fd, 5000ms));
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    REQUIRE(n > 0);
    got.append(buffer, static_cast<size_t>(n));
  }
  return got;
}

struct Client {
  std::shared_ptr<SharedSocket> server_side;
  UniqueFd peer;
  Client() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    server_side = std::make_shared<SharedSocket>(UniqueFd(fds[0]));
    peer = UniqueFd(fds[1]);
  }
  DirectReply reply(bool keep_alive = true) const {
    return {server_side, std::chrono::steady_clock::now(), keep_alive, false, {}, {}};
  }
};

}  // namespace

TEST_CASE("a direct keep-alive answer does not wake the I/O thread until the quiet delay") {
  SUBCASE("taken before the delay: never woken") {
    WorkerPool pool(1, 4, {}, {}, -1, /*quiet_done_delay=*/10s);
    Client client;
    REQUIRE(pool.try_submit(7, std::make_unique<Answer>(), client.reply()));
    CHECK(read_answer(client.peer.get()).find("HTTP/1.1 200") == 0);
    CHECK_FALSE(readable_within(pool.wake_fd(), 200ms));
    CHECK(pool.has_done());
    const auto done = pool.take_done();
    REQUIRE(done.size() == 1);
    CHECK(done[0].connection_id == 7);
    CHECK(done[0].sent_by_worker);
    CHECK(done[0].keep_alive);
    CHECK(done[0].response.status == 200);
    CHECK_FALSE(pool.has_done());
  }
  SUBCASE("not taken: woken after the delay") {
    WorkerPool pool(1, 4, {}, {}, -1, /*quiet_done_delay=*/1ms);
    Client client;
    REQUIRE(pool.try_submit(7, std::make_unique<Answer>(), client.reply()));
    read_answer(client.peer.get());
    CHECK(readable_within(pool.wake_fd(), 5000ms));
    CHECK(pool.take_done().size() == 1);
  }
}

TEST_CASE("the I/O thread is woken at once when it needs the answer's Done") {
  WorkerPool pool(1, 4, {}, {}, -1, /*quiet_done_delay=*/60s);
  Client client;
  SUBCASE("input is buffered behind the answer") {
    client.server_side->set_answer_awaited(true);
    REQUIRE(pool.try_submit(1, std::make_unique<Answer>(), client.reply()));
  }
  SUBCASE("the answer closes the connection") {
    REQUIRE(pool.try_submit(1, std::make_unique<Answer>(), client.reply(/*keep_alive=*/false)));
  }
  SUBCASE("the server is draining") {
    pool.close_connections_after_reply();
    REQUIRE(pool.try_submit(1, std::make_unique<Answer>(), client.reply()));
  }
  SUBCASE("no direct reply: the I/O thread sends the answer") {
    REQUIRE(pool.try_submit(1, std::make_unique<Answer>()));
  }
  CHECK(readable_within(pool.wake_fd(), 5000ms));
  pool.reset_wake();
  const auto done = pool.take_done();
  REQUIRE(done.size() == 1);
  CHECK(done[0].connection_id == 1);
}
