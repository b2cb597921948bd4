#include "server/http_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "engine/cpu_affinity.h"
#include "server/listen_socket.h"
#include "support/error.h"

namespace encore::server {
namespace {

// epoll tokens below kFirstConnectionId name the server's own fds.
constexpr uint64_t kListenerToken = 0, kSignalToken = 1, kWorkerToken = 2, kStopToken = 3;
constexpr uint64_t kFirstConnectionId = 16;

constexpr size_t kMaxPendingOutput = 4 * 1024 * 1024;  // stop parsing when a client reads slowly
constexpr size_t kReadBudget = 256 * 1024;  // per event, so one client cannot starve others
constexpr int kAcceptBudget = 64;
constexpr auto kLinger = std::chrono::seconds(2);

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// So --max-connections is not capped by the default soft limit of 1024 descriptors.
void raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

UniqueFd block_and_watch_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (::pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) throw_error("pthread_sigmask failed");
  UniqueFd fd(::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd.valid()) throw_error("signalfd: ", std::strerror(errno));
  return fd;
}

// ENCORE_SERVE_IDLE_SPIN_US overrides ServerOptions::worker_idle_spin (0: sleep at once), for
// measuring its effect (tools/bench_server/run.sh) on a given machine.
ServerOptions with_environment(ServerOptions options) {
  if (const char* spin = std::getenv("ENCORE_SERVE_IDLE_SPIN_US"); spin && *spin) {
    options.worker_idle_spin = std::chrono::microseconds(std::strtoll(spin, nullptr, 10));
  }
  if (const char* pin = std::getenv("ENCORE_SERVE_PIN_WORKER"); pin && *pin) {
    options.pin_worker = std::strcmp(pin, "0") != 0;
  }
  return options;
}

int worker_cpu(const ServerOptions& options) {
  return options.pin_worker && options.workers == 1 ? engine::allowed_cpus().front() : -1;
}

// ENCORE_SERVE_IO_CPU=N pins the I/O thread to CPU N (an experiment for tools/bench_server/).
void pin_io_thread_from_environment() {
  if (const char* cpu = std::getenv("ENCORE_SERVE_IO_CPU"); cpu && *cpu) {
    engine::pin_current_thread(static_cast<int>(std::strtol(cpu, nullptr, 10)));
  }
}

}  // namespace

HttpServer::HttpServer(const ServerOptions& options, RequestHandler& handler, Metrics& metrics)
    : options_(with_environment(options)),
      handler_(handler),
      metrics_(metrics),
      signals_(block_and_watch_stop_signals()),  // before pool_: its threads inherit the mask
      pool_(options_.workers, options_.queue_size, options_.batching, options_.worker_idle_spin,
            worker_cpu(options_)),
      next_id_(kFirstConnectionId) {
  raise_fd_limit();
  stop_event_ = UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  // Kept in reserve: when accept() fails with EMFILE, closing it lets us accept and drop the
  // client instead of spinning on a listener that stays readable.
  spare_fd_ = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  listener_ = listen_tcp(options.host, options.port, 1024);
  port_ = bound_port(listener_.get());
  loop_.watch(listener_.get(), EPOLLIN, kListenerToken);
  loop_.watch(signals_.get(), EPOLLIN, kSignalToken);
  loop_.watch(pool_.wake_fd(), EPOLLIN, kWorkerToken);
  loop_.watch(stop_event_.get(), EPOLLIN, kStopToken);
}

HttpServer::~HttpServer() = default;

void HttpServer::stop() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_event_.get(), &one, sizeof one);
}

void HttpServer::run() {
  pin_io_thread_from_environment();
  std::vector<epoll_event> events;
  while (!force_exit_) {
    if (draining_ && (connections_.empty() || Clock::now() >= drain_deadline_)) break;
    events.clear();
    loop_.wait(events, std::chrono::milliseconds(1000));
    if (trace_) woke_ = Clock::now();
    // Answers a worker sent without waking us (worker_pool.h): their bookkeeping comes first.
    if (pool_.has_done()) deliver_finished_jobs();
    for (const epoll_event& event : events) {
      switch (event.data.u64) {
        case kListenerToken:
          accept_connections();
          break;
        case kSignalToken: {
          signalfd_siginfo info;
          while (::read(signals_.get(), &info, sizeof info) == sizeof info) {
            if (draining_) force_exit_ = true;  // a second signal: stop waiting for clients
            begin_drain();
          }
          break;
        }
        case kStopToken: {
          uint64_t count;
          [[maybe_unused]] ssize_t n = ::read(stop_event_.get(), &count, sizeof count);
          begin_drain();
          break;
        }
        case kWorkerToken:
          pool_.reset_wake();
          deliver_finished_jobs();
          break;
        default:
          on_connection_event(event.data.u64, event.events);
      }
    }
    for (uint64_t id : loop_.expired(Clock::now())) on_deadline(id);
  }
  while (!connections_.empty()) close(*connections_.begin()->second);
}

void HttpServer::accept_connections() {
  for (int i = 0; i < kAcceptBudget && listener_.valid(); ++i) {
    UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && spare_fd_.valid()) {
        spare_fd_.reset();
        UniqueFd dropped(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        spare_fd_ = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        continue;
      }
      return;  // EAGAIN: accepted everything pending
    }
    if (connections_.size() >= options_.max_connections) {
      std::string out;
      append_response(out, error_response(503, "too many connections"), /*keep_alive=*/false);
      [[maybe_unused]] ssize_t n =
          ::send(fd.get(), out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      metrics_.record_request("other", 503, 0);
      continue;
    }
    const int on = 1;  // responses are written whole: never wait for Nagle
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    const uint64_t id = next_id_++;
    auto connection = std::make_unique<Connection>(std::move(fd), id, options_.limits);
    Connection& c = *connection;
    connections_.emplace(id, std::move(connection));
    c.epoll_events = EPOLLIN;
    loop_.watch(c.fd(), c.epoll_events, id);
    update_deadline(c);
  }
}

void HttpServer::on_connection_event(uint64_t id, uint32_t events) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;  // closed earlier in this batch
  Connection& c = *it->second;
  if (events & (EPOLLERR | EPOLLHUP)) return close(c);
  if (events & EPOLLIN) {
    if (c.lingering) {
      if (c.discard_input() != Connection::ReadResult::kWouldBlock) return close(c);
      return;
    }
    const bool had_partial_request = c.pending_input() > 0;
    switch (c.read_available(kReadBudget)) {
      case Connection::ReadResult::kError:
        return close(c);
      case Connection::ReadResult::kEof:
        c.peer_closed = true;
        break;
      default:
        break;
    }
    if (!had_partial_request && c.pending_input() > 0) c.request_started = Clock::now();
    if (trace_) {
      c.io_woke = woke_;
      c.bytes_read = Clock::now();
    }
    // The client's next request can arrive before the eventfd wake-up for the answer the worker
    // already sent it: look for that answer now rather than sleeping until the wake-up.
    if (c.waiting_for_worker && c.pending_input() > 0) {
      c.socket()->set_answer_awaited(true);  // from now on the worker wakes us when it is done
      deliver_finished_jobs();
      if (connections_.find(id) == connections_.end()) return;  // closed while delivering
      if (!c.waiting_for_worker) return;                        // delivered: c was advanced
    }
  }
  advance(c);
}

void HttpServer::advance(Connection& c) {
  if (!c.lingering) process_requests(c);
  if (!c.flush()) return close(c);
  if (c.close_after_flush && c.pending_output() == 0 && !c.lingering) {
    if (c.peer_closed) return close(c);
    // Closing with unread input would make the kernel send RST, which can destroy the response
    // before the client reads it: shut our side and wait (briefly) for the client to close.
    ::shutdown(c.fd(), SHUT_WR);
    c.lingering = true;
    loop_.set_deadline(c.id(), Clock::now() + kLinger);
  }
  update_interest(c);
  update_deadline(c);
}

void HttpServer::process_requests(Connection& c) {
  while (!c.waiting_for_worker && !c.close_after_flush && c.pending_output() < kMaxPendingOutput) {
    const ParseStatus status = c.parser.parse(c.unparsed());
    if (status == ParseStatus::kIncomplete) {
      if (c.parser.headers_complete() && c.parser.request().expect_continue && !c.continue_sent) {
        c.output() += kContinueResponse;
        c.continue_sent = true;
      }
      if (c.peer_closed) c.close_after_flush = true;  // the rest will never come
      return;
    }
    c.request_complete = Clock::now();
    if (status == ParseStatus::kError) {
      return respond(c,
                     error_response(c.parser.error_status(), std::string(c.parser.error_message())),
                     "other", /*keep_alive=*/false);
    }
    const bool keep_alive = c.parser.request().keep_alive && !draining_;
    Dispatch dispatch;
    try {
      dispatch = handler_.dispatch(c.parser.request());
    } catch (const std::exception& e) {
      dispatch.response = error_response(500, std::string("internal error: ") + e.what());
    }
    c.consume_input(c.parser.consumed());
    c.parser.reset();
    c.continue_sent = false;
    if (c.pending_input() > 0) c.request_started = Clock::now();  // a pipelined request follows
    if (!dispatch.work) {
      respond(c, std::move(dispatch.response), dispatch.route, keep_alive);
    } else if (pool_.try_submit(c.id(), std::move(dispatch.work), direct_reply(c, keep_alive))) {
      c.waiting_for_worker = true;
      c.keep_alive_after_job = keep_alive;
      c.job_route = dispatch.route;
      metrics_.set_queue_size(pool_.waiting());
    } else {
      respond(c, error_response(429, "the request queue is full; retry later"), dispatch.route,
              keep_alive);
    }
  }
}

// The worker may answer on the socket itself only when nothing is waiting to be sent before it
// (while the work runs, the I/O thread appends nothing to this connection's output).
DirectReply HttpServer::direct_reply(const Connection& c, bool keep_alive) const {
  if (c.pending_output() > 0) return {};
  return {c.socket(), c.request_complete, keep_alive, trace_, c.io_woke, c.bytes_read};
}

void HttpServer::respond(Connection& c, HttpResponse response, std::string_view route,
                         bool keep_alive) {
  response.compute_ms = milliseconds_since(c.request_complete);
  metrics_.record_request(route, response.status, response.compute_ms / 1000);
  keep_alive = keep_alive && !response.close;
  append_response(c.output(), response, keep_alive);
  if (!keep_alive) c.close_after_flush = true;
}

void HttpServer::deliver_finished_jobs() {
  for (WorkerPool::Done& done : pool_.take_done()) {
    auto it = connections_.find(done.connection_id);
    if (done.output_queued) {
      if (it != connections_.end()) advance(*it->second);  // watch for writability
      continue;
    }
    metrics_.record_queue_wait(done.queue_seconds);
    if (it == connections_.end()) continue;  // the client left while its request ran
    Connection& c = *it->second;
    c.waiting_for_worker = false;
    if (c.socket()->answer_awaited()) c.socket()->set_answer_awaited(false);  // rare: pipelining
    if (done.sent_by_worker) {
      metrics_.record_request(c.job_route, done.response.status, done.response.compute_ms / 1000);
      if (!done.keep_alive || draining_) c.close_after_flush = true;
    } else {
      respond(c, std::move(done.response), c.job_route, c.keep_alive_after_job && !draining_);
    }
    advance(c);
  }
  metrics_.set_queue_size(pool_.waiting());
}

void HttpServer::update_interest(Connection& c) {
  const size_t max_buffered = options_.limits.max_header_bytes + options_.limits.max_body_bytes;
  // Reading stays on while a worker runs the request (bytes are only buffered then): turning it
  // off and on would cost two epoll_ctl calls per request.
  const bool wants_input =
      c.lingering || (!c.close_after_flush && !c.peer_closed && c.pending_input() <= max_buffered &&
                      c.pending_output() < kMaxPendingOutput);
  const uint32_t events =
      (wants_input ? uint32_t{EPOLLIN} : 0u) | (c.pending_output() > 0 ? uint32_t{EPOLLOUT} : 0u);
  if (events != c.epoll_events) {
    loop_.change(c.fd(), events, c.id());
    c.epoll_events = events;
  }
}

void HttpServer::update_deadline(Connection& c) {
  if (c.lingering) return;  // its deadline was set when lingering began
  const auto now = Clock::now();
  if (c.waiting_for_worker) {
    loop_.clear_deadline(c.id());
  } else if (c.pending_output() > 0) {
    loop_.set_deadline(c.id(), now + options_.request_timeout);  // renewed on every progress
  } else if (c.pending_input() > 0) {
    // Counted from the request's first byte: trickling bytes does not extend it (slowloris).
    loop_.set_deadline(c.id(), c.request_started + options_.request_timeout);
  } else {
    loop_.set_deadline(c.id(), now + options_.idle_timeout);
  }
}

void HttpServer::on_deadline(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  if (c.lingering || c.pending_output() > 0 || c.pending_input() == 0 || c.peer_closed) {
    return close(c);
  }
  c.request_complete = Clock::now();
  respond(c, error_response(408, "the request was not received in time"), "other", false);
  advance(c);
}

void HttpServer::begin_drain() {
  if (draining_) return;
  draining_ = true;
  pool_.close_connections_after_reply();
  drain_deadline_ = Clock::now() + options_.drain_timeout;
  loop_.forget(listener_.get());
  listener_.reset();
  std::vector<uint64_t> quiet;
  for (auto& [id, c] : connections_) {
    if (!c->waiting_for_worker && c->pending_input() == 0 && c->pending_output() == 0) {
      quiet.push_back(id);
    }
  }
  // A request already in the socket buffer was sent before the signal: answer it, then close.
  // Connections with nothing to read are closed now.
  for (uint64_t id : quiet) on_connection_event(id, EPOLLIN);
  for (uint64_t id : quiet) {
    auto it = connections_.find(id);
    if (it == connections_.end()) continue;
    Connection& c = *it->second;
    if (!c.waiting_for_worker && c.pending_input() == 0 && c.pending_output() == 0 &&
        !c.lingering) {
      close(c);
    }
  }
}

void HttpServer::close(Connection& c) {
  loop_.forget(c.fd());
  loop_.clear_deadline(c.id());
  connections_.erase(c.id());  // destroys c and closes its socket
}

}  // namespace encore::server
