#include "tools/encore/sweep/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <strings.h>
#include <cerrno>
#include <cstring>

#include "support/error.h"

namespace encore::cli::sweep {

HttpClient::HttpClient(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw_error("socket: ", std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    throw_error("cannot connect to 127.0.0.1:", port, ": ", std::strerror(error));
  }
}

HttpClient::~HttpClient() {
  if (fd_ >= 0) ::close(fd_);
}

void HttpClient::send_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw_error("HTTP send failed: ", std::strerror(errno));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

HttpResponse HttpClient::request(std::string_view method, std::string_view path,
                                 std::string_view body) {
  request_.clear();
  request_.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  if (!body.empty() || method == "POST") {
    request_.append("Content-Type: application/json\r\nContent-Length: ")
        .append(std::to_string(body.size()))
        .append("\r\n");
  }
  request_.append("\r\n").append(body);
  send_all(request_);

  // Read until the header block is complete, then until Content-Length bytes of body.
  size_t header_end = std::string::npos;
  size_t content_length = std::string::npos;
  HttpResponse response;
  char chunk[65536];
  while (true) {
    if (header_end == std::string::npos) {
      header_end = buffer_.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        if (buffer_.compare(0, 9, "HTTP/1.1 ") != 0) throw_error("HTTP: not an HTTP/1.1 response");
        response.status = std::atoi(buffer_.c_str() + 9);
        const std::string_view headers(buffer_.data(), header_end);
        for (size_t line = headers.find("\r\n"); line != std::string_view::npos;
             line = headers.find("\r\n", line + 2)) {
          const std::string_view name = headers.substr(line + 2, 15);
          if (name.size() == 15 && ::strncasecmp(name.data(), "content-length:", 15) == 0) {
            content_length = std::strtoull(headers.data() + line + 17, nullptr, 10);
          }
        }
        if (content_length == std::string::npos)
          throw_error("HTTP: response without Content-Length");
      }
    }
    if (header_end != std::string::npos && buffer_.size() >= header_end + 4 + content_length) {
      response.body.assign(buffer_, header_end + 4, content_length);
      buffer_.erase(0, header_end + 4 + content_length);
      return response;
    }
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw_error("HTTP: connection closed before the response was complete");
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace encore::cli::sweep
