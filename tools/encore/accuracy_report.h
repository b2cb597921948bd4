// How far a packed model (int8, bf16) strays from fp32 on a set of texts: the numbers
// `encore optimize` prints, and the ones tests/accuracy asserts on.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "encore/encore.h"

namespace encore::cli {

struct AccuracyText {
  std::string text;
  std::optional<std::string> text_pair;
};

// JSON Lines with "text" and optional "text_pair" (other keys ignored); at most `max_texts`.
// Throws encore::Error naming `source` and the line.
std::vector<AccuracyText> read_accuracy_texts(std::string_view jsonl, const std::string& source,
                                              size_t max_texts);

// The "text" of each row of read_accuracy_texts (pairs contribute their first text): calibration
// texts for `encore optimize --calibrate`.
std::vector<std::string> read_texts(std::string_view jsonl, const std::string& source,
                                    size_t max_texts);

// The 1,000 texts compiled into the binary (tools/data/README.md).
std::string_view builtin_accuracy_texts();

struct AccuracyReport {
  size_t texts = 0;
  // Classification heads: per text (sequence) or per real token (token classification), the
  // top-1 label and the probabilities (the head's function: softmax, or sigmoid for one label).
  size_t predictions = 0;
  size_t top1_agreements = 0;
  double max_abs_probability_delta = 0;
  double mean_abs_probability_delta = 0;
  // Embeddings (last hidden state): cosine of the [CLS] vectors and of the mean-pooled vectors.
  double min_cls_cosine = 1;
  double mean_cls_cosine = 0;
  double min_mean_cosine = 1;
  double mean_mean_cosine = 0;

  double top1_agreement() const {
    return predictions ? static_cast<double>(top1_agreements) / predictions : 1.0;
  }
};

// Runs every text through both models (batch 1, truncated to the maximum length) and compares
// `candidate` with `reference`. `progress(done, total)` is called after each text.
AccuracyReport compare_models(const std::shared_ptr<const Model>& reference,
                              const std::shared_ptr<const Model>& candidate,
                              const std::vector<AccuracyText>& texts,
                              const std::function<void(size_t, size_t)>& progress = {});

// The report as aligned text lines for a terminal.
std::string format_accuracy_report(const AccuracyReport& report, std::string_view candidate_name);

}  // namespace encore::cli
