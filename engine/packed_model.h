// PackedModel — everything the forward pass reads, packed once for one precision and one ISA
// level, immutable, and shared by every Encoder (std::shared_ptr<const PackedModel>).
//
// Two ways to get one:
//   pack_model(weights, precision)          from a loaded Hugging Face checkpoint (fp32 views)
//   rebuild_packed_model(config, metadata,  from a pre-packed file: every buffer is a borrowed
//                        lookup, storage)   view into memory `storage` keeps alive (an mmap)
// and one way to take it apart, for writing such a file: packed_metadata() + for_each_buffer().
// Buffer names and contents are stable for a given (precision, isa level); a file records both.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/calibration.h"
#include "kernels/jit/aligned_buffer.h"
#include "kernels/jit/cpu_features.h"
#include "kernels/jit/packed_weights.h"
#include "loader/distilbert_weights.h"
#include "loader/model_config.h"

namespace encore::engine {

// What the caller asked for. A CPU that cannot run it gets the closest thing (see linear.h).
enum class Precision : uint8_t { kFp32, kBf16, kInt8 };
std::string_view precision_name(Precision precision);     // "fp32" | "bf16" | "int8"
Precision parse_engine_precision(std::string_view name);  // throws encore::Error

// A Linear layer packed for the Highway fp32 GEMM (kernels/gemm_packed_b.h panels, bias apart).
struct HighwayF32Weights {
  int64_t n = 0;
  int64_t k = 0;
  jit::AlignedBuffer panels;  // floats, kernels::packed_b_floats(n, k)
  jit::AlignedBuffer bias;    // n floats
};

// One Linear (y = x·Wᵀ + b, W [out_features, in_features]) in the layout of the kernel that runs
// it; the alternative held says which kernel that is.
struct PackedLinear {
  std::variant<std::monostate, HighwayF32Weights, jit::PackedF32Weights, jit::PackedBf16Weights,
               jit::PackedInt8Weights>
      weights;
  // int8 only, may be empty: per input channel factors the activations are multiplied by before
  // quantization (SmoothQuant: W's columns were multiplied by their inverse when packed).
  jit::AlignedBuffer input_scale;
  // int8 only: activations quantized as split rows (kernels/jit/quantized_rows.h), ~16-bit, through
  // the same int8 weights: twice the multiply work, the same weight bytes.
  bool split_rows = false;
  // int8 only: the weights were rounded by GPTQ on calibration data (engine/gptq.h), not to
  // nearest. Recorded in a file's metadata; the kernels do not care.
  bool gptq = false;

  bool empty() const { return weights.index() == 0; }
  int64_t out_features() const;
  int64_t in_features() const;
};

struct PackedLayerNorm {
  jit::AlignedBuffer gamma;  // dim floats
  jit::AlignedBuffer beta;
  const float* gamma_data() const { return reinterpret_cast<const float*>(gamma.data()); }
  const float* beta_data() const { return reinterpret_cast<const float*>(beta.data()); }
};

struct PackedLayer {
  PackedLinear qkv;  // rows [0, dim) = q_lin, [dim, 2·dim) = k_lin, [2·dim, 3·dim) = v_lin
  PackedLinear out;
  PackedLayerNorm sa_layer_norm;
  PackedLinear ffn_in;
  PackedLinear ffn_out;
  PackedLayerNorm output_layer_norm;
};

struct PackedModel {
  loader::ModelConfig config;
  Precision precision = Precision::kFp32;         // as requested
  jit::IsaLevel level = jit::IsaLevel::portable;  // the ISA level it was packed for
  jit::AlignedBuffer word_embeddings;             // [vocab_size, dim] floats
  jit::AlignedBuffer position_embeddings;         // [max_position_embeddings, dim] floats
  PackedLayerNorm embeddings_layer_norm;
  std::vector<PackedLayer> layers;
  PackedLinear pre_classifier;  // sequence classification only
  PackedLinear classifier;      // sequence and token classification
  // Keeps alive the memory of every borrowed buffer above (the checkpoint's mmap, or the file's).
  std::shared_ptr<const void> storage;

  const float* word_embedding_data() const {
    return reinterpret_cast<const float*>(word_embeddings.data());
  }
  const float* position_embedding_data() const {
    return reinterpret_cast<const float*>(position_embeddings.data());
  }
};

// Packs a checkpoint for `precision` at `level` (default: the level in use, cpu_features()).
// Embeddings are borrowed from `weights` (kept alive through PackedModel::storage).
PackedModel pack_model(std::shared_ptr<const loader::DistilBertWeights> weights,
                       Precision precision);
PackedModel pack_model(std::shared_ptr<const loader::DistilBertWeights> weights,
                       Precision precision, jit::IsaLevel level);
// int8 with calibration (engine/calibration.h): every layer Linear that runs on int8 weights and
// has a Hessian in `calibration` is quantized by GPTQ; the others as without it. Throws
// encore::Error when the calibration does not fit the model (layer count, sizes).
PackedModel pack_model(std::shared_ptr<const loader::DistilBertWeights> weights,
                       Precision precision, jit::IsaLevel level,
                       const Int8Calibration* calibration);

// Which Linears of each layer an int8 model packed at `level` runs on int8 weights (the recipe,
// ENCORE_INT8_RECIPE included): the ones worth calibrating (CalibrationOptions::linears).
std::array<bool, kLayerLinears> int8_weight_linears(jit::IsaLevel level);

// Small string facts a file must keep to rebuild the model besides config.json and the buffers:
// "precision", "isa", and "<linear>.kernel" per Linear ("highway_f32" | "jit_f32" | "jit_bf16" |
// "jit_int8"), "<linear>.smoothed", "<linear>.split_rows" and "<linear>.weights" = "gptq" when
// they apply. Keys and values are short ASCII.
std::map<std::string, std::string> packed_metadata(const PackedModel& model);

// Every buffer, in a fixed order, with a stable name ("embeddings.word", "layers.3.ffn_in.panels",
// "layers.3.qkv.input_scale", ...), its bytes and the alignment a borrowed copy must have.
struct PackedBuffer {
  std::string name;
  std::span<const std::byte> bytes;
  size_t alignment = 64;
};
void for_each_buffer(const PackedModel& model, const std::function<void(const PackedBuffer&)>& fn);

// Returns the bytes stored under `name`; throws encore::Error when there are none.
using BufferLookup = std::function<std::span<const std::byte>(std::string_view name)>;

// The inverse of packed_metadata + for_each_buffer: every buffer is borrowed from lookup's
// memory, which `storage` keeps alive. Checks each buffer's size and alignment against the config,
// and that this CPU (at the level in use) can run every kernel named; throws encore::Error
// naming the buffer or kernel otherwise.
PackedModel rebuild_packed_model(const loader::ModelConfig& config,
                                 const std::map<std::string, std::string>& metadata,
                                 const BufferLookup& lookup, std::shared_ptr<const void> storage);

}  // namespace encore::engine
