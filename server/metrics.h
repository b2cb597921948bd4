// Metrics — the server's Prometheus counters, gauges and histograms, updated from the I/O thread
// and the inference workers, rendered as Prometheus text (version 0.0.4) by GET /metrics.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace encore::server {

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  // Appends the _bucket, _sum and _count lines of metric `name`.
  void render(std::string& out, std::string_view name) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last one is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();

  // One answered request: its route label, status, and seconds from complete request to response.
  void record_request(std::string_view route, int status, double seconds);
  void record_queue_wait(double seconds);
  void record_tokenization(double seconds, int64_t input_tokens);
  void record_inference(double seconds);
  // Requests answered by one model call (1 unless dynamic batching grouped them).
  void record_batch(size_t requests);
  void set_queue_size(size_t jobs) { queue_size_.store(jobs, std::memory_order_relaxed); }

  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (route, status) → count
  Histogram request_seconds_, queue_seconds_, tokenization_seconds_, inference_seconds_;
  Histogram input_tokens_, batch_requests_;
  std::atomic<size_t> queue_size_{0};
};

}  // namespace encore::server
