#include "server/shared_socket.h"

#include <sys/socket.h>

#include <cerrno>

namespace encore::server {

ptrdiff_t SharedSocket::send_available(std::string_view bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n =
        ::send(fd(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      sent += static_cast<size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    } else if (errno != EINTR) {
      return -1;
    }
  }
  return static_cast<ptrdiff_t>(sent);
}

bool SharedSocket::send(std::string_view bytes) {
  if (failed_) return false;
  if (!queued_.empty()) {
    const ptrdiff_t sent = send_available(queued_);
    if (sent < 0) {
      failed_ = true;
      return false;
    }
    queued_.erase(0, static_cast<size_t>(sent));
    if (!queued_.empty()) {  // still full: `bytes` waits behind the rest
      queued_.append(bytes);
      queued_bytes_.store(queued_.size(), std::memory_order_release);
      return true;
    }
  }
  const ptrdiff_t sent = send_available(bytes);
  if (sent < 0) {
    failed_ = true;
    return false;
  }
  queued_.append(bytes.substr(static_cast<size_t>(sent)));
  queued_bytes_.store(queued_.size(), std::memory_order_release);
  return true;
}

}  // namespace encore::server
