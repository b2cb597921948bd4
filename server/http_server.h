// HttpServer — the epoll HTTP/1.1 transport: one I/O thread accepts connections, parses requests,
// asks the RequestHandler what to answer and writes responses in request order; model work runs on
// a WorkerPool. Limits: connections, header and body size, idle and slow-client time-outs.
// SIGTERM/SIGINT (or stop()) stop accepting, let in-flight requests finish and return from run().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/connection.h"
#include "server/event_loop.h"
#include "server/http_request_parser.h"
#include "server/metrics.h"
#include "server/request_handler.h"
#include "server/request_trace.h"
#include "server/unique_fd.h"
#include "server/worker_pool.h"

namespace encore::server {

// Off: on a loaded 2-core machine, 200 µs of spinning showed no gain over sleeping at once
// (tools/bench_server/run.sh with ENCORE_SERVE_IDLE_SPIN_US=200 vs 0); to be re-measured on a
// quiet machine, where it should spare the futex wake-up of requests arriving back to back.
inline constexpr std::chrono::microseconds kDefaultWorkerIdleSpin{0};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port (see HttpServer::port())
  HttpLimits limits;
  size_t max_connections = 1024;
  size_t queue_size = 64;  // requests waiting for a worker before 429
  int workers = 1;         // latency mode: one request at a time, the model uses every core
  BatchingOptions batching;  // off by default
  // An idle inference worker polls its queue this long before sleeping (see worker_pool.h).
  std::chrono::microseconds worker_idle_spin{kDefaultWorkerIdleSpin};
  // With one worker: keep it on the first allowed CPU, where the model's forward pass pins its
  // caller anyway (engine/cpu_affinity.h ScopedPin), so no forward pass pays for re-pinning or a
  // migration. Off: on the shared, loaded 2-core VM a pinned worker waited for its one CPU and the
  // overhead around the model grew from ~0.25 to ~2.4 ms; on the quiet VM it made no difference
  // beyond the noise (tools/bench_server/README.md).
  // ENCORE_SERVE_PIN_WORKER=1 turns it on (for A/B measurements).
  bool pin_worker = false;
  std::chrono::milliseconds idle_timeout{60'000};     // keep-alive connection with no request
  std::chrono::milliseconds request_timeout{30'000};  // to receive a whole request, or to send one
  std::chrono::milliseconds drain_timeout{10'000};    // after a stop signal
};

class HttpServer {
 public:
  // Binds and listens at once. Blocks SIGINT/SIGTERM in the calling thread (they are read from a
  // signalfd), so construct it before starting other threads: they inherit the mask.
  HttpServer(const ServerOptions& options, RequestHandler& handler, Metrics& metrics);
  ~HttpServer();

  uint16_t port() const { return port_; }
  void run();
  // Thread-safe: starts the same drain as SIGTERM.
  void stop();

 private:
  void accept_connections();
  void on_connection_event(uint64_t id, uint32_t events);
  void on_deadline(uint64_t id);
  void deliver_finished_jobs();
  void begin_drain();

  void advance(Connection& c);
  void process_requests(Connection& c);
  DirectReply direct_reply(const Connection& c, bool keep_alive) const;
  void respond(Connection& c, HttpResponse response, std::string_view route, bool keep_alive);
  void update_interest(Connection& c);
  void update_deadline(Connection& c);
  void close(Connection& c);

  ServerOptions options_;
  RequestHandler& handler_;
  Metrics& metrics_;
  EventLoop loop_;
  UniqueFd listener_, signals_, stop_event_, spare_fd_;
  uint16_t port_ = 0;
  WorkerPool pool_;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  uint64_t next_id_;
  bool draining_ = false;
  bool force_exit_ = false;
  Clock::time_point drain_deadline_;
  const bool trace_ = request_trace_enabled();  // ENCORE_SERVE_TRACE: stamp requests (x-trace)
  Clock::time_point woke_;                      // the last return from epoll_wait (trace only)
};

}  // namespace encore::server
