// ModelWork — a model route's request on an inference worker: parses its body, runs it through the
// ModelBackend and builds the response. Dynamic batching: /predict and /embed requests with the
// same parameters join the first one's model call (absorb), which runs every member's inputs as one
// padded batch and answers each as if it had run alone.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <vector>

#include "server/metrics.h"
#include "server/model_backend.h"
#include "server/request_handler.h"
#include "server/route.h"

namespace encore::server {

class ModelWork : public Work {
 public:
  ModelWork(ModelBackend& backend, Metrics& metrics, Route route, std::string body);

  bool absorb(Work& next, size_t max_batch_tokens) override;
  bool full(size_t max_batch_tokens) override;
  void run(std::vector<HttpResponse>& responses) override;

 private:
  // Parses the body with the worker thread's parser for batch position `slot` (one per position,
  // so every member's text views stay valid until the batch has run). Throws HttpError.
  void parse(size_t slot);
  // Parses (slot 0 for a leader) and counts tokens; false when this work cannot join a batch.
  bool prepare_for_batch(size_t slot);
  bool same_parameters(const ModelWork& other) const;
  struct BatchShape {
    size_t rows = 0, longest = 0;
    size_t padded_tokens() const { return rows * longest; }
  };
  // This work, its members and `next` (may be null) as one padded batch.
  BatchShape batch_shape(const ModelWork* next) const;
  HttpResponse run_alone();
  // Throws when an input cannot run in this batch; the caller then runs each work alone.
  void run_batch(std::vector<ModelAnswer>& answers);
  HttpResponse respond(ModelAnswer answer, bool ran_model);

  ModelBackend& backend_;
  Metrics& metrics_;
  Route route_;
  std::string body_;
  std::optional<size_t> parsed_slot_;
  simdjson::dom::element document_;
  PredictRequest predict_;
  EmbedRequest embed_;
  std::optional<bool> batchable_;    // decided once by prepare_for_batch
  size_t rows_ = 0, longest_ = 0;    // this request's inputs, and the longest in tokens
  std::vector<ModelWork*> members_;  // absorbed works, run by this one
};

}  // namespace encore::server
