// WorkerPool — inference threads behind a bounded queue, so the I/O thread never runs the model.
// The I/O thread submits work (refused when the queue is full, which the server answers with 429)
// and collects finished responses after wake_fd() (an eventfd it watches) becomes readable.
// With batching on, a worker that dequeues work keeps taking the next queued work into the same
// model call (Work::absorb) until the token budget is full, the next work does not fit, or
// max_wait has passed since it dequeued the first.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "server/http_response.h"
#include "server/request_handler.h"
#include "server/unique_fd.h"

namespace encore::server {

struct BatchingOptions {
  size_t max_batch_tokens = 0;  // padded tokens per model call; 0 = off (latency mode)
  std::chrono::microseconds max_wait{0};
};

class WorkerPool {
 public:
  struct Done {
    uint64_t connection_id;
    HttpResponse response;
    double queue_seconds;  // from submit() until a worker picked the work up
  };

  // `capacity` bounds the work waiting for a worker (running work is not counted).
  WorkerPool(int workers, size_t capacity, BatchingOptions batching = {});
  ~WorkerPool();  // finishes every queued work, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  bool try_submit(uint64_t connection_id, std::unique_ptr<Work> work);
  std::vector<Done> take_done();  // also resets wake_fd()
  size_t waiting() const;
  int wake_fd() const { return wake_.get(); }

 private:
  struct Job {
    uint64_t connection_id = 0;
    std::unique_ptr<Work> work;
    std::chrono::steady_clock::time_point submitted;
  };

  void run();
  // Blocks until work is queued (or stopping) or `deadline`; false when none came.
  bool pop(Job& job, std::chrono::steady_clock::time_point deadline);
  void collect_batch(Job& first, std::vector<Job>& batch, std::optional<Job>& refused);
  void finish(std::vector<Job>& batch);

  const size_t capacity_;
  const BatchingOptions batching_;
  UniqueFd wake_;
  mutable std::mutex mutex_;
  std::condition_variable has_work_;
  std::deque<Job> jobs_;
  std::vector<Done> done_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace encore::server
