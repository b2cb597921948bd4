#include "loader/safetensors_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "support/error.h"
#include "support/json_writer.h"

namespace encore::loader {

std::string safetensors_header(std::span<const TensorToWrite> tensors) {
  std::string json;
  JsonWriter header(json);
  header.begin_object();
  uint64_t offset = 0;
  for (const TensorToWrite& t : tensors) {
    uint64_t elements = 1;
    for (int64_t dim : t.shape) elements *= static_cast<uint64_t>(dim);
    if (elements * dtype_size(t.dtype) != t.bytes.size()) {
      throw_error("tensor '", t.name, "': shape ", shape_string(t.shape), " of ",
                  dtype_name(t.dtype), " does not match its ", t.bytes.size(), " bytes");
    }
    header.key(t.name).begin_object();
    header.key("dtype").value(dtype_name(t.dtype));
    header.key("shape").array(std::span<const int64_t>(t.shape));
    header.key("data_offsets")
        .begin_array()
        .value(offset)
        .value(offset + t.bytes.size())
        .end_array();
    header.end_object();
    offset += t.bytes.size();
  }
  header.key("__metadata__").begin_object().key("format").value("pt").end_object();
  header.end_object();
  json.append((8 - json.size() % 8) % 8, ' ');

  std::string out(8, '\0');
  uint64_t length = json.size();
  std::memcpy(out.data(), &length, 8);  // little-endian (checked in safetensors.cpp)
  return out + json;
}

void write_safetensors(const std::string& path, std::span<const TensorToWrite> tensors) {
  std::string header = safetensors_header(tensors);
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "wb"), std::fclose);
  if (!file) throw_error(path, ": cannot create: ", std::strerror(errno));
  bool ok = std::fwrite(header.data(), 1, header.size(), file.get()) == header.size();
  for (const TensorToWrite& t : tensors) {
    if (t.bytes.empty()) continue;
    ok = ok && std::fwrite(t.bytes.data(), 1, t.bytes.size(), file.get()) == t.bytes.size();
  }
  if (!ok || std::fclose(file.release()) != 0)
    throw_error(path, ": write failed: ", std::strerror(errno));
}

}  // namespace encore::loader
