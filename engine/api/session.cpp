// encore::Session — encode → one padded forward pass → task post-processing, with every buffer
// kept between calls.
#include <algorithm>
#include <chrono>

#include "engine/api/classification.h"
#include "engine/api/entity_aggregation.h"
#include "engine/api/model_impl.h"
#include "engine/api/pooling.h"
#include "engine/api/pre_entities.h"
#include "engine/api/ranking.h"
#include "engine/encoder.h"
#include "support/error.h"

namespace encore {
namespace {

using SteadyClock = std::chrono::steady_clock;

double milliseconds_between(SteadyClock::time_point start, SteadyClock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

}  // namespace

struct Session::Impl {
  std::shared_ptr<const Model> model;
  engine::Encoder encoder;
  std::vector<Encoding> encodings;  // grows to the largest batch seen; the first `batch` are used
  std::vector<int32_t> ids, mask;
  std::vector<float> scores;
  std::vector<api::PreEntity> pre_entities;
  std::vector<Input> pairs;
  RunStats stats;
  std::vector<size_t> tokens_per_input;
  SteadyClock::time_point forward_end;  // post-processing starts here

  explicit Impl(std::shared_ptr<const Model> m)
      : model(std::move(m)), encoder(model->impl().packed, {.threads = model->options().threads}) {}

  const loader::ModelConfig& config() const { return model->impl().config(); }

  void require(Task task) const {
    if (model->supports(task)) return;
    throw_error(model->path(), ": a ", model->architecture(), " cannot run task '", task_name(task),
                "' (its task is '", task_name(model->default_task()), "')");
  }

  // Pre-tokenized ids are taken as they are: [CLS]/[SEP] count as special tokens.
  void encode_ids(std::span<const int32_t> input_ids, Encoding& out) const {
    const Tokenizer& tokenizer = model->tokenizer();
    out.clear();
    for (int32_t id : input_ids) {
      out.ids.push_back(id);
      out.type_ids.push_back(0);
      out.attention_mask.push_back(1);
      out.special_tokens_mask.push_back(id == tokenizer.cls_id() || id == tokenizer.sep_id());
      out.offsets.push_back({});
      out.byte_offsets.push_back({});
      out.word_ids.push_back(-1);
      out.sequence_ids.push_back(0);
    }
  }

  void encode_text(const Input& input, const EncodeOptions& options, Encoding& out) const {
    if (input.text_pair) {
      model->tokenizer().encode_pair(input.text, *input.text_pair, options, out);
    } else {
      model->tokenizer().encode(input.text, options, out);
    }
  }

  // Encodes without truncation first, so an input that is too long is an error unless the
  // caller asked for truncation (the Hugging Face pipelines would silently cut it).
  void encode(const Input& input, bool truncate, Encoding& out) const {
    const size_t max_length = model->max_length();
    if (!input.ids.empty()) {
      encode_ids(input.ids, out);
      if (out.size() > max_length) {
        throw_error("the input has ", out.size(), " ids, more than the model's maximum of ",
                    max_length, " (ids are never truncated)");
      }
      return;
    }
    EncodeOptions options;
    encode_text(input, options, out);
    if (out.size() <= max_length) return;
    if (!truncate) {
      throw_error("the input has ", out.size(), " tokens, more than the model's maximum of ",
                  max_length, "; shorten it or ask for truncation");
    }
    options.max_length = max_length;
    encode_text(input, options, out);
  }

  RawOutput run(std::span<const Input> inputs, bool truncate) {
    if (inputs.empty()) throw_error("no inputs to run");
    const auto start = SteadyClock::now();
    const auto batch = static_cast<int64_t>(inputs.size());
    if (encodings.size() < inputs.size()) encodings.resize(inputs.size());
    const std::span<Encoding> rows(encodings.data(), inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      try {
        encode(inputs[i], truncate, rows[i]);
      } catch (const Error& e) {
        if (inputs.size() == 1) throw;
        throw_error("input ", i, ": ", e.what());
      }
    }
    tokens_per_input.clear();
    for (const auto& row : rows) tokens_per_input.push_back(row.size());
    Tokenizer::pad(rows, {}, model->tokenizer().pad_id());
    const auto seq = static_cast<int64_t>(rows[0].size());
    ids.clear();
    mask.clear();
    for (const auto& row : rows) {
      ids.insert(ids.end(), row.ids.begin(), row.ids.end());
      mask.insert(mask.end(), row.attention_mask.begin(), row.attention_mask.end());
    }
    const auto encoded = SteadyClock::now();
    const engine::EncoderOutput output = encoder.forward({batch, seq, ids, mask});
    forward_end = SteadyClock::now();
    stats = RunStats{
        .inputs = inputs.size(),
        .padded_tokens = inputs.size() * rows[0].size(),
        .tokenize_ms = milliseconds_between(start, encoded),
        .inference_ms = milliseconds_between(encoded, forward_end),
        .tokens_per_input = tokens_per_input,
    };
    for (size_t tokens : tokens_per_input) stats.input_tokens += tokens;
    const auto& cfg = config();
    return RawOutput{
        .batch = batch,
        .seq = seq,
        .hidden_size = cfg.dim,
        .num_labels = cfg.num_labels(),
        .logits_per_token = cfg.architecture == loader::Architecture::kTokenClassification,
        .encodings = rows,
        .last_hidden_state = output.last_hidden_state,
        .logits = output.logits,
    };
  }

  // Called by each task once its results are written.
  void finish_postprocess() {
    stats.postprocess_ms = milliseconds_between(forward_end, SteadyClock::now());
  }
};

Session::Session(std::shared_ptr<const Model> model)
    : impl_(std::make_unique<Impl>(std::move(model))) {}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

const Model& Session::model() const {
  return *impl_->model;
}

const RunStats& Session::last_stats() const {
  return impl_->stats;
}

RawOutput Session::forward(std::span<const Input> inputs, bool truncate) {
  return impl_->run(inputs, truncate);
}

void Session::classify(std::span<const Input> inputs, const ClassifyOptions& options,
                       std::vector<std::vector<LabelScore>>& out) {
  impl_->require(Task::kClassify);
  const RawOutput raw = impl_->run(inputs, options.truncate);
  const auto& labels = impl_->config().labels;
  const int64_t num_labels = raw.num_labels;
  const ClassificationFunction function =
      options.function.value_or(api::default_function(impl_->config().problem_type, num_labels));
  out.resize(raw.batch);
  impl_->scores.resize(num_labels);
  for (int64_t row = 0; row < raw.batch; ++row) {
    api::apply_function(function, raw.logits.subspan(row * num_labels, num_labels), impl_->scores);
    api::top_labels(impl_->scores, labels, options.top_k, out[row]);
  }
  impl_->finish_postprocess();
}

void Session::classify_tokens(std::span<const Input> inputs, const TokenOptions& options,
                              std::vector<std::vector<Entity>>& out) {
  impl_->require(Task::kTokens);
  for (const auto& input : inputs) {
    // Entity offsets and words come from the text; ids or a pair have no single text to point in.
    if (!input.ids.empty() || input.text_pair) {
      throw_error("token classification takes single texts, not ids or text pairs");
    }
  }
  const RawOutput raw = impl_->run(inputs, options.truncate);
  const int64_t num_labels = raw.num_labels;
  const int64_t row_size = raw.seq * num_labels;
  auto& probabilities = impl_->scores;
  probabilities.resize(row_size);
  const Tokenizer& tokenizer = impl_->model->tokenizer();
  out.resize(raw.batch);
  for (int64_t row = 0; row < raw.batch; ++row) {
    for (int64_t t = 0; t < raw.seq; ++t) {
      api::apply_function(ClassificationFunction::kSoftmax,
                          raw.logits.subspan(row * row_size + t * num_labels, num_labels),
                          std::span(probabilities).subspan(t * num_labels, num_labels));
    }
    api::gather_pre_entities(inputs[row].text, raw.encodings[row], tokenizer, probabilities,
                             num_labels, impl_->pre_entities);
    api::aggregate_entities(impl_->pre_entities, options.aggregation, impl_->config().labels,
                            options.ignore_labels, tokenizer.config().continuing_subword_prefix,
                            out[row]);
  }
  impl_->finish_postprocess();
}

void Session::embed(std::span<const Input> inputs, const EmbedOptions& options,
                    std::vector<Embedding>& out) {
  const RawOutput raw = impl_->run(inputs, options.truncate);
  const int64_t dim = raw.hidden_size;
  out.resize(raw.batch);
  for (int64_t row = 0; row < raw.batch; ++row) {
    api::pool(raw.last_hidden_state.subspan(row * raw.seq * dim, raw.seq * dim),
              raw.encodings[row].attention_mask, dim, options.pooling, options.normalize, out[row]);
  }
  impl_->finish_postprocess();
}

void Session::rank(std::string_view query, std::span<const std::string_view> passages,
                   const RankOptions& options, std::vector<RankScore>& out) {
  impl_->require(Task::kRank);
  auto& pairs = impl_->pairs;
  pairs.clear();
  for (std::string_view passage : passages) pairs.push_back(Input::of_pair(query, passage));
  const RawOutput raw = impl_->run(pairs, options.truncate);
  out.clear();
  for (int64_t row = 0; row < raw.batch; ++row) {
    const auto logits = raw.logits.subspan(row * raw.num_labels, raw.num_labels);
    out.push_back({static_cast<int32_t>(row), api::rank_score(logits, options.raw_scores)});
  }
  api::sort_by_score(out);
  impl_->finish_postprocess();
}

std::vector<LabelScore> Session::classify(std::string_view text, const ClassifyOptions& options) {
  const Input input = Input::of_text(text);
  std::vector<std::vector<LabelScore>> out;
  classify({&input, 1}, options, out);
  return std::move(out[0]);
}

std::vector<Entity> Session::classify_tokens(std::string_view text, const TokenOptions& options) {
  const Input input = Input::of_text(text);
  std::vector<std::vector<Entity>> out;
  classify_tokens({&input, 1}, options, out);
  return std::move(out[0]);
}

Embedding Session::embed(std::string_view text, const EmbedOptions& options) {
  const Input input = Input::of_text(text);
  std::vector<Embedding> out;
  embed({&input, 1}, options, out);
  return std::move(out[0]);
}

}  // namespace encore
