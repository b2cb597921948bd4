#include "loader/safetensors.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <set>
#include <sstream>

#include "support/error.h"

namespace encore::loader {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  size_t size;
};

constexpr std::array<DTypeInfo, 15> kDTypes = {{
    {DType::kF32, "F32", 4},
    {DType::kF16, "F16", 2},
    {DType::kBF16, "BF16", 2},
    {DType::kF64, "F64", 8},
    {DType::kI64, "I64", 8},
    {DType::kI32, "I32", 4},
    {DType::kI16, "I16", 2},
    {DType::kI8, "I8", 1},
    {DType::kU64, "U64", 8},
    {DType::kU32, "U32", 4},
    {DType::kU16, "U16", 2},
    {DType::kU8, "U8", 1},
    {DType::kBool, "BOOL", 1},
    {DType::kF8E4M3, "F8_E4M3", 1},
    {DType::kF8E5M2, "F8_E5M2", 1},
}};

const DTypeInfo& info(DType dtype) {
  return *std::find_if(kDTypes.begin(), kDTypes.end(),
                       [dtype](const DTypeInfo& i) { return i.dtype == dtype; });
}

// A tensor's place in the data area, kept for the overlap check.
struct Extent {
  uint64_t begin, end;
  size_t tensor;
};

class HeaderParser {
 public:
  HeaderParser(std::span<const std::byte> file, const std::string& source)
      : file_(file), source_(source) {}

  std::vector<TensorView> parse() {
    if (file_.size() < 8)
      fail("file is ", file_.size(), " bytes, too short for the 8-byte header length");
    uint64_t header_size = 0;
    std::memcpy(&header_size, file_.data(), 8);
    if (header_size > file_.size() - 8) {
      fail("header length ", header_size, " beyond file size ", file_.size(),
           " (truncated or not a safetensors file)");
    }
    if (header_size > kMaxHeaderBytes)
      fail("header length ", header_size, " exceeds the ", kMaxHeaderBytes, "-byte limit");
    data_ = file_.subspan(8 + header_size);

    simdjson::dom::parser parser;
    simdjson::dom::object header;
    auto json = reinterpret_cast<const char*>(file_.data() + 8);
    if (auto error = parser.parse(json, header_size).get(header)) {
      fail("header is not a JSON object: ", simdjson::error_message(error));
    }
    std::set<std::string_view> names;
    for (auto field : header) {
      if (field.key == "__metadata__") continue;  // free-form strings, nothing encore needs
      if (!names.insert(field.key).second)
        fail("tensor '", field.key, "' appears twice in the header");
      tensors_.push_back(parse_tensor(field.key, field.value));
    }
    check_no_overlap();
    return std::move(tensors_);
  }

 private:
  TensorView parse_tensor(std::string_view name, simdjson::dom::element entry) {
    TensorView t;
    t.name = std::string(name);
    simdjson::dom::object fields;
    if (entry.get(fields)) fail_tensor(t, "entry is not an object");

    std::string_view dtype;
    if (fields["dtype"].get(dtype)) fail_tensor(t, "missing string field 'dtype'");
    auto known = std::find_if(kDTypes.begin(), kDTypes.end(),
                              [dtype](const DTypeInfo& i) { return i.name == dtype; });
    if (known == kDTypes.end()) fail_tensor(t, "unknown dtype '", dtype, "'");
    t.dtype = known->dtype;

    simdjson::dom::array shape;
    if (fields["shape"].get(shape)) fail_tensor(t, "missing array field 'shape'");
    uint64_t elements = 1;
    for (auto dim_value : shape) {
      int64_t dim = 0;
      if (dim_value.get(dim) || dim < 0)
        fail_tensor(t, "shape holds a value that is not a non-negative integer");
      // Cap the product so elements × dtype size cannot overflow; no file is that large anyway.
      if (dim != 0 && elements > (uint64_t{1} << 56) / static_cast<uint64_t>(dim)) {
        fail_tensor(t, "shape is too large");
      }
      elements *= static_cast<uint64_t>(dim);
      t.shape.push_back(dim);
    }

    simdjson::dom::array offsets;
    uint64_t begin = 0, end = 0;
    if (fields["data_offsets"].get(offsets) || offsets.size() != 2 || offsets.at(0).get(begin) ||
        offsets.at(1).get(end)) {
      fail_tensor(t, "'data_offsets' must be two non-negative integers [begin, end]");
    }
    if (begin > end) fail_tensor(t, "data_offsets [", begin, ",", end, ") end before they begin");
    if (end > data_.size()) {
      fail_tensor(t, "data_offsets [", begin, ",", end, ") beyond data size ", data_.size());
    }
    uint64_t expected = elements * known->size;
    if (end - begin != expected) {
      fail_tensor(t, "shape ", shape_string(t.shape), " of ", known->name, " needs ", expected,
                  " bytes but data_offsets [", begin, ",", end, ") hold ", end - begin);
    }
    t.bytes = data_.subspan(begin, end - begin);
    extents_.push_back({begin, end, tensors_.size()});
    return t;
  }

  // Sorted by start, each non-empty tensor must begin at or after the furthest end seen so far.
  void check_no_overlap() {
    std::sort(extents_.begin(), extents_.end(),
              [](const Extent& a, const Extent& b) { return a.begin < b.begin; });
    const Extent* furthest = nullptr;
    for (const Extent& current : extents_) {
      if (current.begin == current.end) continue;  // empty tensors occupy no bytes
      if (furthest != nullptr && current.begin < furthest->end) {
        fail("tensor '", tensors_[current.tensor].name, "' data_offsets [", current.begin, ",",
             current.end, ") overlap tensor '", tensors_[furthest->tensor].name, "' [",
             furthest->begin, ",", furthest->end, ")");
      }
      if (furthest == nullptr || current.end > furthest->end) furthest = &current;
    }
  }

  template <typename... Parts>
  [[noreturn]] void fail(const Parts&... parts) const {
    throw_error(source_, ": ", parts...);
  }
  template <typename... Parts>
  [[noreturn]] void fail_tensor(const TensorView& t, const Parts&... parts) const {
    throw_error(source_, ": tensor '", t.name, "' ", parts...);
  }

  std::span<const std::byte> file_;
  const std::string& source_;
  std::span<const std::byte> data_;
  std::vector<TensorView> tensors_;
  std::vector<Extent> extents_;
};

}  // namespace

std::string_view dtype_name(DType dtype) {
  return info(dtype).name;
}
size_t dtype_size(DType dtype) {
  return info(dtype).size;
}
bool is_float_dtype(DType dtype) {
  return dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16;
}

int64_t TensorView::element_count() const {
  return static_cast<int64_t>(bytes.size() / dtype_size(dtype));
}

std::vector<TensorView> parse_safetensors(std::span<const std::byte> file,
                                          const std::string& source) {
  return HeaderParser(file, source).parse();
}

std::string shape_string(std::span<const int64_t> shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

}  // namespace encore::loader
