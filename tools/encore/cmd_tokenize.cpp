// encore tokenize: JSON Lines in, JSON Lines out, one output line per input line. Built to have
// hundreds of thousands of lines pushed through it (the differential test against HF does):
// input is read in large blocks, output is buffered and written in large blocks.
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>

#include "encore/tokenizer.h"
#include "engine/api/encore_model_file.h"
#include "support/error.h"
#include "support/json_writer.h"
#include "tools/encore/args.h"
#include "tools/encore/commands.h"

namespace encore::cli {
namespace {

constexpr size_t kReadBlock = 1 << 20;
constexpr size_t kFlushAt = 1 << 20;

void append_int(std::string& out, int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

void append_encoding(std::string& out, const Tokenizer& tokenizer, const Encoding& encoding) {
  out += "{\"ids\":[";
  for (size_t i = 0; i < encoding.size(); ++i) {
    if (i > 0) out += ',';
    append_int(out, encoding.ids[i]);
  }
  out += "],\"type_ids\":[";
  for (size_t i = 0; i < encoding.size(); ++i) {
    if (i > 0) out += ',';
    append_int(out, encoding.type_ids[i]);
  }
  out += "],\"offsets\":[";
  for (size_t i = 0; i < encoding.size(); ++i) {
    out += i > 0 ? ",[" : "[";
    append_int(out, encoding.offsets[i].begin);
    out += ',';
    append_int(out, encoding.offsets[i].end);
    out += ']';
  }
  out += "],\"tokens\":[";
  for (size_t i = 0; i < encoding.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, tokenizer.id_to_token(encoding.ids[i]));
  }
  out += "]}\n";
}

void append_error(std::string& out, std::string_view message, size_t line) {
  out += "{\"error\":";
  append_json_string(out, message);
  out += ",\"line\":";
  append_int(out, static_cast<int64_t>(line));
  out += "}\n";
}

class LineTokenizer {
 public:
  explicit LineTokenizer(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}

  // Appends the answer for input line number `number` (1-based) to `out`.
  void process(std::string_view line, size_t number, std::string& out) {
    try {
      encode(line);
      append_encoding(out, tokenizer_, encoding_);
    } catch (const Error& e) {
      append_error(out, e.what(), number);
    }
  }

 private:
  void encode(std::string_view line) {
    simdjson::dom::element row;
    if (auto error = parser_.parse(line.data(), line.size()).get(row)) {
      throw_error("not a JSON object: ", simdjson::error_message(error));
    }
    simdjson::dom::object fields;
    if (row.get(fields) != simdjson::SUCCESS) throw_error("not a JSON object");
    std::string_view text, pair;
    if (fields["text"].get(text) != simdjson::SUCCESS) throw_error("'text' must be a string");
    simdjson::dom::element value;
    const bool has_pair = fields["text_pair"].get(value) == simdjson::SUCCESS && !value.is_null();
    if (has_pair && value.get(pair) != simdjson::SUCCESS) {
      throw_error("'text_pair' must be a string");
    }
    EncodeOptions options;
    if (fields["max_length"].get(value) == simdjson::SUCCESS && !value.is_null()) {
      uint64_t max_length;
      if (value.get(max_length) != simdjson::SUCCESS || max_length == 0 || max_length > 1u << 30) {
        throw_error("'max_length' must be a positive integer");
      }
      options.max_length = max_length;
      options.truncation = TruncationStrategy::kLongestFirst;
    }
    if (has_pair) {
      tokenizer_.encode_pair(text, pair, options, encoding_);
    } else {
      tokenizer_.encode(text, options, encoding_);
    }
  }

  const Tokenizer& tokenizer_;
  simdjson::dom::parser parser_;
  Encoding encoding_;
};

void write_all(std::string& out) {
  if (!out.empty() && std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) {
    throw_error("stdout: write failed");
  }
  std::fflush(stdout);
  out.clear();
}

}  // namespace

int cmd_tokenize(int argc, char** argv) {
  Args args("tokenize", "encore tokenize --model DIR|FILE < in.jsonl > out.jsonl",
            "Reads JSON Lines on stdin, one object per line: \"text\", optional \"text_pair\", "
            "optional\n\"max_length\" (truncation longest_first, counting [CLS]/[SEP]). Writes "
            "one JSON line per\ninput: \"ids\", \"type_ids\", \"offsets\" (code points of the "
            "original text), \"tokens\".\nA malformed line gives {\"error\": ..., \"line\": N} "
            "and processing continues.");
  args.option("model", "DIR|FILE",
              "folder with tokenizer.json and/or vocab.txt (+ tokenizer_config.json), or a .encore "
              "file (encore optimize), which embeds them");
  if (!args.parse(argc, argv)) return args.exit_code();
  if (!args.has("model")) throw_error("--model DIR|FILE is required");

  // A .encore file is mapped, not packed: reading its tokenizer costs little.
  const std::string model = args.get("model");
  const Tokenizer tokenizer = api::is_encore_path(model) ? api::load_encore_model(model).tokenizer
                                                         : Tokenizer::from_dir(model);
  LineTokenizer lines(tokenizer);
  // Interactive use gets each answer at once; pipes get large writes.
  const bool interactive = isatty(STDIN_FILENO) != 0;
  std::string input, output;
  size_t line_number = 0, consumed = 0;
  for (;;) {
    const size_t old_size = input.size();
    input.resize(old_size + kReadBlock);
    const ssize_t got = read(STDIN_FILENO, input.data() + old_size, kReadBlock);
    if (got < 0) throw_error("stdin: read failed");
    input.resize(old_size + static_cast<size_t>(got));
    const bool at_end = got == 0;
    for (;;) {
      size_t newline = input.find('\n', consumed);
      if (newline == std::string::npos) {
        if (!at_end || consumed == input.size()) break;
        newline = input.size();  // a last line without '\n'
      }
      std::string_view line(input.data() + consumed, newline - consumed);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      lines.process(line, ++line_number, output);
      consumed = std::min(newline + 1, input.size());
      if (output.size() >= kFlushAt) write_all(output);
    }
    input.erase(0, consumed);
    consumed = 0;
    if (interactive) write_all(output);
    if (at_end) break;
  }
  write_all(output);
  return 0;
}

}  // namespace encore::cli
