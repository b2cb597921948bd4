#include "server/worker_pool.h"

#include <sys/eventfd.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include "support/error.h"

namespace encore::server {

WorkerPool::WorkerPool(int workers, size_t capacity)
    : capacity_(capacity), wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
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

bool WorkerPool::try_submit(uint64_t connection_id, std::function<HttpResponse()> work) {
  {
    std::lock_guard lock(mutex_);
    if (jobs_.size() >= capacity_) return false;
    jobs_.push_back({connection_id, std::move(work), std::chrono::steady_clock::now()});
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

void WorkerPool::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      has_work_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and every queued job has been run
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    const auto started = std::chrono::steady_clock::now();
    HttpResponse response;
    try {
      response = job.work();
    } catch (const std::exception& e) {
      // Routes turn bad input into 4xx themselves; anything escaping is the server's fault.
      response = error_response(500, std::string("internal error: ") + e.what());
    }
    const double queue_seconds = std::chrono::duration<double>(started - job.submitted).count();
    {
      std::lock_guard lock(mutex_);
      done_.push_back({job.connection_id, std::move(response), queue_seconds});
    }
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
  }
}

}  // namespace encore::server
