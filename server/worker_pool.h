// WorkerPool — inference threads behind a bounded queue, so the I/O thread never runs the model.
// The I/O thread submits work (refused when the queue is full, which the server answers with 429)
// and collects finished responses after wake_fd() (an eventfd it watches) becomes readable.
// With batching on, a worker that dequeues work keeps taking the next queued work into the same
// model call (Work::absorb) until the token budget is full, the next work does not fit, or
// max_wait has passed since it dequeued the first.
//
// Hand-offs between threads sit on every request's path; each is shortened here (see
// tools/bench_server/ for the measurements; on the 2-core VM every wake-up is a context switch
// or an inter-processor interrupt costing 10–100 µs):
// - out: work submitted with a DirectReply is written to the client's socket by the worker itself,
//   so the answer does not wait for the I/O thread to wake up; the I/O thread hears of it
//   (Done::sent_by_worker) and does only its bookkeeping. The worker publishes that Done before
//   it sends, holding the socket's write lock (shared_socket.h): the client's next request can
//   reach the I/O thread before a worker that was preempted right after its send runs again, and
//   the I/O thread must be able to take it at once.
// - bookkeeping: a direct, keep-alive answer that nothing waits for does not wake the I/O thread.
//   The I/O thread takes such Dones whenever it wakes for anything else (the client's next
//   request, typically), before it handles that event; if it has not within kQuietDoneDelay, the
//   worker wakes it then (so idle time-outs, draining and metrics lag by at most that). Input
//   buffered behind the answer (SharedSocket::answer_awaited), a closing connection, draining or
//   bytes the socket did not take all still wake it at once.
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

  // How long a published Done may wait for the I/O thread to wake up for something else.
  static constexpr std::chrono::milliseconds kQuietDoneDelay{2};

  // `capacity` bounds the work waiting for a worker (running work is not counted). With
  // pin_cpu ≥ 0 the workers stay on that CPU.
  WorkerPool(int workers, size_t capacity, BatchingOptions batching = {},
             std::chrono::microseconds idle_spin = {}, int pin_cpu = -1,
             std::chrono::milliseconds quiet_done_delay = kQuietDoneDelay);
  ~WorkerPool();  // finishes every queued work, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  bool try_submit(uint64_t connection_id, std::unique_ptr<Work> work, DirectReply reply = {});
  std::vector<Done> take_done();
  // Some Done waits to be taken (readable without the mutex: the I/O thread asks on every wake).
  bool has_done() const { return done_count_.load(std::memory_order_acquire) > 0; }
  void reset_wake();  // after wake_fd() became readable
  size_t waiting() const;
  int wake_fd() const { return wake_.get(); }
  // From now on, answers the workers write themselves say `connection: close` (server draining).
  void close_connections_after_reply();

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
  bool finish(std::vector<Job>& batch);  // true: no Done woke the I/O thread
  // Sets `wake` when the I/O thread must hear of this answer now.
  Done answer(Job& job, HttpResponse response, std::chrono::steady_clock::time_point started,
              bool& wake);
  // For the I/O thread's next take_done(). `quiet_ok`: a direct keep-alive answer that may wait
  // for the I/O thread's next wake-up; returns whether the I/O thread must be woken now.
  bool publish(Done done, bool quiet_ok = false, const SharedSocket* socket = nullptr);
  void wake_io_thread();

  const size_t capacity_;
  const BatchingOptions batching_;
  const std::chrono::microseconds idle_spin_;
  const int pin_cpu_;
  const std::chrono::milliseconds quiet_done_delay_;
  UniqueFd wake_;
  mutable std::mutex mutex_;
  std::condition_variable has_work_;
  std::deque<Job> jobs_;
  std::atomic<size_t> queued_{0};  // jobs_.size(), readable without the mutex (idle spin)
  std::vector<Done> done_;
  std::atomic<size_t> done_count_{0};  // done_.size()
  bool stopping_ = false;
  std::atomic<bool> closing_{false};
  std::vector<std::thread> threads_;
};

}  // namespace encore::server
