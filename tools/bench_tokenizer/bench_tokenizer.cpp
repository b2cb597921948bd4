// bench_tokenizer — single-threaded throughput and latency of encore's WordPiece tokenizer.
// Pinned to one CPU, it encodes the `text` of every line of a JSON Lines corpus (the HF golden
// set) repeatedly and keeps the fastest pass, as tools/bench_tokenizer/hf_speed.mjs does for HF;
// then times single encode() calls on a 64-token sentence. A benchmark prints numbers; it asserts
// nothing (see compare.sh for the side-by-side with HF).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "encore/tokenizer.h"
#include "simdjson.h"
#include "support/error.h"
#include "support/mapped_file.h"
#include "tools/bench_thread.h"
#include "tools/encore/args.h"

namespace {

using encore::bench::pin_to_cpu;
using encore::bench::thread_cpu_seconds;

using Clock = std::chrono::steady_clock;

// 301 bytes, 64 tokens with [CLS] and [SEP] under bert-base-uncased.
constexpr std::string_view kSentence64 =
    "The quick brown fox jumps over the lazy dog near the riverbank while the sun sets slowly "
    "behind the hills, and birds sing their evening songs in the tall green trees. Later that "
    "night, the old farmer walked home along the narrow road, thinking about the harvest and the "
    "long, cold winter ahead of him.";

std::vector<std::string> read_texts(const std::string& path) {
  const std::string contents = encore::read_text_file(path);
  const simdjson::padded_string padded(contents);
  simdjson::ondemand::parser parser;
  std::vector<std::string> texts;
  simdjson::ondemand::document_stream rows;
  if (parser.iterate_many(padded).get(rows)) encore::throw_error(path, ": not JSON Lines");
  size_t line = 0;
  for (auto row : rows) {
    ++line;
    std::string_view text;
    if (row["text"].get_string().get(text)) encore::throw_error(path, ":", line, ": no \"text\" string");
    texts.emplace_back(text);
  }
  if (texts.empty()) encore::throw_error(path, ": no texts");
  return texts;
}

struct Pass {
  double seconds;      // wall
  double cpu_seconds;  // this thread's CPU time
  size_t tokens;
};

Pass encode_all(const encore::Tokenizer& tokenizer, const std::vector<std::string>& texts,
                encore::Encoding& encoding) {
  const encore::EncodeOptions options;
  size_t tokens = 0;
  const auto start = Clock::now();
  const double cpu_start = thread_cpu_seconds();
  for (const auto& text : texts) {
    tokenizer.encode(text, options, encoding);
    tokens += encoding.size();
  }
  return {std::chrono::duration<double>(Clock::now() - start).count(),
          thread_cpu_seconds() - cpu_start, tokens};
}

double percentile(std::vector<double> values, double p) {
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

int run(int argc, char** argv) {
  encore::cli::Args args("bench_tokenizer",
                         "bench_tokenizer --model DIR --texts FILE.jsonl [--passes N] [--cpu N]",
                         "Single-threaded WordPiece throughput on a corpus and latency of one "
                         "64-token sentence, pinned to one CPU.");
  args.option("model", "DIR", "folder with tokenizer.json or vocab.txt (+ tokenizer_config.json)")
      .option("texts", "FILE", "JSON Lines with a \"text\" field, e.g. the HF golden set")
      .option("passes", "N", "passes over the corpus; the fastest counts", "20")
      .option("calls", "N", "timed encode() calls of the 64-token sentence", "100000")
      .option("cpu", "N", "CPU to pin the thread to", "0");
  if (!args.parse(argc, argv)) return args.exit_code();
  if (!args.has("model") || !args.has("texts")) encore::throw_error("--model and --texts are required");
  pin_to_cpu(static_cast<int>(args.get_int("cpu", 0, CPU_SETSIZE - 1)));

  const auto tokenizer = encore::Tokenizer::from_dir(args.get("model"));
  const auto texts = read_texts(args.get("texts"));
  size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();

  encore::Encoding encoding;
  encode_all(tokenizer, texts, encoding);  // warm-up: page in the vocabulary, size the buffers
  Pass best{1e30, 1e30, 0};
  double best_cpu = 1e30;
  for (int64_t pass = args.get_int("passes", 1, 1000); pass > 0; --pass) {
    const Pass p = encode_all(tokenizer, texts, encoding);
    if (p.seconds < best.seconds) best = p;
    best_cpu = std::min(best_cpu, p.cpu_seconds);
  }
  std::printf("encore: %.3f MB/s, %.3f Mtokens/s over %.1f MB (%zu texts, %zu tokens per pass); "
              "per CPU-second: %.3f MB/s\n",
              bytes / best.seconds / 1e6, best.tokens / best.seconds / 1e6, bytes / 1e6,
              texts.size(), best.tokens, bytes / best_cpu / 1e6);

  const encore::EncodeOptions options;
  tokenizer.encode(kSentence64, options, encoding);
  const size_t sentence_tokens = encoding.size();
  const auto calls = static_cast<size_t>(args.get_int("calls", 100, 100000000));
  for (size_t i = 0; i < calls / 10; ++i) tokenizer.encode(kSentence64, options, encoding);
  std::vector<double> micros(calls);
  for (auto& us : micros) {
    const auto start = Clock::now();
    tokenizer.encode(kSentence64, options, encoding);
    us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  }
  std::printf("encore: one %zu-token sentence (%zu bytes): median %.3f us, p99 %.3f us over %zu calls\n",
              sentence_tokens, kSentence64.size(), percentile(micros, 0.5), percentile(micros, 0.99),
              calls);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const encore::Error& e) {
    std::fprintf(stderr, "bench_tokenizer: error: %s\n", e.what());
    return 1;
  }
}
