// Safetensors — the Hugging Face weight format: a u64 little-endian header length, a JSON header
// {"name": {"dtype", "shape", "data_offsets": [begin, end)}, "__metadata__": {...}}, then the raw
// tensor bytes. The parser only validates and describes; tensors stay views into the caller's bytes
// (an mmap), so nothing is copied here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace encore::loader {

// Every dtype the format defines, so a checkpoint with an unused I64 buffer still parses; only the
// float ones can be read as weights (see is_float_dtype).
enum class DType {
  kF32,
  kF16,
  kBF16,
  kF64,
  kI64,
  kI32,
  kI16,
  kI8,
  kU64,
  kU32,
  kU16,
  kU8,
  kBool,
  kF8E4M3,
  kF8E5M2
};

std::string_view dtype_name(DType dtype);
size_t dtype_size(DType dtype);
bool is_float_dtype(DType dtype);  // F32, F16 or BF16: what encore converts to fp32

struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::span<const std::byte> bytes;  // exactly element_count() * dtype_size(dtype) bytes

  int64_t element_count() const;
};

// Header lengths above this are refused before anything is allocated: real headers are a few
// hundred kilobytes even for checkpoints with thousands of tensors.
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

// Parses and validates a whole safetensors file held in `file`: header length within the file and
// below kMaxHeaderBytes, header JSON, known dtypes, shape × dtype size == data_offsets length,
// offsets inside the data area, no two tensors overlapping, no duplicate names. `source` (the
// path) starts every error message. Tensors are returned in header order.
std::vector<TensorView> parse_safetensors(std::span<const std::byte> file,
                                          const std::string& source);

// Formats a shape as "[a, b]" for messages.
std::string shape_string(std::span<const int64_t> shape);

}  // namespace encore::loader
