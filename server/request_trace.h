// RequestTrace — where one request's time goes inside the server, for measuring the overhead
// around the model (tools/bench_server/). With ENCORE_SERVE_TRACE=1 every answer an inference
// worker writes itself carries `x-trace`: CLOCK_MONOTONIC nanoseconds (the clock a client on the
// same machine reads with clock_gettime) of each stage below, comma-separated, in this order.
#pragma once

#include <string>

#include "server/event_loop.h"

namespace encore::server {

struct RequestTrace {
  Clock::time_point io_woke;      // the I/O thread's epoll_wait returned with the request's bytes
  Clock::time_point read;         // ... and it has read them
  Clock::time_point complete;     // parsed: x-compute-time counts from here
  Clock::time_point submitted;    // queued for an inference worker
  Clock::time_point popped;       // a worker took it
  Clock::time_point model_start;  // the forward pass (x-model-time) began
  Clock::time_point model_end;
  Clock::time_point framed;  // the answer is framed and about to be sent
};

// ENCORE_SERVE_TRACE set and not "0" (read once).
bool request_trace_enabled();

// Appends the `x-trace: ...\r\n` header line.
void append_trace_header(std::string& out, const RequestTrace& trace);

}  // namespace encore::server
