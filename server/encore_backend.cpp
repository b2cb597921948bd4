#include "server/encore_backend.h"

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

EncoreBackend::EncoreBackend(std::string model_path, ModelOptions options, std::optional<Task> task)
    : model_path_(std::move(model_path)), options_(options), requested_task_(task) {}

EncoreBackend::~EncoreBackend() = default;

void EncoreBackend::load() {
  model_ = Model::load(model_path_, options_);
  task_ = requested_task_.value_or(model_->default_task());
  if (!model_->supports(task_)) {
    throw_error(model_path_, ": a ", model_->architecture(), " checkpoint cannot run task '",
                task_name(task_), "'");
  }
  auto session = std::make_unique<Session>(model_);
  const Input warm_up = Input::of_text("warm up");
  std::vector<Embedding> ignored;
  session->embed({&warm_up, 1}, {},
                 ignored);  // first-call allocations happen now, not on a request
  return_session(std::move(session));
  ready_.store(true, std::memory_order_release);
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
}

// Stopgap: Session does not report its token count or tokenization time, so the inputs are
// encoded once more here. Costs a few µs per short text; to go once the API reports them.
void EncoreBackend::count_tokens(std::span<const Input> inputs, bool truncate,
                                 ModelAnswer& answer) const {
  thread_local Encoding encoding;
  const auto start = SteadyClock::now();
  EncodeOptions options;
  options.max_length = truncate ? model_->max_length() : 0;
  for (const Input& input : inputs) {
    if (input.text_pair) {
      model_->tokenizer().encode_pair(input.text, *input.text_pair, options, encoding);
    } else {
      model_->tokenizer().encode(input.text, options, encoding);
    }
    answer.input_tokens += static_cast<int64_t>(encoding.size());
  }
  answer.tokenize_seconds = seconds_since(start);
}

ModelAnswer EncoreBackend::predict(const PredictRequest& request) {
  ModelAnswer answer;
  JsonWriter json(answer.json);
  SessionLease session(*this);
  const auto start = SteadyClock::now();
  if (request.batched) json.begin_array();
  switch (task_) {
    case Task::kClassify:
    case Task::kRank: {
      thread_local std::vector<std::vector<LabelScore>> results;
      session->classify(request.inputs, request.classify, results);
      for (const auto& labels : results) api::write_labels(json, labels);
      count_tokens(request.inputs, request.classify.truncate, answer);
      break;
    }
    case Task::kTokens: {
      thread_local std::vector<std::vector<Entity>> results;
      session->classify_tokens(request.inputs, request.tokens, results);
      for (const auto& entities : results)
        api::write_entities(json, entities, request.tokens.aggregation);
      count_tokens(request.inputs, request.tokens.truncate, answer);
      break;
    }
    case Task::kEmbed: {
      thread_local std::vector<Embedding> results;
      session->embed(request.inputs, request.embed, results);
      for (const auto& embedding : results)
        api::write_embedding(json, embedding, request.embed.pooling);
      count_tokens(request.inputs, request.embed.truncate, answer);
      break;
    }
  }
  if (request.batched) json.end_array();
  answer.inference_seconds = seconds_since(start) - answer.tokenize_seconds;
  return answer;
}

ModelAnswer EncoreBackend::embed(const EmbedRequest& request) {
  ModelAnswer answer;
  SessionLease session(*this);
  const auto start = SteadyClock::now();
  thread_local std::vector<Embedding> results;
  session->embed(request.inputs, request.options, results);
  JsonWriter json(answer.json);
  json.begin_array();  // TEI answers a list even for one input
  for (const auto& embedding : results)
    api::write_embedding(json, embedding, request.options.pooling);
  json.end_array();
  count_tokens(request.inputs, request.options.truncate, answer);
  answer.inference_seconds = seconds_since(start) - answer.tokenize_seconds;
  return answer;
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
  std::vector<Input> pairs;
  for (std::string_view text : request.texts) pairs.push_back(Input::of_pair(request.query, text));
  count_tokens(pairs, request.options.truncate, answer);
  answer.inference_seconds = seconds_since(start) - answer.tokenize_seconds;
  return answer;
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
