#include "server/metrics.h"

#include <algorithm>
#include <charconv>

namespace encore::server {
namespace {

// Latencies from 100 µs (a short sequence on the model) to 10 s.
const std::vector<double> kSecondsBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                             0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                             1,      2.5,     5,      10};
const std::vector<double> kBatchBuckets = {1, 2, 4, 8, 16, 32, 64, 128, 256};
const std::vector<double> kTokenBuckets = {8, 16, 32, 64, 128, 256, 384, 512, 1024, 4096, 16384};

void append_number(std::string& out, double value) {
  char text[32];
  out.append(text, std::to_chars(text, text + sizeof text, value).ptr);
}

void append_number(std::string& out, uint64_t value) {
  char text[24];
  out.append(text, std::to_chars(text, text + sizeof text, value).ptr);
}

void append_header(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

void Histogram::render(std::string& out, std::string_view name) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    cumulative += counts_[i];
    out.append(name).append("_bucket{le=\"");
    if (i < bounds_.size()) {
      append_number(out, bounds_[i]);
    } else {
      out.append("+Inf");
    }
    out.append("\"} ");
    append_number(out, cumulative);
    out.push_back('\n');
  }
  out.append(name).append("_sum ");
  append_number(out, sum_);
  out.append("\n").append(name).append("_count ");
  append_number(out, count_);
  out.push_back('\n');
}

Metrics::Metrics()
    : request_seconds_(kSecondsBuckets),
      queue_seconds_(kSecondsBuckets),
      tokenization_seconds_(kSecondsBuckets),
      inference_seconds_(kSecondsBuckets),
      input_tokens_(kTokenBuckets),
      batch_requests_(kBatchBuckets) {}

void Metrics::record_request(std::string_view route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), status}];
  request_seconds_.observe(seconds);
}

void Metrics::record_queue_wait(double seconds) {
  std::lock_guard lock(mutex_);
  queue_seconds_.observe(seconds);
}

void Metrics::record_tokenization(double seconds, int64_t input_tokens) {
  std::lock_guard lock(mutex_);
  tokenization_seconds_.observe(seconds);
  input_tokens_.observe(static_cast<double>(input_tokens));
}

void Metrics::record_inference(double seconds) {
  std::lock_guard lock(mutex_);
  inference_seconds_.observe(seconds);
}

void Metrics::record_batch(size_t requests) {
  std::lock_guard lock(mutex_);
  batch_requests_.observe(static_cast<double>(requests));
}

std::string Metrics::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  append_header(out, "encore_requests_total", "counter", "Requests answered, by route and status.");
  for (const auto& [key, count] : requests_) {
    out.append("encore_requests_total{route=\"").append(key.first).append("\",status=\"");
    append_number(out, static_cast<uint64_t>(key.second));
    out.append("\"} ");
    append_number(out, count);
    out.push_back('\n');
  }
  append_header(out, "encore_request_failures_total", "counter",
                "Requests answered with a 4xx or 5xx status, by route.");
  std::map<std::string, uint64_t> failures;
  for (const auto& [key, count] : requests_) {
    if (key.second >= 400) failures[key.first] += count;
  }
  for (const auto& [route, count] : failures) {
    out.append("encore_request_failures_total{route=\"").append(route).append("\"} ");
    append_number(out, count);
    out.push_back('\n');
  }
  struct Named {
    const Histogram& histogram;
    std::string_view name, help;
  };
  const Named histograms[] = {
      {request_seconds_, "encore_request_duration_seconds",
       "Time from a complete request to its response (x-compute-time)."},
      {queue_seconds_, "encore_queue_duration_seconds", "Time a request waited for a worker."},
      {tokenization_seconds_, "encore_tokenization_duration_seconds", "Time spent tokenizing."},
      {inference_seconds_, "encore_inference_duration_seconds", "Time spent in the model."},
      {input_tokens_, "encore_input_tokens", "Input tokens per request."},
      {batch_requests_, "encore_batch_requests", "Requests answered by one model call."},
  };
  for (const auto& h : histograms) {
    append_header(out, h.name, "histogram", h.help);
    h.histogram.render(out, h.name);
  }
  append_header(out, "encore_queue_size", "gauge", "Requests waiting for an inference worker.");
  out.append("encore_queue_size ");
  append_number(out, static_cast<uint64_t>(queue_size_.load(std::memory_order_relaxed)));
  out.push_back('\n');
  return out;
}

}  // namespace encore::server
