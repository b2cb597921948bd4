#include "server/encore_backend.h"

#include <algorithm>
#include <chrono>

#include "engine/api/task_json.h"
#include "server/http_error.h"
#include "support/error.h"

namespace encore::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

}  // namespace

// Borrows a Session for one request: Sessions are not thread-safe and own the forward pass's
// threads, so each concurrently running worker needs its own.
class EncoreBackend::SessionLease {
 public:
  explicit SessionLease(EncoreBackend& backend)
      : backend_(backend), session_(backend.take_session()) {}
  ~SessionLease() { backend_.return_session(std::move(session_)); }
  Session& operator*() { return *session_; }
  Session* operator->() { return session_.get(); }

 private:
  EncoreBackend& backend_;
  std::unique_ptr<Session> session_;
};

EncoreBackend::EncoreBackend(std::string model_path, ModelOptions options, std::optional<Task> task,
                             size_t max_batch_tokens)
    : model_path_(std::move(model_path)),
      options_(options),
      requested_task_(task),
      max_batch_tokens_(max_batch_tokens) {}

EncoreBackend::~EncoreBackend() = default;

void EncoreBackend::load() {
  model_ = Model::load(model_path_, options_);
  task_ = requested_task_.value_or(model_->default_task());
  if (!model_->supports(task_)) {
    throw_error(model_path_, ": a ", model_->architecture(), " checkpoint cannot run task '",
                task_name(task_), "'");
  }
  kernels_ = model_->kernel_info();
  auto session = std::make_unique<Session>(model_);
  warm_up(*session);
  return_session(std::move(session));
  ready_.store(true, std::memory_order_release);
}

// Runs the largest forward pass the server will run (one input of the maximum length, or a batch
// of the batching budget), then the task on a short text, before /health turns 200: the arena is
// grown and its pages touched, lazily built kernels exist and the task's buffers are sized, so no
// request pays for a first time.
void EncoreBackend::warm_up(Session& session) {
  const size_t length = model_->max_length();
  const size_t rows = std::max<size_t>(1, max_batch_tokens_ / length);
  std::vector<int32_t> ids(length, model_->tokenizer().cls_id());
  ids.back() = model_->tokenizer().sep_id();
  const std::vector<Input> largest(rows, Input::of_ids(ids));
  session.forward(largest);

  PredictRequest request;
  request.inputs = {Input::of_text("warm up")};
  const PredictRequest* requests[] = {&request};
  ModelAnswer answer;
  predict_on(session, requests, {&answer, 1});
}

std::unique_ptr<Session> EncoreBackend::take_session() {
  {
    std::lock_guard lock(sessions_mutex_);
    if (!idle_sessions_.empty()) {
      auto session = std::move(idle_sessions_.back());
      idle_sessions_.pop_back();
      return session;
    }
  }
  return std::make_unique<Session>(model_);
}

void EncoreBackend::return_session(std::unique_ptr<Session> session) {
  std::lock_guard lock(sessions_mutex_);
  idle_sessions_.push_back(std::move(session));
}

void EncoreBackend::describe(JsonWriter& info) const {
  info.key("model").value(model_path_);
  info.key("architecture").value(model_->architecture());
  info.key("task").value(task_name(task_));
  info.key("labels").begin_array();
  for (const auto& label : model_->labels()) info.value(label);
  info.end_array();
  info.key("max_length").value(static_cast<uint64_t>(model_->max_length()));
  info.key("hidden_size").value(model_->hidden_size());
  info.key("threads").value(model_->options().threads);
  info.key("isa").value(kernels_.isa);
  info.key("highway_target").value(kernels_.highway_target);
  info.key("precision").value(kernels_.precision);
  info.key("linear_kernels").value(kernels_.linear_kernels);
  info.key("max_batch_tokens").value(static_cast<uint64_t>(max_batch_tokens_));
}

// The inputs of every request, in order: one padded batch for the Session.
template <typename Request>
std::span<const Input> all_inputs(std::span<const Request* const> requests) {
  if (requests.size() == 1) return requests.front()->inputs;
  thread_local std::vector<Input> inputs;
  inputs.clear();
  for (const Request* request : requests) {
    inputs.insert(inputs.end(), request->inputs.begin(), request->inputs.end());
  }
  return inputs;
}

// Writes each request's slice of `results` into its answer: a list when the request sent one
// (TEI's /embed always answers a list), else the single result.
template <typename Request, typename Result, typename Write>
void write_answers(std::span<const Request* const> requests, const std::vector<Result>& results,
                   std::span<ModelAnswer> answers, Write write) {
  size_t row = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const Request& request = *requests[i];
    bool list = true;
    if constexpr (requires { request.batched; }) list = request.batched;
    JsonWriter json(answers[i].json);
    if (list) json.begin_array();
    for (size_t k = 0; k < request.inputs.size(); ++k) write(json, results[row++]);
    if (list) json.end_array();
  }
}

// x-compute-tokens and the metrics from the Session's own counts: each request gets its inputs'
// tokens and the whole call's times (it waited for all of them).
template <typename Request>
void record_stats(const RunStats& stats, std::span<const Request* const> requests,
                  SteadyClock::time_point start, std::span<ModelAnswer> answers) {
  const double total_seconds = seconds_since(start);
  size_t row = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    int64_t tokens = 0;
    for (size_t k = 0; k < requests[i]->inputs.size(); ++k) {
      tokens += static_cast<int64_t>(stats.tokens_per_input[row++]);
    }
    answers[i].input_tokens = tokens;
    answers[i].tokenize_seconds = stats.tokenize_ms / 1000;
    answers[i].inference_seconds = total_seconds - answers[i].tokenize_seconds;
    answers[i].model_seconds = stats.inference_ms / 1000;
    answers[i].model_start = start + std::chrono::duration_cast<SteadyClock::duration>(
                                         std::chrono::duration<double, std::milli>(stats.tokenize_ms));
  }
}

void EncoreBackend::predict(std::span<const PredictRequest* const> requests,
                            std::span<ModelAnswer> answers) {
  SessionLease session(*this);
  predict_on(*session, requests, answers);
}

void EncoreBackend::predict_on(Session& session, std::span<const PredictRequest* const> requests,
                               std::span<ModelAnswer> answers) {
  const auto start = SteadyClock::now();
  const std::span<const Input> inputs = all_inputs(requests);
  const PredictRequest& parameters = *requests.front();
  switch (task_) {
    case Task::kClassify:
    case Task::kRank: {
      thread_local std::vector<std::vector<LabelScore>> results;
      session.classify(inputs, parameters.classify, results);
      write_answers(requests, results, answers,
                    [](JsonWriter& json, const auto& labels) { api::write_labels(json, labels); });
      break;
    }
    case Task::kTokens: {
      thread_local std::vector<std::vector<Entity>> results;
      session.classify_tokens(inputs, parameters.tokens, results);
      write_answers(requests, results, answers, [&](JsonWriter& json, const auto& entities) {
        api::write_entities(json, entities, parameters.tokens.aggregation);
      });
      break;
    }
    case Task::kEmbed: {
      thread_local std::vector<Embedding> results;
      session.embed(inputs, parameters.embed, results);
      write_answers(requests, results, answers, [&](JsonWriter& json, const auto& embedding) {
        api::write_embedding(json, embedding, parameters.embed.pooling);
      });
      break;
    }
  }
  record_stats(session.last_stats(), requests, start, answers);
}

void EncoreBackend::embed(std::span<const EmbedRequest* const> requests,
                          std::span<ModelAnswer> answers) {
  const auto start = SteadyClock::now();
  SessionLease session(*this);
  const EmbedOptions& options = requests.front()->options;
  thread_local std::vector<Embedding> results;
  session->embed(all_inputs(requests), options, results);
  write_answers(requests, results, answers, [&](JsonWriter& json, const auto& embedding) {
    api::write_embedding(json, embedding, options.pooling);
  });
  record_stats(session->last_stats(), requests, start, answers);
}

ModelAnswer EncoreBackend::rerank(const RerankRequest& request) {
  if (!model_->supports(Task::kRank)) {
    throw HttpError(422, "this model (" + model_->architecture() + ") cannot rerank");
  }
  ModelAnswer answer;
  SessionLease session(*this);
  const auto start = SteadyClock::now();
  thread_local std::vector<RankScore> scores;
  session->rank(request.query, request.texts, request.options, scores);
  JsonWriter json(answer.json);
  api::write_ranking(json, scores);
  const RunStats& stats = session->last_stats();
  answer.input_tokens = static_cast<int64_t>(stats.input_tokens);
  answer.tokenize_seconds = stats.tokenize_ms / 1000;
  answer.inference_seconds = seconds_since(start) - answer.tokenize_seconds;
  answer.model_seconds = stats.inference_ms / 1000;
  answer.model_start = start + std::chrono::duration_cast<SteadyClock::duration>(
                                   std::chrono::duration<double, std::milli>(stats.tokenize_ms));
  return answer;
}

std::optional<size_t> EncoreBackend::count_tokens(const Input& input, bool truncate) const {
  if (!input.ids.empty()) return input.ids.size();  // as Session: ids are never truncated
  thread_local Encoding encoding;
  EncodeOptions options;
  options.max_length = truncate ? model_->max_length() : 0;
  if (input.text_pair) {
    model_->tokenizer().encode_pair(input.text, *input.text_pair, options, encoding);
  } else {
    model_->tokenizer().encode(input.text, options, encoding);
  }
  if (encoding.size() > model_->max_length()) return std::nullopt;
  return encoding.size();
}

// TEI's /tokenize shape: one list per input of {"id", "text", "special", "start", "stop"}, with
// byte offsets into the input; a special token's text is the token itself.
ModelAnswer EncoreBackend::tokenize(const TokenizeRequest& request) {
  ModelAnswer answer;
  const auto start = SteadyClock::now();
  const Tokenizer& tokenizer = model_->tokenizer();
  EncodeOptions options;
  options.add_special_tokens = request.add_special_tokens;
  thread_local Encoding encoding;
  JsonWriter json(answer.json);
  json.begin_array();
  for (std::string_view text : request.inputs) {
    tokenizer.encode(text, options, encoding);
    answer.input_tokens += static_cast<int64_t>(encoding.size());
    json.begin_array();
    for (size_t i = 0; i < encoding.size(); ++i) {
      const bool special = encoding.special_tokens_mask[i] != 0;
      const Offset bytes = encoding.byte_offsets[i];
      json.begin_object().key("id").value(encoding.ids[i]);
      json.key("text").value(special ? tokenizer.id_to_token(encoding.ids[i])
                                     : text.substr(bytes.begin, bytes.end - bytes.begin));
      json.key("special").value(special);
      json.key("start").value(bytes.begin).key("stop").value(bytes.end).end_object();
    }
    json.end_array();
  }
  json.end_array();
  answer.tokenize_seconds = seconds_since(start);
  return answer;
}

}  // namespace encore::server
