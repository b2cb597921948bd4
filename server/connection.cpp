#include "server/connection.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace encore::server {
namespace {
constexpr size_t kReadChunk = 64 * 1024;
}

Connection::ReadResult Connection::read_available(size_t max_bytes) {
  ReadResult result = ReadResult::kWouldBlock;
  size_t total = 0;
  while (total < max_bytes) {
    if (in_start_ == in_end_) in_start_ = in_end_ = 0;
    if (in_.size() - in_end_ < kReadChunk) {
      // Slide unparsed bytes to the front before growing, so a long keep-alive stream reuses
      // memory.
      if (in_start_ > 0) {
        std::memmove(in_.data(), in_.data() + in_start_, in_end_ - in_start_);
        in_end_ -= in_start_;
        in_start_ = 0;
      }
      if (in_.size() - in_end_ < kReadChunk) in_.resize(in_end_ + kReadChunk);
    }
    const size_t space = in_.size() - in_end_;
    ssize_t n = ::recv(fd(), in_.data() + in_end_, space, 0);
    if (n > 0) {
      in_end_ += static_cast<size_t>(n);
      total += static_cast<size_t>(n);
      result = ReadResult::kData;
      // A short read drained the socket: skip the recv that would only say EAGAIN (epoll is
      // level-triggered and reports what arrives later, EOF included).
      if (static_cast<size_t>(n) < space) return result;
      continue;
    }
    if (n == 0) return ReadResult::kEof;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return result;
    return ReadResult::kError;
  }
  return result;
}

Connection::ReadResult Connection::discard_input() {
  char sink[16 * 1024];
  for (;;) {
    ssize_t n = ::recv(fd(), sink, sizeof sink, 0);
    if (n > 0) continue;
    if (n == 0) return ReadResult::kEof;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? ReadResult::kWouldBlock : ReadResult::kError;
  }
}

bool Connection::flush() {
  // Nothing to write and the socket stays open: no need to wait for a worker still sending its
  // answer (a worker preempted by the client it just woke holds the lock; a socket error shows
  // up at the next write or as EPOLLERR). Bytes a worker leaves queued come with a Done that
  // brings us back here. Before a shutdown the lock is taken, so the answer is out first.
  if (out_.empty() && socket_->queued() == 0 && !close_after_flush) return true;
  const auto lock = socket_->lock();  // waits for a worker still sending its answer
  if (!socket_->send(out_)) return false;
  out_.clear();
  return true;
}

void Connection::consume_input(size_t bytes) {
  in_start_ += bytes;
  if (in_start_ == in_end_) in_start_ = in_end_ = 0;
}

}  // namespace encore::server
