// ModelBackend — what the model routes need from a model, so the router can be tested with a fake
// and the server can listen (answering 503) before the model has loaded. EncoreBackend
// (encore_backend.h) implements it on the public API.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "server/request_json.h"
#include "support/json_writer.h"

namespace encore::server {

struct ModelAnswer {
  std::string json;          // the response body
  int64_t input_tokens = 0;  // x-compute-tokens
  double tokenize_seconds = 0;
  double inference_seconds = 0;  // the model, its post-processing and the JSON
  double model_seconds = -1;     // the forward pass alone (x-model-time); < 0: not run
  std::chrono::steady_clock::time_point model_start{};  // when the forward pass began
};

class ModelBackend {
 public:
  virtual ~ModelBackend() = default;

  // Thread-safe. Until true, model routes answer 503 and only ready() and describe() are called.
  virtual bool ready() const = 0;
  // The task /predict runs; decides which parameters it accepts.
  virtual Task task() const = 0;
  // Appends the keys of GET /info that describe the model (inside an open object).
  virtual void describe(JsonWriter& info) const = 0;

  // Called from worker threads, possibly concurrently. Bad input throws HttpError or encore::Error
  // (answered 422).
  // predict() and embed() run one or more requests with the same parameters as one padded batch
  // (dynamic batching); answers[i] is what requests[i] alone gets, up to float rounding.
  virtual void predict(std::span<const PredictRequest* const> requests,
                       std::span<ModelAnswer> answers) = 0;
  virtual void embed(std::span<const EmbedRequest* const> requests,
                     std::span<ModelAnswer> answers) = 0;
  virtual ModelAnswer rerank(const RerankRequest& request) = 0;
  virtual ModelAnswer tokenize(const TokenizeRequest& request) = 0;
  // The tokens `input` runs with, for the batching budget; nullopt when it cannot run (too long
  // without truncation: it runs alone and gets its error).
  virtual std::optional<size_t> count_tokens(const Input& input, bool truncate) const = 0;
};

}  // namespace encore::server
