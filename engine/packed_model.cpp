#include "engine/packed_model.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include "engine/gptq.h"
#include "engine/linear.h"
#include "engine/smoothing.h"
#include "kernels/gemm_packed_b.h"
#include "support/error.h"

namespace encore::engine {
namespace {

constexpr std::string_view kPrecisionNames[] = {"fp32", "bf16", "int8"};
constexpr size_t kFloatAlignment = alignof(float);

jit::AlignedBuffer borrow_floats(std::span<const float> values) {
  return jit::AlignedBuffer::borrow(reinterpret_cast<const std::byte*>(values.data()),
                                    values.size_bytes());
}

PackedLayerNorm borrow_layer_norm(const loader::LayerNormWeights& norm) {
  return {borrow_floats(norm.gamma), borrow_floats(norm.beta)};
}

// Linear layers of one model, with their names and shapes [n, k] from the config; shared by
// packing, enumeration and rebuilding so names never drift apart.
template <class Model, class Fn>
void for_each_linear(Model& model, const loader::ModelConfig& config, Fn&& fn) {
  for (size_t i = 0; i < model.layers.size(); ++i) {
    auto& layer = model.layers[i];
    const std::string prefix = "layers." + std::to_string(i) + ".";
    fn(prefix + "qkv", layer.qkv, 3 * config.dim, config.dim);
    fn(prefix + "out", layer.out, config.dim, config.dim);
    fn(prefix + "ffn_in", layer.ffn_in, config.hidden_dim, config.dim);
    fn(prefix + "ffn_out", layer.ffn_out, config.dim, config.hidden_dim);
  }
  if (config.architecture == loader::Architecture::kSequenceClassification)
    fn(std::string("pre_classifier"), model.pre_classifier, config.dim, config.dim);
  if (config.architecture != loader::Architecture::kBaseModel)
    fn(std::string("classifier"), model.classifier, config.num_labels(), config.dim);
}

template <class Model, class Fn>
void for_each_layer_norm(Model& model, Fn&& fn) {
  fn(std::string("embeddings.layer_norm"), model.embeddings_layer_norm);
  for (size_t i = 0; i < model.layers.size(); ++i) {
    const std::string prefix = "layers." + std::to_string(i) + ".";
    fn(prefix + "sa_layer_norm", model.layers[i].sa_layer_norm);
    fn(prefix + "output_layer_norm", model.layers[i].output_layer_norm);
  }
}

size_t panel_bytes(LinearKernel kernel, int64_t n, int64_t k) {
  const size_t un = static_cast<size_t>(n), uk = static_cast<size_t>(k);
  switch (kernel) {
    case LinearKernel::kHighwayF32:
      return static_cast<size_t>(kernels::packed_b_floats(n, k)) * sizeof(float);
    case LinearKernel::kJitF32:
      return jit::panel_count_for(un) * jit::F32PanelLayout::panel_bytes(uk);
    case LinearKernel::kJitBf16:
      return jit::panel_count_for(un) * jit::Bf16PanelLayout::panel_bytes(uk);
    case LinearKernel::kJitInt8:
      return jit::panel_count_for(un) * jit::Int8PanelLayout::panel_bytes(uk);
  }
  return 0;
}

// Stacks Linear layers along out_features (Q, K, V into one GEMM); one layer is itself.
struct StackedLinear {
  std::vector<float> weight, bias;
  int64_t n = 0, k = 0;
};
StackedLinear stack(std::initializer_list<const loader::Linear*> parts) {
  StackedLinear stacked;
  stacked.k = (*parts.begin())->weight.cols;
  for (const loader::Linear* part : parts) {
    stacked.weight.insert(stacked.weight.end(), part->weight.data.begin(), part->weight.data.end());
    stacked.bias.insert(stacked.bias.end(), part->bias.begin(), part->bias.end());
  }
  stacked.n = static_cast<int64_t>(stacked.bias.size());
  return stacked;
}

// Packs one Linear; int8 Linears fed by a LayerNorm (`input_norm`) get smoothing factors.
PackedLinear pack(LinearKernel kernel, std::initializer_list<const loader::Linear*> parts,
                  const loader::LayerNormWeights* input_norm) {
  const StackedLinear s = stack(parts);
  std::vector<float> smoothing;
  if (kernel == LinearKernel::kJitInt8 && input_norm) {
    smoothing = smoothing_factors(layer_norm_output_range(input_norm->gamma, input_norm->beta),
                                  s.weight.data(), s.n, s.k);
  }
  return pack_linear(kernel, s.weight.data(), s.bias.data(), s.n, s.k, smoothing);
}

// How one Linear of each layer runs in an int8 model (the measurements behind the default:
// engine/README.md). ENCORE_INT8_RECIPE="qkv=split,out=rows,ffn_in=split_smooth,ffn_out=bf16"
// overrides it for experiments; values rows | split | bf16 | fp32, "_smooth" adds SmoothQuant
// factors from the preceding LayerNorm (QKV and FFN-in only).
struct Int8Choice {
  enum class Kind : uint8_t { kRows, kSplitRows, kBf16, kFp32 } kind = Kind::kRows;
  bool smooth = false;
};
struct Int8Recipe {
  Int8Choice qkv, out, ffn_in, ffn_out;
};

Int8Choice parse_int8_choice(std::string_view value) {
  Int8Choice choice;
  constexpr std::string_view kSmooth = "_smooth";
  if (value.size() > kSmooth.size() && value.ends_with(kSmooth)) {
    choice.smooth = true;
    value.remove_suffix(kSmooth.size());
  }
  using Kind = Int8Choice::Kind;
  if (value == "rows") choice.kind = Kind::kRows;
  else if (value == "split") choice.kind = Kind::kSplitRows;
  else if (value == "bf16") choice.kind = Kind::kBf16;
  else if (value == "fp32") choice.kind = Kind::kFp32;
  else throw_error("ENCORE_INT8_RECIPE: unknown choice '", value, "'");
  return choice;
}

Int8Recipe int8_recipe() {
  using Kind = Int8Choice::Kind;
  Int8Recipe recipe{{Kind::kRows, true}, {Kind::kRows, false}, {Kind::kRows, true},
                    {Kind::kBf16, false}};
  const char* text = std::getenv("ENCORE_INT8_RECIPE");
  if (!text) return recipe;
  std::string_view rest(text);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t equals = item.find('=');
    if (equals == std::string_view::npos) throw_error("ENCORE_INT8_RECIPE: '", item, "' has no '='");
    const std::string_view key = item.substr(0, equals);
    const Int8Choice choice = parse_int8_choice(item.substr(equals + 1));
    if (key == "qkv") recipe.qkv = choice;
    else if (key == "out") recipe.out = choice;
    else if (key == "ffn_in") recipe.ffn_in = choice;
    else if (key == "ffn_out") recipe.ffn_out = choice;
    else throw_error("ENCORE_INT8_RECIPE: unknown Linear '", key, "'");
  }
  return recipe;
}

// GPTQ's settings: the defaults of engine/gptq.h, or for experiments
// ENCORE_GPTQ="damping=0.05,block=128,act_order=1" (any subset).
GptqOptions gptq_options() {
  GptqOptions options;
  const char* text = std::getenv("ENCORE_GPTQ");
  if (!text) return options;
  std::string_view rest(text);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string item(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t equals = item.find('=');
    const std::string key = item.substr(0, equals);
    char* end = nullptr;
    const char* number = item.c_str() + (equals == std::string::npos ? item.size() : equals + 1);
    const double value = std::strtod(number, &end);
    if (equals == std::string::npos || end == number || *end != '\0' || !(value >= 0))
      throw_error("ENCORE_GPTQ: '", item, "' is not key=number");
    if (key == "damping") options.damping = value;
    else if (key == "block" && value >= 1) options.block = static_cast<size_t>(value);
    else if (key == "act_order") options.act_order = value != 0;
    else throw_error("ENCORE_GPTQ: unknown or bad '", item, "' (damping, block, act_order)");
  }
  return options;
}

// The kernel one Linear of an int8 model runs on as `choice` says; `int8_kernel` is int8's here.
LinearKernel int8_choice_kernel(const Int8Choice& choice, LinearKernel int8_kernel,
                                jit::IsaLevel level, bool has_bf16) {
  using Kind = Int8Choice::Kind;
  if (choice.kind == Kind::kBf16) return kernel_for(Precision::kBf16, level, has_bf16);
  if (choice.kind == Kind::kFp32) return kernel_for(Precision::kFp32, level, has_bf16);
  return int8_kernel;
}

// int8 weights rounded by GPTQ with the input's Hessian (engine/gptq.h). With smoothing, the
// weights quantized are W·diag(s) for inputs x / s, whose Hessian is diag(1/s)·H·diag(1/s).
PackedLinear pack_int8_gptq(std::initializer_list<const loader::Linear*> parts,
                            const loader::LayerNormWeights* input_norm,
                            const LinearHessian& hessian) {
  StackedLinear s = stack(parts);
  const size_t n = static_cast<size_t>(s.n), k = static_cast<size_t>(s.k);
  if (hessian.k != k)
    throw_error("pack_model: calibration Hessian is ", hessian.k, "×", hessian.k,
                " for a Linear with ", k, " inputs");
  std::vector<double> h = hessian.sum;
  PackedLinear linear;
  if (input_norm) {
    const std::vector<float> smoothing = smoothing_factors(
        layer_norm_output_range(input_norm->gamma, input_norm->beta), s.weight.data(), s.n, s.k);
    for (size_t row = 0; row < n; ++row)
      for (size_t i = 0; i < k; ++i) s.weight[row * k + i] *= smoothing[i];
    for (size_t i = 0; i < k; ++i)
      for (size_t j = 0; j < k; ++j)
        h[i * k + j] /= static_cast<double>(smoothing[i]) * static_cast<double>(smoothing[j]);
    linear.input_scale = jit::AlignedBuffer(k * sizeof(float));
    float* inverse = reinterpret_cast<float*>(linear.input_scale.data());
    for (size_t i = 0; i < k; ++i) inverse[i] = 1.0f / smoothing[i];
  }
  const Int8Codes quantized = gptq_quantize(s.weight.data(), n, k, h,
                                            channel_max_abs(s.weight.data(), n, k), gptq_options());
  linear.weights = jit::pack_quantized_int8_weights(quantized.codes.data(), quantized.scales.data(),
                                                    s.bias.data(), n, k);
  linear.gptq = true;
  return linear;
}

// Packs one Linear of an int8 model as `choice` says; `int8_kernel` is what int8 runs on here.
// `hessian` (may be null or empty): calibrate the int8 weights with GPTQ.
PackedLinear pack_int8(const Int8Choice& choice, LinearKernel int8_kernel, jit::IsaLevel level,
                       bool has_bf16, std::initializer_list<const loader::Linear*> parts,
                       const loader::LayerNormWeights* input_norm, const LinearHessian* hessian) {
  const LinearKernel kernel = int8_choice_kernel(choice, int8_kernel, level, has_bf16);
  const bool int8 = kernel == LinearKernel::kJitInt8;
  PackedLinear linear = int8 && hessian && !hessian->sum.empty()
                            ? pack_int8_gptq(parts, choice.smooth ? input_norm : nullptr, *hessian)
                            : pack(kernel, parts, choice.smooth ? input_norm : nullptr);
  linear.split_rows = int8 && choice.kind == Int8Choice::Kind::kSplitRows;
  return linear;
}

int parse_layer_count(const loader::ModelConfig& config) {
  if (config.n_layers < 0 || config.n_layers > 1024)
    throw_error("packed model: n_layers ", config.n_layers, " out of range");
  return static_cast<int>(config.n_layers);
}

}  // namespace

std::string_view precision_name(Precision precision) {
  return kPrecisionNames[static_cast<size_t>(precision)];
}

Precision parse_engine_precision(std::string_view name) {
  for (size_t i = 0; i < std::size(kPrecisionNames); ++i)
    if (kPrecisionNames[i] == name) return static_cast<Precision>(i);
  throw_error("unknown precision '", name, "' (fp32, bf16 or int8)");
}

int64_t PackedLinear::out_features() const {
  return std::visit(
      [](const auto& w) -> int64_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(w)>, std::monostate>) {
          return 0;
        } else {
          return static_cast<int64_t>(w.n);
        }
      },
      weights);
}

int64_t PackedLinear::in_features() const {
  return std::visit(
      [](const auto& w) -> int64_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(w)>, std::monostate>) {
          return 0;
        } else {
          return static_cast<int64_t>(w.k);
        }
      },
      weights);
}

PackedModel pack_model(std::shared_ptr<const loader::DistilBertWeights> weights,
                       Precision precision) {
  return pack_model(std::move(weights), precision, jit::cpu_features().level);
}

PackedModel pack_model(std::shared_ptr<const loader::DistilBertWeights> weights,
                       Precision precision, jit::IsaLevel level) {
  return pack_model(std::move(weights), precision, level, nullptr);
}

std::array<bool, kLayerLinears> int8_weight_linears(jit::IsaLevel level) {
  const bool has_bf16 = jit::cpu_features().has_bf16;
  const LinearKernel int8_kernel = kernel_for(Precision::kInt8, level, has_bf16);
  const Int8Recipe recipe = int8_recipe();
  std::array<bool, kLayerLinears> linears{};
  const Int8Choice* choices[kLayerLinears] = {&recipe.qkv, &recipe.out, &recipe.ffn_in,
                                              &recipe.ffn_out};
  for (size_t kind = 0; kind < kLayerLinears; ++kind)
    linears[kind] = int8_choice_kernel(*choices[kind], int8_kernel, level, has_bf16) ==
                    LinearKernel::kJitInt8;
  return linears;
}

PackedModel pack_model(std::shared_ptr<const loader::DistilBertWeights> weights,
                       Precision precision, jit::IsaLevel level,
                       const Int8Calibration* calibration) {
  const bool has_bf16 = jit::cpu_features().has_bf16;
  const LinearKernel layer_kernel = kernel_for(precision, level, has_bf16);
  // The heads read one row per sequence: tiny work, and the logits are what users see.
  const LinearKernel head_kernel = kernel_for(Precision::kFp32, level, has_bf16);
  if (precision != Precision::kFp32 &&
      layer_kernel != kernel_for(precision, jit::IsaLevel::avx512_vnni, true)) {
    std::fprintf(stderr, "encore: %s needs %s; this CPU (level %s%s) runs it as %s\n",
                 std::string(precision_name(precision)).c_str(),
                 precision == Precision::kInt8 ? "AVX-512 VNNI" : "AVX512_BF16",
                 std::string(jit::isa_level_name(level)).c_str(), has_bf16 ? "" : ", no bf16",
                 std::string(linear_kernel_name(layer_kernel)).c_str());
  }
  const loader::DistilBertWeights& w = *weights;
  PackedModel model;
  model.config = w.config;
  model.precision = precision;
  model.level = level;
  model.word_embeddings = borrow_floats(w.word_embeddings.data);
  model.position_embeddings = borrow_floats(w.position_embeddings.data);
  model.embeddings_layer_norm = borrow_layer_norm(w.embeddings_layer_norm);
  const loader::LayerNormWeights* previous_norm = &w.embeddings_layer_norm;
  const Int8Recipe recipe = int8_recipe();
  if (calibration && precision == Precision::kInt8 &&
      calibration->layers.size() != w.layers.size()) {
    throw_error("pack_model: calibration has ", calibration->layers.size(), " layers, the model ",
                w.layers.size());
  }
  // Every Linear of an fp32 or bf16 model runs on layer_kernel; an int8 model's follow the recipe.
  size_t layer_index = 0;
  auto pack_layer_linear = [&](const Int8Choice& choice, LayerLinear kind,
                               std::initializer_list<const loader::Linear*> parts,
                               const loader::LayerNormWeights* input_norm) {
    if (precision != Precision::kInt8) return pack(layer_kernel, parts, nullptr);
    const LinearHessian* hessian = calibration ? &calibration->at(layer_index, kind) : nullptr;
    return pack_int8(choice, layer_kernel, level, has_bf16, parts, input_norm, hessian);
  };
  for (const loader::TransformerLayerWeights& layer : w.layers) {
    PackedLayer packed;
    packed.qkv = pack_layer_linear(recipe.qkv, LayerLinear::kQkv, {&layer.q, &layer.k, &layer.v},
                                   previous_norm);
    packed.out = pack_layer_linear(recipe.out, LayerLinear::kOut, {&layer.out}, nullptr);
    packed.sa_layer_norm = borrow_layer_norm(layer.sa_layer_norm);
    packed.ffn_in = pack_layer_linear(recipe.ffn_in, LayerLinear::kFfnIn, {&layer.ffn_in},
                                      &layer.sa_layer_norm);
    packed.ffn_out =
        pack_layer_linear(recipe.ffn_out, LayerLinear::kFfnOut, {&layer.ffn_out}, nullptr);
    packed.output_layer_norm = borrow_layer_norm(layer.output_layer_norm);
    model.layers.push_back(std::move(packed));
    previous_norm = &layer.output_layer_norm;
    ++layer_index;
  }
  const loader::Architecture architecture = w.config.architecture;
  if (architecture == loader::Architecture::kSequenceClassification)
    model.pre_classifier = pack(head_kernel, {&w.pre_classifier}, nullptr);
  if (architecture != loader::Architecture::kBaseModel)
    model.classifier = pack(head_kernel, {&w.classifier}, nullptr);
  model.storage = std::move(weights);
  return model;
}

std::map<std::string, std::string> packed_metadata(const PackedModel& model) {
  std::map<std::string, std::string> metadata;
  metadata["precision"] = std::string(precision_name(model.precision));
  metadata["isa"] = std::string(jit::isa_level_name(model.level));
  for_each_linear(model, model.config,
                  [&](const std::string& name, const PackedLinear& linear, int64_t, int64_t) {
                    metadata[name + ".kernel"] =
                        std::string(linear_kernel_name(linear_kernel(linear)));
                    if (linear.input_scale.size()) metadata[name + ".smoothed"] = "true";
                    if (linear.split_rows) metadata[name + ".split_rows"] = "true";
                    if (linear.gptq) metadata[name + ".weights"] = "gptq";
                  });
  return metadata;
}

void for_each_buffer(const PackedModel& model, const std::function<void(const PackedBuffer&)>& fn) {
  auto emit = [&](std::string name, const jit::AlignedBuffer& buffer, size_t alignment) {
    fn(PackedBuffer{std::move(name), {buffer.data(), buffer.size()}, alignment});
  };
  emit("embeddings.word", model.word_embeddings, kFloatAlignment);
  emit("embeddings.position", model.position_embeddings, kFloatAlignment);
  for_each_layer_norm(model, [&](const std::string& name, const PackedLayerNorm& norm) {
    emit(name + ".gamma", norm.gamma, kFloatAlignment);
    emit(name + ".beta", norm.beta, kFloatAlignment);
  });
  for_each_linear(model, model.config,
                  [&](const std::string& name, const PackedLinear& linear, int64_t, int64_t) {
                    std::visit(
                        [&](const auto& w) {
                          using W = std::decay_t<decltype(w)>;
                          if constexpr (!std::is_same_v<W, std::monostate>) {
                            emit(name + ".panels", w.panels, jit::AlignedBuffer::kAlignment);
                          }
                          if constexpr (std::is_same_v<W, HighwayF32Weights>) {
                            emit(name + ".bias", w.bias, kFloatAlignment);
                          }
                        },
                        linear.weights);
                    if (linear.input_scale.size())
                      emit(name + ".input_scale", linear.input_scale, kFloatAlignment);
                  });
}

PackedModel rebuild_packed_model(const loader::ModelConfig& config,
                                 const std::map<std::string, std::string>& metadata,
                                 const BufferLookup& lookup, std::shared_ptr<const void> storage) {
  auto field = [&](const std::string& key) -> const std::string& {
    const auto found = metadata.find(key);
    if (found == metadata.end()) throw_error("packed model: metadata has no '", key, "'");
    return found->second;
  };
  auto borrow = [&](const std::string& name, size_t bytes, size_t alignment) {
    const std::span<const std::byte> found = lookup(name);
    if (found.size() != bytes) {
      throw_error("packed model: buffer '", name, "' has ", found.size(), " bytes, expected ",
                  bytes);
    }
    if (reinterpret_cast<uintptr_t>(found.data()) % alignment != 0)
      throw_error("packed model: buffer '", name, "' is not aligned to ", alignment, " bytes");
    return jit::AlignedBuffer::borrow(found.data(), found.size());
  };
  const size_t dim_bytes = static_cast<size_t>(config.dim) * sizeof(float);

  PackedModel model;
  model.config = config;
  model.precision = parse_engine_precision(field("precision"));
  const auto level = jit::parse_isa_level(field("isa"));
  if (!level) throw_error("packed model: unknown isa '", field("isa"), "'");
  model.level = *level;
  model.word_embeddings = borrow("embeddings.word", config.vocab_size * dim_bytes, kFloatAlignment);
  model.position_embeddings =
      borrow("embeddings.position", config.max_position_embeddings * dim_bytes, kFloatAlignment);
  model.layers.resize(static_cast<size_t>(parse_layer_count(config)));
  for_each_layer_norm(model, [&](const std::string& name, PackedLayerNorm& norm) {
    norm.gamma = borrow(name + ".gamma", dim_bytes, kFloatAlignment);
    norm.beta = borrow(name + ".beta", dim_bytes, kFloatAlignment);
  });
  for_each_linear(
      model, config, [&](const std::string& name, PackedLinear& linear, int64_t n, int64_t k) {
        const std::string& kernel_name = field(name + ".kernel");
        const auto kernel = parse_linear_kernel(kernel_name);
        if (!kernel)
          throw_error("packed model: '", name, "' has unknown kernel '", kernel_name, "'");
        if (!can_run(*kernel)) {
          throw_error("packed model: '", name, "' was packed for ", kernel_name, " (isa ",
                      field("isa"), "), which this CPU cannot run at level ",
                      jit::isa_level_name(jit::cpu_features().level),
                      "; pack the model again for this machine");
        }
        const size_t un = static_cast<size_t>(n), uk = static_cast<size_t>(k);
        jit::AlignedBuffer panels =
            borrow(name + ".panels", panel_bytes(*kernel, n, k), jit::AlignedBuffer::kAlignment);
        switch (*kernel) {
          case LinearKernel::kHighwayF32:
            linear.weights =
                HighwayF32Weights{n, k, std::move(panels),
                                  borrow(name + ".bias", un * sizeof(float), kFloatAlignment)};
            break;
          case LinearKernel::kJitF32:
            linear.weights = jit::PackedF32Weights{un, uk, std::move(panels)};
            break;
          case LinearKernel::kJitBf16:
            linear.weights = jit::PackedBf16Weights{un, uk, std::move(panels)};
            break;
          case LinearKernel::kJitInt8:
            linear.weights = jit::PackedInt8Weights{un, uk, std::move(panels)};
            break;
        }
        if (metadata.count(name + ".smoothed"))
          linear.input_scale = borrow(name + ".input_scale", uk * sizeof(float), kFloatAlignment);
        linear.split_rows = metadata.count(name + ".split_rows") > 0;
        const auto weights = metadata.find(name + ".weights");
        if (weights != metadata.end() &&
            (weights->second != "gptq" || *kernel != LinearKernel::kJitInt8))
          throw_error("packed model: '", name, "' has weights '", weights->second, "' on kernel ",
                      kernel_name);
        linear.gptq = weights != metadata.end();
        if (linear.split_rows && *kernel != LinearKernel::kJitInt8)
          throw_error("packed model: '", name, "' has split rows but kernel ", kernel_name);
      });
  model.storage = std::move(storage);
  return model;
}

}  // namespace encore::engine
