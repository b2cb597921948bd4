#include "loader/encore_file_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "loader/encore_file_checksum.h"
#include "support/error.h"

namespace encore::loader {
namespace {

using namespace encore_format;

template <typename T>
void write_at(std::string& out, size_t offset, T value) {
  std::memcpy(out.data() + offset, &value, sizeof(T));
}

uint64_t align_up(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

// Removes the temporary file unless the rename went through.
struct TempFile {
  std::string path;
  int fd = -1;
  bool keep = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!keep && !path.empty()) ::unlink(path.c_str());
  }
};

void write_all(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, std::min<size_t>(size, size_t{1} << 30));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw_error(path, ": cannot write: ", std::strerror(n < 0 ? errno : ENOSPC));
    data += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace

void EncoreFileWriter::add(std::string name, BlobDtype dtype, std::vector<int64_t> shape,
                           std::span<const std::byte> bytes, uint32_t alignment) {
  if (name.empty() || name.size() >= kNameBytes) {
    throw_error("blob name '", name, "' must have 1 to ", kNameBytes - 1, " characters");
  }
  for (char c : name) {
    if (c < 0x21 || c > 0x7e) throw_error("blob name '", name, "' must be printable ASCII");
  }
  for (const auto& blob : blobs_) {
    if (blob.name == name) throw_error("blob '", name, "' added twice");
  }
  if (shape.size() > kMaxDims) throw_error("blob '", name, "' has more than 4 dimensions");
  uint64_t elements = 1;
  for (int64_t extent : shape) {
    if (extent < 0) throw_error("blob '", name, "' has a negative dimension");
    elements *= static_cast<uint64_t>(extent);
  }
  if (elements * dtype_size(dtype) != bytes.size()) {
    throw_error("blob '", name, "': shape needs ", elements * dtype_size(dtype), " bytes, got ",
                bytes.size());
  }
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > kMaxAlignment) {
    throw_error("blob '", name, "': alignment ", alignment, " is not a power of two ≤ 4096");
  }
  blobs_.push_back({std::move(name), dtype, std::move(shape), bytes, alignment});
}

void EncoreFileWriter::add_copy(std::string name, std::string_view bytes) {
  const std::string& copy = copies_.emplace_back(bytes);
  add(std::move(name), BlobDtype::kBytes, {static_cast<int64_t>(copy.size())},
      std::as_bytes(std::span(copy.data(), copy.size())));
}

std::string EncoreFileWriter::layout(std::vector<Pending>& blobs, uint64_t& file_size) const {
  const uint64_t header_size = kHeaderBytes + blobs.size() * kEntryBytes;
  std::string header(header_size, '\0');
  std::memcpy(header.data(), kMagic.data(), kMagic.size());
  write_at<uint32_t>(header, kVersionOffset, kFormatVersion);
  write_at<uint64_t>(header, kHeaderSizeOffset, header_size);
  write_at<uint32_t>(header, kBlobCountOffset, static_cast<uint32_t>(blobs.size()));
  uint64_t end = header_size;
  for (size_t i = 0; i < blobs.size(); ++i) {
    Pending& blob = blobs[i];
    blob.offset = align_up(end, std::max<uint64_t>(kBlobAlignment, blob.alignment));
    end = blob.offset + blob.bytes.size();
    const size_t entry = kHeaderBytes + i * kEntryBytes;
    std::memcpy(header.data() + entry, blob.name.data(), blob.name.size());
    write_at<uint32_t>(header, entry + kEntryDtype, static_cast<uint32_t>(blob.dtype));
    write_at<uint32_t>(header, entry + kEntryRank, static_cast<uint32_t>(blob.shape.size()));
    for (size_t d = 0; d < blob.shape.size(); ++d) {
      write_at<uint64_t>(header, entry + kEntryShape + 8 * d, static_cast<uint64_t>(blob.shape[d]));
    }
    write_at<uint64_t>(header, entry + kEntryOffset, blob.offset);
    write_at<uint64_t>(header, entry + kEntryLength, blob.bytes.size());
    write_at<uint32_t>(header, entry + kEntryCrc, crc32c(blob.bytes));
    write_at<uint32_t>(header, entry + kEntryAlignment, blob.alignment);
  }
  file_size = end;
  write_at<uint64_t>(header, kFileSizeOffset, file_size);
  const auto checksummed = std::as_bytes(std::span(header)).subspan(kChecksummedFrom);
  write_at<uint32_t>(header, kHeaderCrcOffset, crc32c(checksummed));
  return header;
}

std::string EncoreFileWriter::serialize() const {
  std::vector<Pending> blobs = blobs_;
  uint64_t file_size = 0;
  std::string out = layout(blobs, file_size);
  out.resize(file_size, '\0');
  for (const auto& blob : blobs) {
    std::memcpy(out.data() + blob.offset, blob.bytes.data(), blob.bytes.size());
  }
  return out;
}

void EncoreFileWriter::write(const std::string& path) const {
  std::vector<Pending> blobs = blobs_;
  uint64_t file_size = 0;
  const std::string header = layout(blobs, file_size);

  TempFile temp{path + ".partial-XXXXXX"};
  temp.fd = ::mkstemp(temp.path.data());
  if (temp.fd < 0) {
    const int error = errno;
    temp.path.clear();
    throw_error(path, ": cannot create a temporary file beside it: ", std::strerror(error));
  }
  ::fchmod(temp.fd, 0644);  // mkstemp makes 0600; a model file is meant to be shared

  write_all(temp.fd, header.data(), header.size(), path);
  uint64_t position = header.size();
  const std::string padding(kMaxAlignment, '\0');
  for (const auto& blob : blobs) {
    write_all(temp.fd, padding.data(), blob.offset - position, path);
    write_all(temp.fd, reinterpret_cast<const char*>(blob.bytes.data()), blob.bytes.size(), path);
    position = blob.offset + blob.bytes.size();
  }
  if (::fsync(temp.fd) != 0) throw_error(path, ": cannot fsync: ", std::strerror(errno));
  if (::close(temp.fd) != 0) {
    temp.fd = -1;
    throw_error(path, ": cannot close: ", std::strerror(errno));
  }
  temp.fd = -1;
  if (::rename(temp.path.c_str(), path.c_str()) != 0) {
    throw_error(path, ": cannot rename ", temp.path, " to it: ", std::strerror(errno));
  }
  temp.keep = true;
}

}  // namespace encore::loader
