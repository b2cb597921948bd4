// A minimal HTTP/1.1 client for the end-to-end sweep: one keep-alive loopback connection,
// one request at a time, Content-Length responses only (what `encore serve` sends).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace encore::cli::sweep {

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  // Connects to 127.0.0.1:port. Throws encore::Error when it cannot.
  explicit HttpClient(uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads its response on the same connection. Throws encore::Error when
  // the connection breaks or the response is not framed by Content-Length.
  HttpResponse request(std::string_view method, std::string_view path, std::string_view body = {});

 private:
  void send_all(std::string_view bytes);
  int fd_ = -1;
  std::string request_;  // reused: the sweep's requests are the same size each iteration
  std::string buffer_;
};

}  // namespace encore::cli::sweep
