// `encore tokenize` (the contract later checks rely on): the first golden rows go through the
// command and must come back as HF wrote them; malformed lines give an error line each and the
// lines after them are still answered.
#include <doctest/doctest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/mapped_file.h"

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string field(simdjson::dom::element row, const char* key) {
  return std::string(simdjson::minify(row[key]));
}

}  // namespace

TEST_CASE("encore tokenize: golden rows, error lines, processing continues") {
  const char* bin = std::getenv("ENCORE_BIN");
  REQUIRE(bin != nullptr);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("encore-tokenize-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "json");
  std::filesystem::create_directories(dir / "vocab");
  std::filesystem::copy_file(ENCORE_TOKENIZER_JSON, dir / "json" / "tokenizer.json");
  std::filesystem::copy_file(ENCORE_VOCAB_TXT, dir / "vocab" / "vocab.txt");

  std::vector<std::string> golden = lines_of(encore::read_text_file(ENCORE_TOKENIZER_GOLDEN));
  golden.resize(300);
  std::string input;
  for (const std::string& row : golden) input += row + "\n";
  const std::vector<std::string> malformed = {
      "not json", "{\"text\": \"caf\xC3\"}", "{\"nope\": 1}", "{\"text\": \"a\", \"max_length\": -3}"};
  for (const std::string& line : malformed) input += line + "\n";
  input += "{\"text\": \"still here\"}";  // no final newline
  std::ofstream(dir / "in.jsonl", std::ios::binary) << input;

  for (const char* model : {"json", "vocab"}) {
    CAPTURE(model);
    const std::string command = std::string(bin) + " tokenize --model " + (dir / model).string() +
                                " < " + (dir / "in.jsonl").string() + " > " +
                                (dir / "out.jsonl").string();
    REQUIRE(std::system(command.c_str()) == 0);
    const std::vector<std::string> out = lines_of(encore::read_text_file(dir / "out.jsonl"));
    REQUIRE(out.size() == golden.size() + malformed.size() + 1);

    simdjson::dom::parser want_parser, got_parser;
    size_t mismatches = 0;
    for (size_t i = 0; i < golden.size(); ++i) {
      simdjson::dom::element want = want_parser.parse(golden[i]);
      simdjson::dom::element got = got_parser.parse(out[i]);
      for (const char* key : {"ids", "type_ids", "offsets", "tokens"}) {
        if (field(want, key) != field(got, key)) ++mismatches;
      }
    }
    CHECK(mismatches == 0);
    for (size_t i = 0; i < malformed.size(); ++i) {
      simdjson::dom::element got = got_parser.parse(out[golden.size() + i]);
      CHECK(got["error"].is_string());
      CHECK(got["line"].get_uint64().value() == golden.size() + i + 1);
    }
    simdjson::dom::element last = got_parser.parse(out.back());
    CHECK(field(last, "tokens") == R"(["[CLS]","still","here","[SEP]"])");
  }
  std::filesystem::remove_all(dir);
}
