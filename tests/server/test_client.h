// Test helpers for the end-to-end suite: a raw HTTP/1.1 client on one loopback connection (so
// tests control bytes, pipelining and keep-alive exactly), and `encore serve` as a child process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace encore::test {

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// Builds "METHOD PATH HTTP/1.1" with Host, Content-Length (when there is a body) and `extra`
// header lines ("Name: value\r\n").
std::string make_request(std::string_view method, std::string_view path, std::string_view body = {},
                         std::string_view extra_headers = {});

class Client {
 public:
  // Connects to 127.0.0.1:port; every read gives up after `timeout`.
  explicit Client(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends everything, ignoring a peer that closed early (the server may answer before reading all).
  void send(std::string_view bytes);
  // Reads one Content-Length framed response; nullopt on EOF, reset or time-out.
  std::optional<Response> read_response();
  // True when the server closes the connection (EOF or reset) before the time-out; drops data.
  bool wait_for_close();

 private:
  int fd_ = -1;
  std::string buffer_;
};

// One request on a fresh connection.
std::optional<Response> fetch(uint16_t port, std::string_view request);

// `$ENCORE_BIN serve <args> --port 0`, killed with its test process (PR_SET_PDEATHSIG).
class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& args);
  ~ServeProcess();  // SIGTERM, and SIGKILL if it has not exited after 10 s

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Polls GET /health until it answers `status`; false after `limit`.
  bool wait_for_health(int status, std::chrono::seconds limit = std::chrono::seconds(60));
  // Sends SIGTERM and returns the exit code (-1 when it had to be killed or died of a signal).
  int terminate();
  // Everything the server printed on stdout so far (after terminate(): all of it).
  const std::string& output() const { return output_; }

 private:
  void read_output(std::chrono::milliseconds wait);

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  uint16_t port_ = 0;
  std::string output_;
};

// Runs a shell command (curl) and returns its stdout.
std::string run_command(const std::string& command);

// A small random-weight model folder for the suite, written once per test process; empty when
// the demo model cannot be written (the test then says why).
const std::string& tiny_model_dir();

}  // namespace encore::test
