#include "server/worker_pool.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>

#include "support/error.h"

namespace encore::server {

using SteadyClock = std::chrono::steady_clock;

WorkerPool::WorkerPool(int workers, size_t capacity, BatchingOptions batching)
    : capacity_(capacity), batching_(batching), wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
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

bool WorkerPool::try_submit(uint64_t connection_id, std::unique_ptr<Work> work) {
  {
    std::lock_guard lock(mutex_);
    if (jobs_.size() >= capacity_) return false;
    jobs_.push_back({connection_id, std::move(work), SteadyClock::now()});
  }
  has_work_.notify_one();
  return true;
}

std::vector<WorkerPool::Done> WorkerPool::take_done() {
  uint64_t count;
  [[maybe_unused]] ssize_t n = ::read(wake_.get(), &count, sizeof count);  // EAGAIN: nothing new
  std::lock_guard lock(mutex_);
  return std::exchange(done_, {});
}

size_t WorkerPool::waiting() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

bool WorkerPool::pop(Job& job, SteadyClock::time_point deadline) {
  std::unique_lock lock(mutex_);
  const auto ready = [this] { return stopping_ || !jobs_.empty(); };
  if (deadline == SteadyClock::time_point::max()) {
    has_work_.wait(lock, ready);
  } else {
    has_work_.wait_until(lock, deadline, ready);
  }
  if (jobs_.empty()) return false;
  job = std::move(jobs_.front());
  jobs_.pop_front();
  return true;
}

void WorkerPool::run() {
  std::vector<Job> batch;
  std::optional<Job> refused;  // dequeued while batching but did not fit: it leads the next batch
  for (;;) {
    Job first;
    if (refused) {
      first = std::move(*refused);
      refused.reset();
    } else if (!pop(first, SteadyClock::time_point::max())) {
      return;  // stopping, and every queued work has been run
    }
    batch.clear();
    collect_batch(first, batch, refused);
    finish(batch);
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
void WorkerPool::finish(std::vector<Job>& batch) {
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
  {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < batch.size(); ++i) {
      const double queue_seconds =
          std::chrono::duration<double>(started - batch[i].submitted).count();
      done_.push_back({batch[i].connection_id, std::move(responses[i]), queue_seconds});
    }
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
}

}  // namespace encore::server
