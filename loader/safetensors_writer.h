// Writes safetensors files (encore demo-model, and tests that build checkpoints in C++). The layout
// matches what transformers and distilbert_ref.py write: tensors packed in the given order, the
// header padded with spaces to a multiple of 8 bytes so F32 data starts aligned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "loader/safetensors.h"

namespace encore::loader {

struct TensorToWrite {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::span<const std::byte> bytes;  // must hold exactly shape × dtype size bytes
};

// Serializes the header (with its 8-byte length prefix) for `tensors` laid out back to back.
std::string safetensors_header(std::span<const TensorToWrite> tensors);

// Writes header and data to `path`; throws encore::Error naming the path on I/O failure or when a
// tensor's byte count does not match its shape.
void write_safetensors(const std::string& path, std::span<const TensorToWrite> tensors);

}  // namespace encore::loader
