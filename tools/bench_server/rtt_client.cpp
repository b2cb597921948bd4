// rtt_client — one keep-alive connection, one request at a time, each request's round trip timed
// on CLOCK_MONOTONIC next to the server's own headers, so the overhead around the model can be
// taken request by request (round trip − x-model-time) instead of from two separate runs.
// Built and run by bench_server.py (plain C++20, no dependencies):
//
//   rtt_client --port P --body FILE [--path /predict] [--requests N] [--seconds S] [--warmup N]
//              [--spin]
//   rtt_client --echo --body FILE [--requests N] [--seconds S] [--warmup N] [--spin]
//
// Stops after N timed requests (default 1000) or S seconds (default: no limit), whichever first.
//
// Prints one CSV line per timed request:
//   send_ns,recv_ns,compute_ms,model_ms,t0,...,t7
// send_ns/recv_ns: before send() and after the last byte of the answer arrived; compute_ms and
// model_ms: x-compute-time and x-model-time (-1 if absent); t0..t7: x-trace stamps (server started
// with ENCORE_SERVE_TRACE=1; else 0), same clock.
// --spin: poll the socket without sleeping (MSG_DONTWAIT), so the client's own wake-up is not in
// the round trip. --echo: instead of a server, a forked child that answers every request at once
// with a canned HTTP answer of the same shape: the loopback floor of this machine.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "rtt_client: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

void set_nodelay(int fd) {
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("send");
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads one HTTP message (headers + content-length body) into `buffer`; returns its header part.
// Returns an empty view when the peer closed before a whole message arrived.
std::string_view read_message(int fd, std::string& buffer, bool spin) {
  buffer.clear();
  char chunk[65536];
  size_t header_end = std::string::npos, total = 0;
  for (;;) {
    const ssize_t n = recv(fd, chunk, sizeof chunk, spin ? MSG_DONTWAIT : 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      die("recv");
    }
    if (n == 0) return {};
    buffer.append(chunk, static_cast<size_t>(n));
    if (header_end == std::string::npos) {
      header_end = buffer.find("\r\n\r\n");
      if (header_end == std::string::npos) continue;
      size_t length = 0;
      const size_t at = buffer.find("ontent-length: ");  // either case of the first letter
      if (at != std::string::npos && at < header_end) {
        const char* digits = buffer.data() + at + 15;
        std::from_chars(digits, buffer.data() + header_end, length);
      }
      total = header_end + 4 + length;
    }
    if (buffer.size() >= total) return {buffer.data(), header_end + 2};
  }
}

std::string_view header(std::string_view headers, std::string_view name) {
  const size_t at = headers.find(name);
  if (at == std::string_view::npos) return {};
  const size_t start = at + name.size();
  return headers.substr(start, headers.find("\r\n", start) - start);
}

double header_ms(std::string_view headers, std::string_view name) {
  const std::string_view value = header(headers, name);
  double ms = -1;
  if (!value.empty()) std::from_chars(value.data(), value.data() + value.size(), ms);
  return ms;
}

// The echo peer: answers each whole request with the same canned answer, blocking in recv.
void serve_echo(int listener, const std::string& answer) {
  const int fd = accept(listener, nullptr, nullptr);
  if (fd < 0) die("accept");
  set_nodelay(fd);
  std::string buffer;
  while (!read_message(fd, buffer, false).empty()) send_all(fd, answer);
  std::_Exit(0);
}

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("connect");
  set_nodelay(fd);
  return fd;
}

// Starts the echo child on a free port; returns the port.
int start_echo() {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("bind");
  if (listen(listener, 1) != 0) die("listen");
  socklen_t size = sizeof address;
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size);
  const std::string body = "[{\"label\":\"LABEL_0\",\"score\":0.5123456789}]";
  const std::string answer =
      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " +
      std::to_string(body.size()) +
      "\r\nx-compute-time: 0.000\r\nx-compute-tokens: 8\r\n\r\n" + body;
  if (fork() == 0) serve_echo(listener, answer);
  close(listener);
  return ntohs(address.sin_port);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, requests = 1000, warmup = 50;
  double seconds = 0;
  bool spin = false, echo = false;
  std::string body_file, path = "/predict";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "rtt_client: %s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--port") port = std::atoi(next());
    else if (arg == "--body") body_file = next();
    else if (arg == "--path") path = next();
    else if (arg == "--requests") requests = std::atoi(next());
    else if (arg == "--warmup") warmup = std::atoi(next());
    else if (arg == "--seconds") seconds = std::atof(next());
    else if (arg == "--spin") spin = true;
    else if (arg == "--echo") echo = true;
    else {
      std::fprintf(stderr, "rtt_client: unknown argument %s (see the comment at the top)\n", argv[i]);
      return 2;
    }
  }
  std::ifstream in(body_file);
  if (body_file.empty() || !in) {
    std::fprintf(stderr, "rtt_client: --body FILE is required and must be readable\n");
    return 2;
  }
  std::stringstream body;
  body << in.rdbuf();
  const std::string request = "POST " + path +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              "Content-Length: " +
                              std::to_string(body.str().size()) + "\r\n\r\n" + body.str();
  const int fd = connect_to(echo ? start_echo() : port);
  std::string buffer;
  std::string out;
  int64_t stop_at = 0;  // set after the warm-up
  for (int i = 0; i < warmup + requests; ++i) {
    if (i == warmup && seconds > 0) stop_at = now_ns() + static_cast<int64_t>(seconds * 1e9);
    if (stop_at && now_ns() >= stop_at) break;
    const int64_t sent = now_ns();
    send_all(fd, request);
    const std::string_view headers = read_message(fd, buffer, spin);
    const int64_t received = now_ns();
    if (headers.empty()) {
      std::fprintf(stderr, "rtt_client: the server closed the connection\n");
      return 1;
    }
    if (headers.substr(0, 12) != "HTTP/1.1 200") {
      std::fprintf(stderr, "rtt_client: %.*s\n", static_cast<int>(headers.find('\r')), headers.data());
      return 1;
    }
    if (i < warmup) continue;
    char line[512];
    int n = std::snprintf(line, sizeof line, "%lld,%lld,%.3f,%.3f", static_cast<long long>(sent),
                          static_cast<long long>(received), header_ms(headers, "x-compute-time: "),
                          header_ms(headers, "x-model-time: "));
    std::string_view trace = header(headers, "x-trace: ");
    for (int k = 0; k < 8; ++k) {
      const size_t comma = trace.find(',');
      const std::string_view stamp = trace.substr(0, comma);
      const std::string_view shown = stamp.empty() ? std::string_view("0") : stamp;
      n += std::snprintf(line + n, sizeof line - n, ",%.*s", static_cast<int>(shown.size()),
                         shown.data());
      trace = comma == std::string_view::npos ? std::string_view{} : trace.substr(comma + 1);
    }
    out.append(line, static_cast<size_t>(n)).push_back('\n');
  }
  close(fd);
  if (echo) wait(nullptr);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
