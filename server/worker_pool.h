// WorkerPool — inference threads behind a bounded queue, so the I/O thread never runs the model.
// The I/O thread submits jobs (refused when the queue is full, which the server answers with 429)
// and collects finished responses after wake_fd() (an eventfd it watches) becomes readable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "server/http_response.h"
#include "server/unique_fd.h"

namespace encore::server {

class WorkerPool {
 public:
  struct Job {
    uint64_t connection_id;
    std::function<HttpResponse()> work;
    std::chrono::steady_clock::time_point submitted;
  };
  struct Done {
    uint64_t connection_id;
    HttpResponse response;
    double queue_seconds;  // from submit() until a worker picked the job up
  };

  // `capacity` bounds the jobs waiting for a worker (running ones are not counted).
  WorkerPool(int workers, size_t capacity);
  ~WorkerPool();  // finishes every queued job, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  bool try_submit(uint64_t connection_id, std::function<HttpResponse()> work);
  std::vector<Done> take_done();  // also resets wake_fd()
  size_t waiting() const;
  int wake_fd() const { return wake_.get(); }

 private:
  void run();

  const size_t capacity_;
  UniqueFd wake_;
  mutable std::mutex mutex_;
  std::condition_variable has_work_;
  std::deque<Job> jobs_;
  std::vector<Done> done_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace encore::server
