// EncoreFile — a .encore file mapped and validated before anything uses it: magic, format version,
// size (truncation), header CRC32C, the blob table (names, dtypes, shapes × sizes, 64-byte-aligned
// offsets inside the file, no overlaps, no duplicates) and every blob's CRC32C. Blobs stay views
// into the mmap. What the blobs mean (a model) is decided by the caller, which takes each blob it
// knows and then calls reject_unknown_blobs().
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loader/encore_file_format.h"

namespace encore::loader {

struct EncoreBlob {
  std::string name;
  encore_format::BlobDtype dtype = encore_format::BlobDtype::kBytes;
  std::vector<int64_t> shape;
  std::span<const std::byte> bytes;
  uint32_t alignment = 64;

  std::string_view text() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  template <typename T>
  std::span<const T> as() const {
    return {reinterpret_cast<const T*>(bytes.data()), bytes.size() / sizeof(T)};
  }
};

class EncoreFile {
 public:
  // Maps `path` and validates it; throws encore::Error naming the file, what is wrong and what to
  // do about it.
  static EncoreFile open(const std::string& path);
  // Validates bytes held by `storage` (kept alive by the result); `source` names it in errors.
  static EncoreFile parse(std::span<const std::byte> bytes, std::string source,
                          std::shared_ptr<const void> storage);

  const std::string& source() const { return source_; }
  const std::vector<EncoreBlob>& blobs() const { return blobs_; }
  // Keeps the mapping alive for every span handed out.
  const std::shared_ptr<const void>& storage() const { return storage_; }

  // nullptr when absent. Marks the blob as used.
  const EncoreBlob* find(std::string_view name);
  // Throws when absent, or when its dtype or shape differs from what the caller expects (an
  // empty `shape` accepts any).
  const EncoreBlob& take(std::string_view name, encore_format::BlobDtype dtype,
                         std::span<const int64_t> shape = {});
  // Throws naming the blobs nobody took: the file is from another encore version or tampered with.
  void reject_unknown_blobs() const;

 private:
  std::string source_;
  std::vector<EncoreBlob> blobs_;  // sorted by name
  std::vector<bool> used_;
  std::shared_ptr<const void> storage_;
};

}  // namespace encore::loader
