#include "tests/server/test_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "loader/demo_model.h"
#include "support/error.h"

namespace encore::test {

std::string make_request(std::string_view method, std::string_view path, std::string_view body,
                         std::string_view extra_headers) {
  std::string request =
      std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!body.empty() || method == "POST")
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += extra_headers;
  request += "\r\n";
  request += body;
  return request;
}

Client::Client(uint16_t port, std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{.tv_sec = static_cast<time_t>(timeout.count() / 1000),
             .tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw_error("connect to 127.0.0.1:", port, ": ", std::strerror(errno));
  }
}

Client::~Client() {
  ::close(fd_);
}

void Client::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

std::optional<Response> Client::read_response() {
  auto fill = [&] {
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  };
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return std::nullopt;
  }
  Response response;
  std::string_view head(buffer_.data(), end);
  if (head.substr(0, 9) != "HTTP/1.1 ") return std::nullopt;
  response.status = std::atoi(std::string(head.substr(9, 3)).c_str());
  size_t line = head.find("\r\n");
  while (line != std::string_view::npos) {
    size_t next = head.find("\r\n", line + 2);
    std::string_view field =
        head.substr(line + 2, next == std::string_view::npos ? head.npos : next - line - 2);
    size_t colon = field.find(':');
    std::string name(field.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = field.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    response.headers[name] = std::string(value);
    line = next;
  }
  const size_t length = std::stoul(
      response.headers.count("content-length") ? response.headers["content-length"] : "0");
  while (buffer_.size() < end + 4 + length) {
    if (!fill()) return std::nullopt;
  }
  response.body = buffer_.substr(end + 4, length);
  buffer_.erase(0, end + 4 + length);
  return response;
}

bool Client::wait_for_close() {
  char chunk[65536];
  for (;;) {
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

std::optional<Response> fetch(uint16_t port, std::string_view request) {
  Client client(port);
  client.send(request);
  return client.read_response();
}

ServeProcess::ServeProcess(const std::vector<std::string>& args) {
  const char* binary = std::getenv("ENCORE_BIN");
  if (!binary) throw std::runtime_error("ENCORE_BIN is not set (run through meson test)");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> argv_strings = {binary, "serve", "--port", "0"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::execv(binary, argv.data());
    _exit(127);
  }
  ::close(pipe_fds[1]);
  stdout_fd_ = pipe_fds[0];
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < give_up) {
    read_output(std::chrono::milliseconds(100));
    const size_t at = output_.find("listening on http://127.0.0.1:");
    if (at != std::string::npos && output_.find('\n', at) != std::string::npos) {
      port_ = static_cast<uint16_t>(std::atoi(output_.c_str() + at + 30));
      return;
    }
  }
  throw std::runtime_error("encore serve did not print its address; output: " + output_);
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0) terminate();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

void ServeProcess::read_output(std::chrono::milliseconds wait) {
  pollfd p{.fd = stdout_fd_, .events = POLLIN, .revents = 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return;
  char chunk[4096];
  ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
  if (n > 0) output_.append(chunk, static_cast<size_t>(n));
}

bool ServeProcess::wait_for_health(int status, std::chrono::seconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < give_up) {
    auto response = fetch(port_, make_request("GET", "/health"));
    if (response && response->status == status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int ServeProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  pid_t done = 0;
  while ((done = ::waitpid(pid_, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < give_up) {
    read_output(std::chrono::milliseconds(20));
  }
  if (done == 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  pid_ = -1;
  for (int i = 0; i < 10; ++i) read_output(std::chrono::milliseconds(0));
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string run_command(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char chunk[4096];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) out.append(chunk, n);
  ::pclose(pipe);
  return out;
}

const std::string& tiny_model_dir() {
  // Removed when the test process exits.
  struct TemporaryModel {
    std::string path;
    ~TemporaryModel() {
      if (!path.empty()) std::filesystem::remove_all(path);
    }
  };
  static const TemporaryModel model = [] {
    std::string path = std::filesystem::temp_directory_path() /
                       ("encore-serve-test-" + std::to_string(::getpid()));
    loader::DemoModelOptions options;
    options.dim = 32;
    options.n_heads = 2;
    options.n_layers = 2;
    options.hidden_dim = 64;
    options.max_position_embeddings = 64;
    try {
      loader::write_demo_model(path, options);
    } catch (const Error& e) {
      std::fprintf(stderr, "cannot write the test model: %s\n", e.what());
      return TemporaryModel{};
    }
    return TemporaryModel{path};
  }();
  return model.path;
}

}  // namespace encore::test
