// A read-only memory map of a whole file. Model weights are read in place, never copied.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace encore {

class MappedFile {
 public:
  MappedFile() = default;
  // Throws encore::Error naming the path when the file cannot be opened or mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

// Reads a whole (small) file into a string; throws encore::Error naming the path.
std::string read_text_file(const std::string& path);

}  // namespace encore
