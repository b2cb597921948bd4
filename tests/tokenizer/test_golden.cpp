// Every row of the Hugging Face golden set (tokenizers 0.23.2, distilbert-base-uncased) must come
// out identical: ids, type_ids, tokens and code-point offsets. Loaded both from tokenizer.json
// and from the bare vocab.txt, which must agree.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <cstdio>
#include <string>
#include <vector>

#include "encore/tokenizer.h"
#include "support/mapped_file.h"

namespace {

struct GoldenRow {
  std::string text, text_pair;
  bool has_pair = false;
  size_t max_length = 0;
  std::vector<int32_t> ids, type_ids;
  std::vector<std::string> tokens;
  std::vector<encore::Offset> offsets;
};

std::vector<GoldenRow> read_golden(const std::string& path) {
  std::vector<GoldenRow> rows;
  simdjson::dom::parser parser;
  const std::string text = encore::read_text_file(path);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    simdjson::dom::element row = parser.parse(line.data(), line.size());
    GoldenRow golden;
    golden.text = std::string(row["text"].get_string().value());
    std::string_view pair;
    if (row["text_pair"].get(pair) == simdjson::SUCCESS) {
      golden.text_pair = pair;
      golden.has_pair = true;
    }
    uint64_t max_length;
    if (row["max_length"].get(max_length) == simdjson::SUCCESS) golden.max_length = max_length;
    for (auto id : row["ids"].get_array()) golden.ids.push_back(int32_t(id.get_int64()));
    for (auto id : row["type_ids"].get_array()) golden.type_ids.push_back(int32_t(id.get_int64()));
    for (auto token : row["tokens"].get_array()) golden.tokens.emplace_back(token.get_string().value());
    for (auto offset : row["offsets"].get_array()) {
      golden.offsets.push_back({uint32_t(offset.at(0).get_uint64()), uint32_t(offset.at(1).get_uint64())});
    }
    rows.push_back(std::move(golden));
  }
  return rows;
}

std::string describe(const GoldenRow& row, const encore::Encoding& got,
                     const encore::Tokenizer& tokenizer) {
  std::string out = "text: " + row.text + (row.has_pair ? "\npair: " + row.text_pair : "") +
                    "\nmax_length: " + std::to_string(row.max_length) + "\n  want:";
  for (size_t i = 0; i < row.ids.size(); ++i) {
    out += " " + row.tokens[i] + "(" + std::to_string(row.ids[i]) + ")[" +
           std::to_string(row.offsets[i].begin) + "," + std::to_string(row.offsets[i].end) + "]";
  }
  out += "\n  got: ";
  for (size_t i = 0; i < got.ids.size(); ++i) {
    out += " " + std::string(tokenizer.id_to_token(got.ids[i])) + "(" +
           std::to_string(got.ids[i]) + ")[" + std::to_string(got.offsets[i].begin) + "," +
           std::to_string(got.offsets[i].end) + "]";
  }
  return out;
}

size_t count_mismatches(const encore::Tokenizer& tokenizer, const std::vector<GoldenRow>& rows) {
  encore::Encoding got;
  size_t mismatches = 0;
  for (const GoldenRow& row : rows) {
    encore::EncodeOptions options;
    options.max_length = row.max_length;
    if (row.has_pair) {
      tokenizer.encode_pair(row.text, row.text_pair, options, got);
    } else {
      tokenizer.encode(row.text, options, got);
    }
    std::vector<std::string> tokens;
    for (int32_t id : got.ids) tokens.emplace_back(tokenizer.id_to_token(id));
    if (got.ids != row.ids || got.type_ids != row.type_ids || got.offsets != row.offsets ||
        tokens != row.tokens) {
      if (++mismatches <= 5) MESSAGE(describe(row, got, tokenizer));
    }
  }
  return mismatches;
}

}  // namespace

TEST_CASE("golden: every HF row is reproduced exactly") {
  const std::vector<GoldenRow> rows = read_golden(ENCORE_TOKENIZER_GOLDEN);
  REQUIRE(rows.size() == 8799);

  const auto from_json = encore::Tokenizer::from_json(encore::read_text_file(ENCORE_TOKENIZER_JSON));
  CHECK(count_mismatches(from_json, rows) == 0);

  const auto from_vocab = encore::Tokenizer::from_vocab(encore::read_text_file(ENCORE_VOCAB_TXT));
  CHECK(count_mismatches(from_vocab, rows) == 0);
}
