// WorkerPool — inference threads behind a bounded queue, so the I/O thread never runs the model.
// The I/O thread submits work (refused when the queue is full, which the server answers with 429)
// and collects finished responses after wake_fd() (an eventfd it watches) becomes readable.
// With batching on, a worker that dequeues work keeps taking the next queued work into the same
// model call (Work::absorb) until the token budget is full, the next work does not fit, or
// max_wait has passed since it dequeued the first.
//
// Two hand-offs between threads sit on every request's path; both are shortened here (see
// tools/bench_server/ for the measurements):
// - out: work submitted with a DirectReply is written to the client's socket by the worker itself,
//   so the answer does not wait for the I/O thread to wake up; the I/O thread hears of it
//   (Done::sent_by_worker) and does only its bookkeeping. The worker publishes that Done before
//   it sends, holding the socket's write lock (shared_socket.h): the client's next request can
//   reach the I/O thread before a worker that was preempted right after its send runs again, and
//   the I/O thread must be able to take it at once (it looks for Dones when such a request
//   arrives, before the eventfd wake-up). Measured: 40–45 µs per request on the 2-core VM.
// - in: an idle worker polls the queue for `idle_spin` (yielding its core to any other runnable
//   thread) before it sleeps, so work arriving back to back does not pay a futex wake-up of a
//   sleeping (on a VM: halted) core.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/http_response.h"
#include "server/request_handler.h"
#include "server/request_trace.h"
#include "server/shared_socket.h"
#include "server/unique_fd.h"

namespace encore::server {

struct BatchingOptions {
  size_t max_batch_tokens = 0;  // padded tokens per model call; 0 = off (latency mode)
  std::chrono::microseconds max_wait{0};
};

// Lets the worker answer the client itself. The I/O thread gives one only when nothing else is
// waiting to be sent on that socket (so the answer cannot overtake earlier bytes) and appends
// nothing to it until the work is done.
struct DirectReply {
  std::shared_ptr<SharedSocket> socket;  // shared: stays open if the connection closes meanwhile
  std::chrono::steady_clock::time_point request_complete;  // x-compute-time counts from here
  bool keep_alive = true;
  bool trace = false;  // add x-trace (request_trace.h), starting from these two stamps:
  std::chrono::steady_clock::time_point io_woke, bytes_read;
};

class WorkerPool {
 public:
  struct Done {
    uint64_t connection_id = 0;
    HttpResponse response;     // when sent_by_worker: status and compute_ms only (the body is sent)
    double queue_seconds = 0;  // from submit() until a worker picked the work up
    bool sent_by_worker = false;  // published just before the send, under the socket's lock
    bool keep_alive = true;       // as the worker framed it (sent_by_worker only)
    // Not an answer: the socket did not take all of a worker's answer (the rest is queued on the
    // SharedSocket); the I/O thread should flush when the socket is writable.
    bool output_queued = false;
  };

  // `capacity` bounds the work waiting for a worker (running work is not counted). With
  // pin_cpu ≥ 0 the workers stay on that CPU.
  WorkerPool(int workers, size_t capacity, BatchingOptions batching = {},
             std::chrono::microseconds idle_spin = {}, int pin_cpu = -1);
  ~WorkerPool();  // finishes every queued work, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  bool try_submit(uint64_t connection_id, std::unique_ptr<Work> work, DirectReply reply = {});
  std::vector<Done> take_done();  // also resets wake_fd()
  size_t waiting() const;
  int wake_fd() const { return wake_.get(); }
  // From now on, answers the workers write themselves say `connection: close` (server draining).
  void close_connections_after_reply() { closing_.store(true, std::memory_order_relaxed); }

 private:
  struct Job {
    uint64_t connection_id = 0;
    std::unique_ptr<Work> work;
    std::chrono::steady_clock::time_point submitted;
    std::chrono::steady_clock::time_point popped;  // a worker took it
    DirectReply reply;
  };

  void run();
  // Blocks until work is queued (or stopping) or `deadline`; false when none came.
  bool pop(Job& job, std::chrono::steady_clock::time_point deadline);
  void spin_while_idle() const;
  void collect_batch(Job& first, std::vector<Job>& batch, std::optional<Job>& refused);
  void finish(std::vector<Job>& batch);
  Done answer(Job& job, HttpResponse response, std::chrono::steady_clock::time_point started);
  void publish(Done done);  // for the I/O thread's next take_done()

  const size_t capacity_;
  const BatchingOptions batching_;
  const std::chrono::microseconds idle_spin_;
  const int pin_cpu_;
  UniqueFd wake_;
  mutable std::mutex mutex_;
  std::condition_variable has_work_;
  std::deque<Job> jobs_;
  std::atomic<size_t> queued_{0};  // jobs_.size(), readable without the mutex (idle spin)
  std::vector<Done> done_;
  bool stopping_ = false;
  std::atomic<bool> closing_{false};
  std::vector<std::thread> threads_;
};

}  // namespace encore::server
