#include "server/worker_pool.h"

#include <immintrin.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>

#include "engine/cpu_affinity.h"
#include "support/error.h"

namespace encore::server {

using SteadyClock = std::chrono::steady_clock;

namespace {

// Pauses between two looks at the clock while spinning idle (a few µs).
constexpr int kPausesPerCheck = 32;

double milliseconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

}  // namespace

WorkerPool::WorkerPool(int workers, size_t capacity, BatchingOptions batching,
                       std::chrono::microseconds idle_spin, int pin_cpu,
                       std::chrono::milliseconds quiet_done_delay)
    : capacity_(capacity),
      batching_(batching),
      idle_spin_(idle_spin),
      pin_cpu_(pin_cpu),
      quiet_done_delay_(quiet_done_delay),
      wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!wake_.valid()) throw_error("eventfd: ", std::strerror(errno));
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  has_work_.notify_all();
  for (auto& t : threads_) t.join();
}

bool WorkerPool::try_submit(uint64_t connection_id, std::unique_ptr<Work> work,
                            DirectReply reply) {
  {
    std::lock_guard lock(mutex_);
    if (jobs_.size() >= capacity_) return false;
    jobs_.push_back({connection_id, std::move(work), SteadyClock::now(), {}, std::move(reply)});
    queued_.store(jobs_.size(), std::memory_order_release);
  }
  has_work_.notify_one();
  return true;
}

std::vector<WorkerPool::Done> WorkerPool::take_done() {
  std::lock_guard lock(mutex_);
  done_count_.store(0, std::memory_order_relaxed);
  return std::exchange(done_, {});
}

void WorkerPool::reset_wake() {
  uint64_t count;
  [[maybe_unused]] ssize_t n = ::read(wake_.get(), &count, sizeof count);  // EAGAIN: nothing new
}

void WorkerPool::wake_io_thread() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
}

void WorkerPool::close_connections_after_reply() {
  // Under the mutex: a Done published before this is in done_ when the I/O thread next looks;
  // one published after it wakes the I/O thread (publish()).
  std::lock_guard lock(mutex_);
  closing_.store(true, std::memory_order_relaxed);
}

size_t WorkerPool::waiting() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

// Stopping is not watched here: a stopping pool waits at most idle_spin_ longer.
void WorkerPool::spin_while_idle() const {
  if (idle_spin_.count() <= 0) return;
  const auto until = SteadyClock::now() + idle_spin_;
  while (queued_.load(std::memory_order_acquire) == 0) {
    for (int i = 0; i < kPausesPerCheck; ++i) _mm_pause();
    if (SteadyClock::now() >= until) return;
    // Any other runnable thread on this core (the I/O thread, the model's own workers) goes first.
    std::this_thread::yield();
  }
}

bool WorkerPool::pop(Job& job, SteadyClock::time_point deadline) {
  const bool block = deadline == SteadyClock::time_point::max();
  if (block) spin_while_idle();
  std::unique_lock lock(mutex_);
  const auto ready = [this] { return stopping_ || !jobs_.empty(); };
  if (block) {
    has_work_.wait(lock, ready);
  } else {
    has_work_.wait_until(lock, deadline, ready);
  }
  if (jobs_.empty()) return false;
  job = std::move(jobs_.front());
  jobs_.pop_front();
  job.popped = SteadyClock::now();
  queued_.store(jobs_.size(), std::memory_order_release);
  return true;
}

void WorkerPool::run() {
  if (pin_cpu_ >= 0) engine::pin_current_thread(pin_cpu_);  // refused: runs unpinned
  std::vector<Job> batch;
  std::optional<Job> refused;  // dequeued while batching but did not fit: it leads the next batch
  bool quiet_done = false;     // the last answer's Done was published without a wake-up
  for (;;) {
    Job first;
    bool have_job = false;
    if (refused) {
      first = std::move(*refused);
      refused.reset();
      have_job = true;
    } else if (quiet_done) {
      have_job = pop(first, SteadyClock::now() + quiet_done_delay_);
      if (!have_job && has_done()) wake_io_thread();  // not taken in time: wake it now
    }
    if (!have_job && !pop(first, SteadyClock::time_point::max())) {
      return;  // stopping, and every queued work has been run
    }
    batch.clear();
    collect_batch(first, batch, refused);
    quiet_done = finish(batch);
  }
}

void WorkerPool::collect_batch(Job& first, std::vector<Job>& batch, std::optional<Job>& refused) {
  const auto deadline = SteadyClock::now() + batching_.max_wait;
  Work& leader = *first.work;
  batch.push_back(std::move(first));
  if (batching_.max_batch_tokens == 0) return;
  while (!leader.full(batching_.max_batch_tokens)) {
    Job next;
    if (!pop(next, deadline)) return;
    if (!leader.absorb(*next.work, batching_.max_batch_tokens)) {
      refused = std::move(next);
      return;
    }
    batch.push_back(std::move(next));
  }
}

// Runs the batch (its first work runs the ones it absorbed) and hands every response back.
// Returns true when no Done woke the I/O thread.
bool WorkerPool::finish(std::vector<Job>& batch) {
  const auto started = SteadyClock::now();
  std::vector<HttpResponse> responses;
  try {
    batch.front().work->run(responses);
  } catch (const std::exception& e) {
    // Routes turn bad input into 4xx themselves; anything escaping is the server's fault.
    responses.assign(batch.size(), error_response(500, std::string("internal error: ") + e.what()));
  }
  if (responses.size() != batch.size()) {
    responses.resize(batch.size(), error_response(500, "internal error: a response is missing"));
  }
  // A direct reply publishes its Done itself, before its send; the others are published together.
  thread_local std::vector<Done> answered;  // one list per worker, reused
  answered.clear();
  bool wake = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    Done done = answer(batch[i], std::move(responses[i]), started, wake);
    if (!done.sent_by_worker) answered.push_back(std::move(done));
  }
  if (!answered.empty()) {
    std::lock_guard lock(mutex_);
    for (Done& done : answered) done_.push_back(std::move(done));
    done_count_.store(done_.size(), std::memory_order_release);
    wake = true;
  }
  if (wake) wake_io_thread();
  return !wake;
}

bool WorkerPool::publish(Done done, bool quiet_ok, const SharedSocket* socket) {
  std::lock_guard lock(mutex_);
  done_.push_back(std::move(done));
  done_count_.store(done_.size(), std::memory_order_release);
  return !quiet_ok || closing_.load(std::memory_order_relaxed) ||
         (socket != nullptr && socket->answer_awaited());
}

// With a DirectReply, frames the response, publishes its Done and writes it to the client now.
WorkerPool::Done WorkerPool::answer(Job& job, HttpResponse response,
                                    SteadyClock::time_point started, bool& wake) {
  Done done;
  done.connection_id = job.connection_id;
  done.queue_seconds = std::chrono::duration<double>(started - job.submitted).count();
  if (!job.reply.socket) {
    done.response = std::move(response);
    return done;
  }
  response.compute_ms = milliseconds_since(job.reply.request_complete);
  done.keep_alive =
      job.reply.keep_alive && !response.close && !closing_.load(std::memory_order_relaxed);
  if (job.reply.trace) {
    RequestTrace trace;
    trace.io_woke = job.reply.io_woke;
    trace.read = job.reply.bytes_read;
    trace.complete = job.reply.request_complete;
    trace.submitted = job.submitted;
    trace.popped = job.popped;
    if (response.model_ms >= 0) {
      trace.model_start = response.model_start;
      trace.model_end = response.model_start +
                        std::chrono::duration_cast<SteadyClock::duration>(
                            std::chrono::duration<double, std::milli>(response.model_ms));
    }
    trace.framed = SteadyClock::now();
    append_trace_header(response.extra_headers, trace);
  }
  thread_local std::string out;  // one buffer per worker, reused
  out.clear();
  append_response(out, response, done.keep_alive);
  done.sent_by_worker = true;
  done.response.status = response.status;
  done.response.compute_ms = response.compute_ms;
  bool queued = false;
  {
    // Whatever the I/O thread writes after it has seen the Done waits for this lock.
    const auto lock = job.reply.socket->lock();
    const bool keep_alive = done.keep_alive;
    wake |= publish(std::move(done), keep_alive, job.reply.socket.get());
    // An error sends nothing more; the I/O thread, woken now, closes the connection when epoll
    // reports the error or its next write fails.
    if (!job.reply.socket->send(out)) wake = true;
    queued = job.reply.socket->queued() > 0;
  }
  if (queued) {
    Done more;
    more.connection_id = job.connection_id;
    more.output_queued = true;
    publish(std::move(more));
    wake = true;
  }
  job.reply.socket.reset();
  Done published;  // finish() publishes only the Dones of answers it did not send itself
  published.sent_by_worker = true;
  return published;
}

}  // namespace encore::server
