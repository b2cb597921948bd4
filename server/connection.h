// Connection — one client socket's buffers, parser and state flags. It only moves bytes; the
// decisions (what to answer, when to close) are HttpServer's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "server/event_loop.h"
#include "server/http_request_parser.h"
#include "server/shared_socket.h"
#include "server/unique_fd.h"

namespace encore::server {

class Connection {
 public:
  Connection(UniqueFd fd, uint64_t id, const HttpLimits& limits)
      : parser(limits), socket_(std::make_shared<SharedSocket>(std::move(fd))), id_(id) {}

  int fd() const { return socket_->fd(); }
  // Shared with a worker that answers on this socket itself (DirectReply): the socket is closed
  // when both are done with it, and every write to it goes through it in order.
  const std::shared_ptr<SharedSocket>& socket() const { return socket_; }
  uint64_t id() const { return id_; }

  enum class ReadResult { kData, kWouldBlock, kEof, kError };
  // Appends up to `max_bytes` from the socket to the input buffer.
  ReadResult read_available(size_t max_bytes);
  // Reads and drops whatever arrives (a closing connection waiting for the client's FIN).
  ReadResult discard_input();
  // Sends pending output (after what a worker left queued on the socket) until done or the socket
  // is full; false on a socket error.
  bool flush();

  std::string_view unparsed() const { return {in_.data() + in_start_, in_end_ - in_start_}; }
  size_t pending_input() const { return in_end_ - in_start_; }
  void consume_input(size_t bytes);

  std::string& output() { return out_; }
  size_t pending_output() const { return out_.size() + socket_->queued(); }

  HttpRequestParser parser;
  uint32_t epoll_events = 0;        // interest currently registered
  bool waiting_for_worker = false;  // its request is queued or running; parsing pauses
  bool keep_alive_after_job = true;
  std::string_view job_route;
  bool continue_sent = false;  // `100 Continue` already sent for the current request
  bool close_after_flush = false;
  bool peer_closed = false;            // read EOF: the client sends nothing more
  bool lingering = false;              // write side shut, draining input until the client closes
  Clock::time_point request_started;   // first byte of the partial request in the buffer
  Clock::time_point request_complete;  // when the current request was fully received
  // With ENCORE_SERVE_TRACE (request_trace.h): when epoll_wait returned with the last bytes read,
  // and when they were read.
  Clock::time_point io_woke, bytes_read;

 private:
  std::shared_ptr<SharedSocket> socket_;
  uint64_t id_;
  std::string in_;  // bytes [in_start_, in_end_) are unparsed; the rest is spare room
  size_t in_start_ = 0, in_end_ = 0;
  std::string out_;  // not yet handed to the socket
};

}  // namespace encore::server
