// EncoreFileWriter — collects named blobs and writes a .encore file (layout in
// encore_file_format.h) atomically: into a temporary file beside the target, fsync'd, then renamed,
// so a failure never leaves a partial file under the target's name.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "loader/encore_file_format.h"

namespace encore::loader {

class EncoreFileWriter {
 public:
  // `bytes` must stay alive until write(); its length must match shape × dtype size. Throws
  // encore::Error for a bad name (empty, > 63 characters, not printable ASCII), a duplicate, a size
  // mismatch, or an alignment that is not a power of two ≤ 4096.
  void add(std::string name, encore_format::BlobDtype dtype, std::vector<int64_t> shape,
           std::span<const std::byte> bytes, uint32_t alignment = 64);
  // A copy of `bytes` as an opaque (kBytes) blob: embedded files, metadata.
  void add_copy(std::string name, std::string_view bytes);

  // Writes the file; throws encore::Error naming `path` on any I/O failure.
  void write(const std::string& path) const;

  // The complete file as bytes (tests and the fuzz corpus).
  std::string serialize() const;

 private:
  struct Pending {
    std::string name;
    encore_format::BlobDtype dtype;
    std::vector<int64_t> shape;
    std::span<const std::byte> bytes;
    uint32_t alignment;
    uint64_t offset = 0;
  };
  // The header and table, with every blob's offset assigned; returns the file size.
  std::string layout(std::vector<Pending>& blobs, uint64_t& file_size) const;

  std::vector<Pending> blobs_;
  std::deque<std::string> copies_;
};

}  // namespace encore::loader
