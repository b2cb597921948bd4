// SharedSocket — a client socket written by the I/O thread and, for direct replies, by an
// inference worker. All writes go through one mutex and one queue of bytes the socket has not taken
// yet, so bytes leave in the order they were handed over. That lets a worker publish its answer to
// the I/O thread before sending it (the client's next request may arrive right after the send, and
// the I/O thread must not have to wait for the worker to run again): the worker takes the lock
// first, so whatever the I/O thread writes after learning of the answer goes out after it.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>

#include "server/unique_fd.h"

namespace encore::server {

class SharedSocket {
 public:
  explicit SharedSocket(UniqueFd fd) : fd_(std::move(fd)) {}

  int fd() const { return fd_.get(); }

  // Held while writing; the worker holds it from before it publishes its answer until sent.
  std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex_); }
  // Under lock(): sends the bytes queued earlier, then `bytes`; queues what the socket does not
  // take (sent by a later call). False once the socket failed (nothing more is sent).
  bool send(std::string_view bytes);
  // Bytes queued and not yet taken by the socket (readable without the lock).
  size_t queued() const { return queued_bytes_.load(std::memory_order_acquire); }

  // Set by the I/O thread while it has input buffered behind a worker's answer on this socket:
  // the worker then wakes it as soon as the answer is out instead of leaving the news for its
  // next wake-up (worker_pool.h).
  void set_answer_awaited(bool awaited) {
    answer_awaited_.store(awaited, std::memory_order_seq_cst);
  }
  bool answer_awaited() const { return answer_awaited_.load(std::memory_order_seq_cst); }

 private:
  // Sends what the socket takes without blocking; returns the bytes sent, or -1 on an error.
  ptrdiff_t send_available(std::string_view bytes);

  UniqueFd fd_;
  std::mutex mutex_;
  std::string queued_;
  std::atomic<size_t> queued_bytes_{0};
  bool failed_ = false;
  std::atomic<bool> answer_awaited_{false};
};

}  // namespace encore::server
