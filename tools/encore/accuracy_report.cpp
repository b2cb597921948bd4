#include "tools/encore/accuracy_report.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/api/classification.h"
#include "engine/api/model_impl.h"
#include "engine/api/pooling.h"
#include "support/error.h"

namespace encore::cli {
namespace {

double cosine(std::span<const float> a, std::span<const float> b) {
  double dot = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double{a[i]} * b[i];
    aa += double{a[i]} * a[i];
    bb += double{b[i]} * b[i];
  }
  return aa > 0 && bb > 0 ? dot / std::sqrt(aa * bb) : (aa == bb ? 1.0 : 0.0);
}

size_t argmax(std::span<const float> values) {
  return static_cast<size_t>(std::max_element(values.begin(), values.end()) - values.begin());
}

// The outputs of one text kept from the reference run.
struct Outputs {
  std::vector<float> probabilities;  // [predictions, labels]
  std::vector<float> cls, mean;
};

Outputs outputs_of(const RawOutput& raw, ClassificationFunction function) {
  Outputs out;
  const auto dim = raw.hidden_size;
  const auto& encoding = raw.encodings[0];
  const std::span<const float> states = raw.last_hidden_state.first(raw.seq * dim);
  Embedding pooled;
  api::pool(states, encoding.attention_mask, dim, Pooling::kCls, false, pooled);
  out.cls = pooled.values;
  api::pool(states, encoding.attention_mask, dim, Pooling::kMean, false, pooled);
  out.mean = pooled.values;
  const auto labels = raw.num_labels;
  if (labels == 0) return out;
  // Token heads: every real token except [CLS]/[SEP]; sequence heads: the one row.
  const int64_t rows = raw.logits_per_token ? raw.seq : 1;
  std::vector<float> scores(static_cast<size_t>(labels));
  for (int64_t r = 0; r < rows; ++r) {
    if (raw.logits_per_token && encoding.special_tokens_mask[r]) continue;
    api::apply_function(function, raw.logits.subspan(r * labels, labels), scores);
    out.probabilities.insert(out.probabilities.end(), scores.begin(), scores.end());
  }
  return out;
}

}  // namespace

std::vector<AccuracyText> read_accuracy_texts(std::string_view jsonl, const std::string& source,
                                              size_t max_texts) {
  std::vector<AccuracyText> texts;
  simdjson::ondemand::parser parser;
  size_t line_number = 0;
  size_t start = 0;
  while (start < jsonl.size() && texts.size() < max_texts) {
    size_t end = jsonl.find('\n', start);
    if (end == std::string_view::npos) end = jsonl.size();
    const std::string_view line = jsonl.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const simdjson::padded_string padded(line);
    simdjson::ondemand::document doc;
    simdjson::ondemand::object object;
    if (parser.iterate(padded).get(doc) || doc.get_object().get(object)) {
      throw_error(source, ":", line_number, ": not a JSON object (expected {\"text\": ...})");
    }
    AccuracyText text;
    bool has_text = false;
    for (auto field : object) {
      std::string_view key, value;
      if (field.unescaped_key().get(key)) throw_error(source, ":", line_number, ": bad key");
      if (key != "text" && key != "text_pair") continue;
      if (field.value().get_string().get(value)) {
        throw_error(source, ":", line_number, ": \"", key, "\" must be a string");
      }
      if (key == "text") {
        text.text = value;
        has_text = true;
      } else {
        text.text_pair = std::string(value);
      }
    }
    if (!has_text) throw_error(source, ":", line_number, ": no \"text\"");
    texts.push_back(std::move(text));
  }
  if (texts.empty()) throw_error(source, ": no texts");
  return texts;
}

std::vector<std::string> read_texts(std::string_view jsonl, const std::string& source,
                                    size_t max_texts) {
  std::vector<std::string> texts;
  for (AccuracyText& row : read_accuracy_texts(jsonl, source, max_texts))
    texts.push_back(std::move(row.text));
  return texts;
}

AccuracyReport compare_models(const std::shared_ptr<const Model>& reference,
                              const std::shared_ptr<const Model>& candidate,
                              const std::vector<AccuracyText>& texts,
                              const std::function<void(size_t, size_t)>& progress) {
  const auto& config = reference->impl().config();
  const ClassificationFunction function =
      api::default_function(config.problem_type, config.num_labels());
  Session reference_session(reference), candidate_session(candidate);
  AccuracyReport report;
  double probability_delta_sum = 0;
  size_t probability_count = 0;
  for (size_t t = 0; t < texts.size(); ++t) {
    const AccuracyText& text = texts[t];
    const Input input = text.text_pair ? Input::of_pair(text.text, *text.text_pair)
                                       : Input::of_text(text.text);
    const Outputs expected =
        outputs_of(reference_session.forward({&input, 1}, /*truncate=*/true), function);
    const Outputs actual =
        outputs_of(candidate_session.forward({&input, 1}, /*truncate=*/true), function);
    const double cls = cosine(expected.cls, actual.cls);
    const double mean = cosine(expected.mean, actual.mean);
    report.min_cls_cosine = std::min(report.min_cls_cosine, cls);
    report.min_mean_cosine = std::min(report.min_mean_cosine, mean);
    report.mean_cls_cosine += cls;
    report.mean_mean_cosine += mean;
    const size_t labels = static_cast<size_t>(config.num_labels());
    for (size_t p = 0; labels && p < expected.probabilities.size(); p += labels) {
      const std::span<const float> e(expected.probabilities.data() + p, labels);
      const std::span<const float> a(actual.probabilities.data() + p, labels);
      ++report.predictions;
      // One sigmoid label: agreement is on which side of 0.5 it falls.
      const bool agree = labels == 1 ? (e[0] >= 0.5f) == (a[0] >= 0.5f) : argmax(e) == argmax(a);
      report.top1_agreements += agree;
      for (size_t l = 0; l < labels; ++l) {
        const double delta = std::fabs(double{e[l]} - a[l]);
        report.max_abs_probability_delta = std::max(report.max_abs_probability_delta, delta);
        probability_delta_sum += delta;
        ++probability_count;
      }
    }
    ++report.texts;
    if (progress) progress(t + 1, texts.size());
  }
  if (report.texts) {
    report.mean_cls_cosine /= report.texts;
    report.mean_mean_cosine /= report.texts;
  }
  if (probability_count) report.mean_abs_probability_delta = probability_delta_sum / probability_count;
  return report;
}

std::string format_accuracy_report(const AccuracyReport& report, std::string_view candidate_name) {
  char buffer[1024];
  std::string out;
  std::snprintf(buffer, sizeof buffer, "accuracy of %.*s against fp32 on %zu texts:\n",
                static_cast<int>(candidate_name.size()), candidate_name.data(), report.texts);
  out += buffer;
  if (report.predictions) {
    std::snprintf(buffer, sizeof buffer,
                  "  top-1 agreement        %.2f%% (%zu of %zu)\n"
                  "  |delta probability|    max %.4f, mean %.5f\n",
                  100.0 * report.top1_agreement(), report.top1_agreements, report.predictions,
                  report.max_abs_probability_delta, report.mean_abs_probability_delta);
    out += buffer;
  }
  std::snprintf(buffer, sizeof buffer,
                "  embedding cosine, CLS  min %.5f, mean %.5f\n"
                "  embedding cosine, mean min %.5f, mean %.5f\n",
                report.min_cls_cosine, report.mean_cls_cosine, report.min_mean_cosine,
                report.mean_mean_cosine);
  out += buffer;
  return out;
}

}  // namespace encore::cli
