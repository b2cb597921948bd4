#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "loader/float_convert.h"
#include "loader/safetensors.h"
#include "loader/safetensors_writer.h"
#include "loader_test_util.h"

using namespace encore::loader;
using encore::test::check_error;

namespace {

std::span<const std::byte> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// A file with a hand-written header and `data_size` zero bytes of data.
std::string file_with_header(const std::string& header_json, size_t data_size) {
  std::string file(8, '\0');
  uint64_t length = header_json.size();
  std::memcpy(file.data(), &length, 8);
  return file + header_json + std::string(data_size, '\0');
}

std::vector<TensorView> parse(const std::string& file) {
  return parse_safetensors(as_bytes(file), "model.safetensors");
}

}  // namespace

TEST_CASE("written tensors parse back with their names, dtypes, shapes and bytes") {
  std::vector<float> matrix = {1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, -7.0f};
  std::vector<uint16_t> halves = {0x3C00, 0xC000, 0x7BFF};
  std::vector<float> scalar = {42.0f};
  auto bytes_of = [](const auto& v) { return std::as_bytes(std::span(v)); };
  std::vector<TensorToWrite> tensors = {
      {"a.weight", DType::kF32, {2, 3}, bytes_of(matrix)},
      {"half", DType::kF16, {3}, bytes_of(halves)},
      {"brain", DType::kBF16, {1, 3}, bytes_of(halves)},
      {"scalar", DType::kF32, {}, bytes_of(scalar)},
      {"empty", DType::kF32, {0, 4}, {}},
  };
  std::string file = safetensors_header(tensors);
  CHECK((file.size() - 8) % 8 == 0);  // data starts 8-byte aligned, as the reference writes it
  for (const auto& t : tensors)
    file.append(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size());

  std::vector<TensorView> parsed = parse(file);
  REQUIRE(parsed.size() == tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    CAPTURE(tensors[i].name);
    CHECK(parsed[i].name == tensors[i].name);
    CHECK(parsed[i].dtype == tensors[i].dtype);
    CHECK(parsed[i].shape == tensors[i].shape);
    REQUIRE(parsed[i].bytes.size() == tensors[i].bytes.size());
    CHECK(std::equal(parsed[i].bytes.begin(), parsed[i].bytes.end(), tensors[i].bytes.begin()));
  }
  CHECK(parsed[0].element_count() == 6);
  CHECK(parsed[3].element_count() == 1);
  CHECK(parsed[4].element_count() == 0);
}

TEST_CASE("F16 decodes to the IEEE 754 binary16 values") {
  CHECK(f16_to_float(0x3C00) == 1.0f);
  CHECK(f16_to_float(0xC000) == -2.0f);
  CHECK(f16_to_float(0x3555) == 0.333251953125f);
  CHECK(f16_to_float(0x7BFF) == 65504.0f);               // largest finite
  CHECK(f16_to_float(0x0400) == std::ldexp(1.0f, -14));  // smallest normal
  CHECK(f16_to_float(0x0001) == std::ldexp(1.0f, -24));  // smallest subnormal
  CHECK(f16_to_float(0x03FF) == std::ldexp(1023.0f, -24));
  CHECK(std::signbit(f16_to_float(0x8000)));
  CHECK(f16_to_float(0x8000) == 0.0f);
  CHECK(f16_to_float(0x7C00) == std::numeric_limits<float>::infinity());
  CHECK(f16_to_float(0xFC00) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(f16_to_float(0x7E00)));
}

TEST_CASE("BF16 is the top half of an fp32 and rounds to nearest even") {
  CHECK(bf16_to_float(0x3F80) == 1.0f);
  CHECK(bf16_to_float(0xC040) == -3.0f);
  CHECK(float_to_bf16(1.0f) == 0x3F80);
  CHECK(float_to_bf16(1.0f + std::ldexp(1.0f, -8)) == 0x3F80);      // tie → even (down)
  CHECK(float_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3F82);  // tie → even (up)
  CHECK(float_to_bf16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)) == 0x3F81);
  CHECK(std::isnan(bf16_to_float(float_to_bf16(std::nanf("")))));
  CHECK(bf16_to_float(float_to_bf16(-std::numeric_limits<float>::infinity())) ==
        -std::numeric_limits<float>::infinity());
}

TEST_CASE("convert_to_fp32 reads unaligned 16-bit data") {
  std::string raw = "x";  // one byte of padding puts the tensor at an odd address
  const uint16_t bits[] = {0x3C00, 0xC000};
  raw.append(reinterpret_cast<const char*>(bits), sizeof bits);
  TensorView view{"t", DType::kF16, {2}, as_bytes(raw).subspan(1)};
  std::vector<float> out(2);
  convert_to_fp32(view, out);
  CHECK(out == std::vector<float>{1.0f, -2.0f});
}

TEST_CASE("__metadata__ is ignored") {
  auto tensors = parse(file_with_header(
      R"({"__metadata__":{"format":"pt"},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
      8));
  REQUIRE(tensors.size() == 1);
  CHECK(tensors[0].name == "x");
}

TEST_CASE("malformed files are refused with the file and tensor named") {
  const std::string x = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  check_error([] { parse(std::string(5, '\0')); }, {"model.safetensors", "too short"});
  check_error([&] { parse(file_with_header(x, 8).substr(0, 20)); },
              {"model.safetensors", "header length", "beyond file size 20"});
  check_error([] { parse(file_with_header("{\"x\": [", 0)); },
              {"model.safetensors", "not a JSON object"});
  check_error([] { parse(file_with_header("[1, 2]", 0)); }, {"not a JSON object"});
  check_error([&] { parse(file_with_header(x, 4)); },
              {"model.safetensors: tensor 'x' data_offsets [0,8) beyond data size 4"});
  check_error(
      [] {
        parse(file_with_header(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8));
      },
      {"tensor 'x'", "needs 12 bytes", "hold 8"});
  check_error(
      [] {
        parse(file_with_header(R"({"x":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", 8));
      },
      {"tensor 'x'", "unknown dtype 'Q4'"});
  check_error(
      [] {
        parse(file_with_header(R"({"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8));
      },
      {"tensor 'x'", "shape"});
  check_error([] { parse(file_with_header(R"({"x":{"dtype":"F32","shape":[2]}})", 8)); },
              {"tensor 'x'", "data_offsets"});
  check_error(
      [] {
        parse(file_with_header(R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8));
      },
      {"tensor 'x'", "end before they begin"});
  check_error([] { parse(file_with_header(R"({"x":{"shape":[2],"data_offsets":[0,8]}})", 8)); },
              {"tensor 'x'", "dtype"});
  check_error([] { parse(file_with_header(R"({"x":3})", 0)); }, {"tensor 'x'", "not an object"});
  check_error(
      [] {
        parse(file_with_header(
            R"({"x":{"dtype":"U8","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,0]}})",
            0));
      },
      {"tensor 'x'", "too large"});
}

TEST_CASE("overlapping or duplicate tensors are refused") {
  check_error(
      [] {
        parse(file_with_header(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                               R"("e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},)"
                               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})",
                               20));
      },
      {"model.safetensors: tensor 'b' data_offsets [12,20) overlap tensor 'a' [0,16)"});
  check_error(
      [] {
        parse(file_with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                               R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                               8));
      },
      {"tensor 'a' appears twice"});
}

TEST_CASE("a header length above the limit is refused before parsing") {
  std::vector<std::byte> file(kMaxHeaderBytes + 16);
  uint64_t length = kMaxHeaderBytes + 1;
  std::memcpy(file.data(), &length, 8);
  check_error([&] { parse_safetensors(file, "big.safetensors"); }, {"big.safetensors", "limit"});
}
