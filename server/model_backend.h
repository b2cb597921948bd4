// ModelBackend — what the model routes need from a model, so the router can be tested with a fake
// and the server can listen (answering 503) before the model has loaded. EncoreBackend
// (encore_backend.h) implements it on the public API.
#pragma once

#include <cstdint>
#include <string>

#include "server/request_json.h"
#include "support/json_writer.h"

namespace encore::server {

struct ModelAnswer {
  std::string json;          // the response body
  int64_t input_tokens = 0;  // x-compute-tokens
  double tokenize_seconds = 0;
  double inference_seconds = 0;  // the model and its post-processing
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
  virtual ModelAnswer predict(const PredictRequest& request) = 0;
  virtual ModelAnswer embed(const EmbedRequest& request) = 0;
  virtual ModelAnswer rerank(const RerankRequest& request) = 0;
  virtual ModelAnswer tokenize(const TokenizeRequest& request) = 0;
};

}  // namespace encore::server
