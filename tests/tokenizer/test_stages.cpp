// One test per pipeline stage. Expected values were produced by Hugging Face tokenizers 0.23.2
// (npm) on the same inputs, with distilbert-base-uncased or tests/data/tokenizer/cased-tokenizer.json.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/error.h"
#include "test_helpers.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/truncation.h"
#include "tokenizer/words.h"

using encore::Encoding;
using encore::EncodeOptions;
using encore::Tokenizer;
using encore::test::encode;
using encore::test::offsets;
using encore::test::tokens;
using Pairs = std::vector<std::pair<uint32_t, uint32_t>>;
using Strings = std::vector<std::string>;

namespace {

// The words the normalizer + pre-tokenizer make of `text`, and each word's original span.
struct SplitResult {
  Strings words;
  Pairs spans;
};

SplitResult split(std::string_view text, const encore::tok::NormalizerOptions& options = {}) {
  encore::tok::Words words;
  encore::tok::Normalizer normalizer;
  normalizer.start(options, words);
  uint32_t index = 0;
  for (size_t pos = 0; pos < text.size();) {  // test inputs are valid UTF-8
    char32_t c = static_cast<unsigned char>(text[pos]);
    size_t length = 1;
    if (c >= 0xF0) {
      c &= 0x07, length = 4;
    } else if (c >= 0xE0) {
      c &= 0x0F, length = 3;
    } else if (c >= 0xC0) {
      c &= 0x1F, length = 2;
    }
    for (size_t i = 1; i < length; ++i) c = (c << 6) | (text[pos + i] & 0x3F);
    normalizer.add(c, index++);
    pos += length;
  }
  normalizer.end_piece();
  words.byte.push_back(static_cast<uint32_t>(words.text.size()));
  SplitResult result;
  for (const auto& word : words.words) {
    result.words.emplace_back(words.bytes(word.begin, word.end));
    result.spans.emplace_back(words.origin[word.begin], words.origin[word.end - 1] + 1);
  }
  return result;
}

}  // namespace

TEST_CASE("normalizer: clean_text, lowercase, accents, Chinese characters, alignments") {
  // Controls vanish, whitespace splits, accents go, case folds; spans are original characters.
  SplitResult r = split("H\xC3\xA9llo\tWORLD\x01x \xE4\xB8\xAD\xE6\x96\x87" "abc");
  CHECK(r.words == Strings{"hello", "worldx", "\xE4\xB8\xAD", "\xE6\x96\x87", "abc"});
  CHECK(r.spans == Pairs{{0, 5}, {6, 13}, {14, 15}, {15, 16}, {16, 19}});

  // strip_accents runs before lowercase: NFD splits İ into I + U+0307, the mark goes, I lowercases.
  CHECK(split("\xC4\xB0stanbul").words == Strings{"istanbul"});
  // Without accent stripping the full lowercase mapping shows: i + U+0307.
  CHECK(split("\xC4\xB0", {true, true, false, true}).words == Strings{"i\xCC\x87"});

  // NFD reorders marks (U+0316 class 220 before U+0301 class 230) and both are stripped.
  r = split("a\xCC\x81\xCC\x96" "b");
  CHECK(r.words == Strings{"ab"});
  CHECK(r.spans == Pairs{{0, 4}});

  // Hangul syllables decompose into jamo, all mapped to their syllable.
  r = split("\xED\x95\x9C");
  CHECK(r.words == Strings{"\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"});

  // A cased model (lowercase false, strip_accents unset) keeps case and accents.
  CHECK(split("Caf\xC3\xA9", {true, true, false, false}).words == Strings{"Caf\xC3\xA9"});
}

TEST_CASE("pre-tokenizer: whitespace splits, each punctuation character is a word") {
  SplitResult r = split("qqqqq@# a.b\xE2\x80\x94" "c $x");
  CHECK(r.words == Strings{"qqqqq", "@", "#", "a", ".", "b", "\xE2\x80\x94", "c", "$", "x"});
  // U+00A0 and U+3000 are whitespace; U+00AD (soft hyphen, Cf) is removed, not a split.
  CHECK(split("a\xC2\xA0" "b\xE3\x80\x80" "c x\xC2\xADz").words == Strings{"a", "b", "c", "xz"});
}

TEST_CASE("wordpiece: greedy longest match, ## continuations, [UNK] words") {
  const Tokenizer& t = encore::test::uncased();
  Encoding e = encode(t, "qqqqq \xEF\xAC\x81ne caf\xC3\xA9");
  CHECK(tokens(t, e) == Strings{"[CLS]", "q", "##q", "##q", "##q", "##q", "\xEF\xAC\x81", "##ne",
                                "cafe", "[SEP]"});
  CHECK(offsets(e.offsets) == Pairs{{0, 0}, {0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {6, 7},
                                    {7, 9}, {10, 14}, {0, 0}});
  // Byte offsets: ﬁ is 3 bytes, é 2.
  CHECK(offsets(e.byte_offsets) == Pairs{{0, 0}, {0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {6, 9},
                                         {9, 11}, {12, 17}, {0, 0}});
  CHECK(e.word_ids == std::vector<int32_t>{-1, 0, 0, 0, 0, 0, 1, 1, 2, -1});

  // 100 characters are split; 101 make one [UNK] spanning the word.
  e = encode(t, std::string(100, 'a'));
  CHECK(e.size() == 52);
  CHECK(tokens(t, e)[1] == "aaa");
  CHECK(tokens(t, e)[50] == "##a");
  e = encode(t, std::string(101, 'a'));
  CHECK(tokens(t, e) == Strings{"[CLS]", "[UNK]", "[SEP]"});
  CHECK(offsets(e.offsets) == Pairs{{0, 0}, {0, 101}, {0, 0}});

  // Cased vocabulary: a position no piece matches makes the whole word [UNK].
  const Tokenizer cased = Tokenizer::from_json(encore::test::cased_json());
  CHECK(tokens(cased, encode(cased, "Hellolo")) == Strings{"[CLS]", "Hello", "##lo", "[SEP]"});
  CHECK(tokens(cased, encode(cased, "HELLO")) == Strings{"[CLS]", "[UNK]", "[SEP]"});
}

// ASCII words at a word boundary skip the normalizer (tokenizer/README.md, "Speed"); where a word
// may go on past its ASCII letters the normalizer must see it. Expected values from HF 0.23.2.
TEST_CASE("ASCII fast path: same tokens, offsets and words as HF where it applies and stops") {
  const Tokenizer& t = encore::test::uncased();
  struct Case {
    std::string_view text;
    Strings tokens;
    Pairs offsets;
    std::vector<int32_t> word_ids;
  };
  const Case cases[] = {
      // A control character clean_text drops joins its two sides into one word.
      {"ab\x01" "cd Ef", {"[CLS]", "abc", "##d", "e", "##f", "[SEP]"},
       {{0, 0}, {0, 4}, {4, 5}, {6, 7}, {7, 8}, {0, 0}}, {-1, 0, 0, 1, 1, -1}},
      {"unaffable\x7f,x", {"[CLS]", "una", "##ffa", "##ble", ",", "x", "[SEP]"},
       {{0, 0}, {0, 3}, {3, 6}, {6, 9}, {10, 11}, {11, 12}, {0, 0}}, {-1, 0, 0, 0, 1, 2, -1}},
      // A non-ASCII letter continues the word; a combining mark follows its letter.
      {"Abc\xC3\xA9 d", {"[CLS]", "abc", "##e", "d", "[SEP]"},
       {{0, 0}, {0, 3}, {3, 4}, {5, 6}, {0, 0}}, {-1, 0, 0, 1, -1}},
      {"x\xCC\x81 ABC", {"[CLS]", "x", "abc", "[SEP]"}, {{0, 0}, {0, 1}, {3, 6}, {0, 0}},
       {-1, 0, 1, -1}},
      // A special token ends the word before it.
      {"Hello[SEP]world", {"[CLS]", "hello", "[SEP]", "world", "[SEP]"},
       {{0, 0}, {0, 5}, {5, 10}, {10, 15}, {0, 0}}, {-1, 0, 1, 2, -1}},
      {"D\xC3\xA9j\xC3\xA0 vu, IT'S 42x!",
       {"[CLS]", "de", "##ja", "vu", ",", "it", "'", "s", "42", "##x", "!", "[SEP]"},
       {{0, 0}, {0, 2}, {2, 4}, {5, 7}, {7, 8}, {9, 11}, {11, 12}, {12, 13}, {14, 16}, {16, 17},
        {17, 18}, {0, 0}},
       {-1, 0, 0, 1, 2, 3, 4, 5, 6, 6, 7, -1}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    const Encoding e = encode(t, c.text);
    CHECK(tokens(t, e) == c.tokens);
    CHECK(offsets(e.offsets) == c.offsets);
    CHECK(e.word_ids == c.word_ids);
  }
  // Byte offsets after two-byte characters: é and à.
  CHECK(offsets(encode(t, "D\xC3\xA9j\xC3\xA0 vu, IT'S 42x!").byte_offsets) ==
        Pairs{{0, 0}, {0, 3}, {3, 6}, {7, 9}, {9, 10}, {11, 13}, {13, 14}, {14, 15}, {16, 18},
              {18, 19}, {19, 20}, {0, 0}});
}

TEST_CASE("special tokens: split out of the raw text first, exact and case-sensitive") {
  const Tokenizer& t = encore::test::uncased();
  Encoding e = encode(t, "x[CLS]y");
  CHECK(tokens(t, e) == Strings{"[CLS]", "x", "[CLS]", "y", "[SEP]"});
  CHECK(offsets(e.offsets) == Pairs{{0, 0}, {0, 1}, {1, 6}, {6, 7}, {0, 0}});
  CHECK(e.word_ids == std::vector<int32_t>{-1, 0, 1, 2, -1});

  e = encode(t, "[cls] [SEP][SEP]x");
  CHECK(tokens(t, e) ==
        Strings{"[CLS]", "[", "cl", "##s", "]", "[SEP]", "[SEP]", "x", "[SEP]"});
  CHECK(offsets(e.offsets) ==
        Pairs{{0, 0}, {0, 1}, {1, 3}, {3, 4}, {4, 5}, {6, 11}, {11, 16}, {16, 17}, {0, 0}});
  CHECK(e.special_tokens_mask == std::vector<int32_t>{1, 0, 0, 0, 0, 0, 0, 0, 1});
}

TEST_CASE("pairs: template [CLS] A [SEP] B [SEP] with type ids, offsets per text") {
  const Tokenizer& t = encore::test::uncased();
  Encoding e;
  t.encode_pair("Hello", "World", {}, e);
  CHECK(e.ids == std::vector<int32_t>{101, 7592, 102, 2088, 102});
  CHECK(e.type_ids == std::vector<int32_t>{0, 0, 0, 1, 1});
  CHECK(offsets(e.offsets) == Pairs{{0, 0}, {0, 5}, {0, 0}, {0, 5}, {0, 0}});
  CHECK(e.sequence_ids == std::vector<int32_t>{-1, 0, -1, 1, -1});
  CHECK(e.attention_mask == std::vector<int32_t>{1, 1, 1, 1, 1});

  EncodeOptions no_specials;
  no_specials.add_special_tokens = false;
  t.encode_pair("Hello", "World", no_specials, e);
  CHECK(e.ids == std::vector<int32_t>{7592, 2088});
  CHECK(e.type_ids == std::vector<int32_t>{0, 1});
}

TEST_CASE("truncation: HF's kept lengths, including how longest_first shares a pair") {
  using encore::TruncationStrategy;
  using encore::tok::truncate_lengths;
  // (max_length, a, b) -> kept, as measured on HF with one-token words and the BERT template.
  struct Case {
    size_t max_length, first, second, kept_first, kept_second;
  };
  for (const Case& c : {Case{8, 6, 3, 3, 2}, Case{8, 3, 6, 2, 3}, Case{9, 6, 6, 3, 3},
                        Case{9, 7, 6, 3, 3}, Case{4, 7, 6, 1, 0}, Case{3, 7, 6, 0, 0},
                        Case{64, 64, 64, 30, 31}, Case{64, 63, 62, 31, 30}}) {
    CAPTURE(c.max_length);
    CAPTURE(c.first);
    CAPTURE(c.second);
    const auto kept = truncate_lengths(c.first, c.second, true, c.max_length, 3,
                                       TruncationStrategy::kLongestFirst);
    CHECK(kept.first == c.kept_first);
    CHECK(kept.second == c.kept_second);
  }
  CHECK(truncate_lengths(4, 0, false, 5, 2, TruncationStrategy::kLongestFirst).first == 3);
  CHECK(truncate_lengths(2, 4, true, 7, 3, TruncationStrategy::kOnlySecond).second == 2);
  CHECK(truncate_lengths(4, 1, true, 6, 3, TruncationStrategy::kOnlyFirst).first == 2);
  // HF refuses when the chosen sequence is too short to absorb the cut.
  CHECK_THROWS_AS(truncate_lengths(2, 4, true, 4, 3, TruncationStrategy::kOnlyFirst),
                  encore::Error);
  // max_length below the specials: HF's unsigned room wraps and nothing more is cut
  // (measured: "a b c" + "x y" at max_length 1 and 2 keeps the pre-cut lengths).
  CHECK(truncate_lengths(4, 0, false, 1, 2, TruncationStrategy::kLongestFirst).first == 4);
  const auto wrapped = truncate_lengths(1, 1, true, 1, 3, TruncationStrategy::kLongestFirst);
  CHECK((wrapped.first == 1 && wrapped.second == 1));

  // Through the API: HF counts a text longer than max_length as ending with the word that
  // crosses it, so a 69-token text made of 3-token words beats a 76-token one.
  const Tokenizer& t = encore::test::uncased();
  std::string qzx, b;
  for (int i = 0; i < 23; ++i) qzx += "qzx ";
  for (int i = 0; i < 76; ++i) b += "b ";
  EncodeOptions options;
  options.max_length = 64;
  Encoding e;
  t.encode_pair(qzx, b, options, e);
  CHECK(e.size() == 64);
  size_t first = 0;
  for (int32_t type : e.type_ids) first += type == 0;
  CHECK(first == 2 + 31);
}

TEST_CASE("padding: to the longest, to a fixed length, to a multiple; never truncates") {
  const Tokenizer& t = encore::test::uncased();
  std::vector<Encoding> batch;
  const std::vector<std::string_view> texts = {"hello", "hello world again"};
  t.encode_batch(texts, {}, batch);
  REQUIRE(batch.size() == 2);
  CHECK(batch[1].size() == 5);
  Tokenizer::pad(batch, {}, t.pad_id());
  CHECK(batch[0].ids == std::vector<int32_t>{101, 7592, 102, 0, 0});
  CHECK(batch[0].attention_mask == std::vector<int32_t>{1, 1, 1, 0, 0});
  CHECK(batch[0].special_tokens_mask == std::vector<int32_t>{1, 0, 1, 1, 1});
  CHECK(batch[0].offsets.size() == 5);

  encore::PaddingOptions fixed;
  fixed.to_longest = false;
  fixed.length = 7;
  fixed.pad_to_multiple_of = 4;
  Tokenizer::pad(batch, fixed, t.pad_id());
  CHECK(batch[0].size() == 8);
  CHECK(batch[1].size() == 8);
  fixed.length = 2;
  fixed.pad_to_multiple_of = 0;
  Tokenizer::pad(batch, fixed, t.pad_id());
  CHECK(batch[1].size() == 8);
}

TEST_CASE("invalid UTF-8 is an encore::Error naming the byte, never a crash") {
  const Tokenizer& t = encore::test::uncased();
  Encoding e;
  const std::pair<std::string, std::string> cases[] = {
      {"abc\xFF", "at byte 3"},         {"ab\xC3", "at byte 2"},
      {"\xC0\xAF", "at byte 0"},        {"x\xED\xA0\x80", "at byte 1"},
      {"\xF4\x90\x80\x80", "at byte 0"}, {"caf\xC3\xA9\x80", "at byte 5"},
  };
  for (const auto& test_case : cases) {
    // Named copies: clang 14 cannot capture structured bindings in CAPTURE's lambda.
    const std::string& text = test_case.first;
    const std::string& where = test_case.second;
    CAPTURE(where);
    try {
      t.encode(text, {}, e);
      FAIL("no error");
    } catch (const encore::Error& error) {
      CHECK(std::string(error.what()).find(where) != std::string::npos);
      CHECK(std::string(error.what()).find("text") != std::string::npos);
    }
  }
  CHECK_THROWS_WITH_AS(t.encode_pair("ok", "\x80", {}, e), doctest::Contains("text_pair"),
                       encore::Error);
  t.encode("still fine", {}, e);  // the tokenizer is usable after an error
  CHECK(e.size() == 4);
}

TEST_CASE("loading: cased vocab.txt with do_lower_case false, tokenizer.json without type") {
  // The cased tokenizer.json and the same vocabulary as a vocab.txt with a config agree.
  const Tokenizer from_json = Tokenizer::from_json(encore::test::cased_json());
  std::string vocab;
  for (int32_t id = 0; id < static_cast<int32_t>(from_json.vocab_size()); ++id) {
    vocab += std::string(from_json.id_to_token(id)) + "\n";
  }
  encore::TokenizerConfig config;
  config.lowercase = false;
  const Tokenizer from_vocab = Tokenizer::from_vocab(vocab, config);
  // HF: Café matches, Cafe + U+0301 is not NFC-equal without strip_accents, lowercase café unknown.
  const std::string text = "Hello Hello! hello Caf\xC3\xA9 Cafe\xCC\x81 caf\xC3\xA9";
  for (const Tokenizer* t : {&from_json, &from_vocab}) {
    const Encoding e = encode(*t, text);
    CHECK(tokens(*t, e) == Strings{"[CLS]", "Hello", "Hello", "!", "hello", "Caf\xC3\xA9",
                                   "[UNK]", "[UNK]", "[SEP]"});
    CHECK(offsets(e.offsets) ==
          Pairs{{0, 0}, {0, 5}, {6, 11}, {11, 12}, {13, 18}, {19, 23}, {24, 29}, {30, 34}, {0, 0}});
  }

  // "type" may be missing from the model (older files); the result is the same.
  std::string json = encore::test::cased_json();
  const size_t type = json.find("\"type\":\"WordPiece\",");
  REQUIRE(type != std::string::npos);
  json.erase(type, std::string_view("\"type\":\"WordPiece\",").size());
  const Tokenizer untyped = Tokenizer::from_json(json);
  CHECK(encode(untyped, "Hellolo").ids == encode(from_json, "Hellolo").ids);

  // A model type encore does not implement is refused by name.
  std::string bpe = encore::test::cased_json();
  bpe.replace(bpe.find("\"type\":\"WordPiece\""), 18, "\"type\":\"BPE\"");
  CHECK_THROWS_WITH_AS(Tokenizer::from_json(bpe), doctest::Contains("'BPE'"), encore::Error);
}

TEST_CASE("loading: an id far beyond any vocabulary is an error, not a huge allocation") {
  // Ids index a dense table: 2^31 - 1 used to resize it to 24 GB.
  const std::string json =
      R"({"model":{"vocab":{"[UNK]":0,"[CLS]":1,"[SEP]":2,"x":2147483647}}})";
  CHECK_THROWS_WITH_AS(Tokenizer::from_json(json),
                       doctest::Contains("tokenizer.json: model.vocab['x'] is not a valid id"),
                       encore::Error);
  // The largest id allowed still loads.
  const std::string largest = R"({"model":{"vocab":{"[UNK]":0,"[CLS]":1,"[SEP]":2,"x":1048575}}})";
  const Tokenizer sparse = Tokenizer::from_json(largest);
  CHECK(sparse.id_to_token(1048575) == "x");
  CHECK(sparse.token_to_id("x") == 1048575);
}

TEST_CASE("loading: a special token given as an object without 'content' is an error") {
  // simdjson threw its own exception here before (found by fuzz_tokenizer_json).
  CHECK_THROWS_WITH_AS(
      Tokenizer::from_json(R"({"model":{"unk_token":{},"vocab":{"[UNK]":0,"[CLS]":1,"[SEP]":2}}})"),
      doctest::Contains("tokenizer.json: 'unk_token' must be a string"), encore::Error);
  CHECK_THROWS_WITH_AS(
      Tokenizer::from_contents(std::nullopt, "[UNK]\n[CLS]\n[SEP]\n", R"({"cls_token":{"x":1}})",
                               "dir"),
      doctest::Contains("dir/tokenizer_config.json: 'cls_token' must be a string"), encore::Error);
}
