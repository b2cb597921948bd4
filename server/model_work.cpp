#include "server/model_work.h"

#include <algorithm>
#include <memory>

#include "server/http_error.h"
#include "support/error.h"

namespace encore::server {
namespace {

// The parsers of one worker thread, one per batch position; their buffers are reused.
JsonBodyParser& parser_for_slot(size_t slot) {
  thread_local std::vector<std::unique_ptr<JsonBodyParser>> parsers;
  while (parsers.size() <= slot) parsers.push_back(std::make_unique<JsonBodyParser>());
  return *parsers[slot];
}

// Parameters that change the model call or its post-processing must be equal to share a batch.
bool same_options(const PredictRequest& a, const PredictRequest& b) {
  return a.classify.function == b.classify.function && a.classify.top_k == b.classify.top_k &&
         a.classify.truncate == b.classify.truncate &&
         a.tokens.aggregation == b.tokens.aggregation &&
         a.tokens.ignore_labels == b.tokens.ignore_labels &&
         a.tokens.truncate == b.tokens.truncate && a.embed.pooling == b.embed.pooling &&
         a.embed.normalize == b.embed.normalize && a.embed.truncate == b.embed.truncate;
}

bool same_options(const EmbedOptions& a, const EmbedOptions& b) {
  return a.pooling == b.pooling && a.normalize == b.normalize && a.truncate == b.truncate;
}

bool truncates(const PredictRequest& request, Task task) {
  switch (task) {
    case Task::kTokens:
      return request.tokens.truncate;
    case Task::kEmbed:
      return request.embed.truncate;
    default:
      return request.classify.truncate;
  }
}

}  // namespace

ModelWork::ModelWork(ModelBackend& backend, Metrics& metrics, Route route, std::string body)
    : backend_(backend), metrics_(metrics), route_(route), body_(std::move(body)) {}

void ModelWork::parse(size_t slot) {
  if (parsed_slot_ == slot) return;
  parsed_slot_.reset();
  document_ = parser_for_slot(slot).parse(body_);
  if (route_ == Route::kPredict) predict_ = parse_predict_request(document_, backend_.task());
  if (route_ == Route::kEmbed) embed_ = parse_embed_request(document_);
  parsed_slot_ = slot;
}

bool ModelWork::prepare_for_batch(size_t slot) {
  try {
    parse(slot);
    if (batchable_) return *batchable_;
    batchable_ = false;
    if (route_ != Route::kPredict && route_ != Route::kEmbed) return false;
    const bool truncate =
        route_ == Route::kPredict ? truncates(predict_, backend_.task()) : embed_.options.truncate;
    const auto& inputs = route_ == Route::kPredict ? predict_.inputs : embed_.inputs;
    for (const Input& input : inputs) {
      const std::optional<size_t> tokens = backend_.count_tokens(input, truncate);
      if (!tokens) return false;
      longest_ = std::max(longest_, *tokens);
    }
    rows_ = inputs.size();
    batchable_ = true;
    return true;
  } catch (const std::exception&) {
    return false;  // a malformed body: run alone, it answers the error
  }
}

bool ModelWork::same_parameters(const ModelWork& other) const {
  if (route_ != other.route_) return false;
  return route_ == Route::kPredict ? same_options(predict_, other.predict_)
                                   : same_options(embed_.options, other.embed_.options);
}

ModelWork::BatchShape ModelWork::batch_shape(const ModelWork* next) const {
  BatchShape shape{rows_, longest_};
  auto add = [&shape](const ModelWork& work) {
    shape.rows += work.rows_;
    shape.longest = std::max(shape.longest, work.longest_);
  };
  for (const ModelWork* member : members_) add(*member);
  if (next) add(*next);
  return shape;
}

bool ModelWork::full(size_t max_batch_tokens) {
  if (!prepare_for_batch(0)) return true;
  const BatchShape shape = batch_shape(nullptr);
  return (shape.rows + 1) * shape.longest > max_batch_tokens;  // a row costs at least `longest`
}

bool ModelWork::absorb(Work& next_work, size_t max_batch_tokens) {
  auto* next = dynamic_cast<ModelWork*>(&next_work);
  if (!next || !prepare_for_batch(0) || !next->prepare_for_batch(members_.size() + 1) ||
      !same_parameters(*next) || batch_shape(next).padded_tokens() > max_batch_tokens) {
    return false;
  }
  members_.push_back(next);
  return true;
}

void ModelWork::run(std::vector<HttpResponse>& responses) {
  if (members_.empty()) {
    responses.push_back(run_alone());
    return;
  }
  std::vector<ModelAnswer> answers(members_.size() + 1);
  try {
    run_batch(answers);
  } catch (const std::exception&) {
    // Some input cannot run in this batch (an error of its own, or inputs the task cannot mix):
    // each work runs alone and answers as it would have without batching.
    responses.push_back(run_alone());
    for (ModelWork* member : members_) responses.push_back(member->run_alone());
    return;
  }
  metrics_.record_batch(answers.size());
  for (ModelAnswer& answer : answers) responses.push_back(respond(std::move(answer), true));
}

void ModelWork::run_batch(std::vector<ModelAnswer>& answers) {
  if (route_ == Route::kPredict) {
    std::vector<const PredictRequest*> requests{&predict_};
    for (const ModelWork* member : members_) requests.push_back(&member->predict_);
    backend_.predict(requests, answers);
  } else {
    std::vector<const EmbedRequest*> requests{&embed_};
    for (const ModelWork* member : members_) requests.push_back(&member->embed_);
    backend_.embed(requests, answers);
  }
}

HttpResponse ModelWork::run_alone() {
  try {
    parse(0);
    ModelAnswer answer;
    switch (route_) {
      case Route::kPredict: {
        const PredictRequest* request = &predict_;
        backend_.predict({&request, 1}, {&answer, 1});
        break;
      }
      case Route::kEmbed: {
        const EmbedRequest* request = &embed_;
        backend_.embed({&request, 1}, {&answer, 1});
        break;
      }
      case Route::kRerank:
        answer = backend_.rerank(parse_rerank_request(document_));
        break;
      case Route::kTokenize:
        return respond(backend_.tokenize(parse_tokenize_request(document_)), false);
      default:
        throw_error("route ", static_cast<int>(route_), " is not a model route");
    }
    metrics_.record_batch(1);
    return respond(std::move(answer), true);
  } catch (const HttpError& e) {
    return error_response(e.status(), e.what());
  } catch (const Error& e) {
    // encore::Error from the API means this input cannot be run (too long, wrong task, ...).
    return error_response(422, e.what());
  }
}

HttpResponse ModelWork::respond(ModelAnswer answer, bool ran_model) {
  metrics_.record_tokenization(answer.tokenize_seconds, answer.input_tokens);
  if (ran_model) metrics_.record_inference(answer.inference_seconds);
  HttpResponse response;
  response.body = std::move(answer.json);
  response.compute_tokens = answer.input_tokens;
  if (answer.model_seconds >= 0) {
    response.model_ms = answer.model_seconds * 1000;
    response.model_start = answer.model_start;
  }
  return response;
}

}  // namespace encore::server
