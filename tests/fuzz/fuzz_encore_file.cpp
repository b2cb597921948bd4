// Fuzzes the .encore reader (loader/encore_file_reader.h) on arbitrary bytes: it must never crash,
// read out of bounds or throw anything but encore::Error; every blob it accepts must lie inside
// the input, after the header, 64-byte aligned. When the first byte is odd the checksums are
// recomputed first, so mutations reach the table checks instead of stopping at a CRC mismatch.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "loader/encore_file_checksum.h"
#include "loader/encore_file_format.h"
#include "loader/encore_file_reader.h"
#include "support/error.h"

namespace {

namespace format = encore::loader::encore_format;

template <typename T>
T read_at(const std::string& bytes, size_t offset) {
  T value{};
  if (offset + sizeof(T) <= bytes.size()) std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

template <typename T>
void write_at(std::string& bytes, size_t offset, T value) {
  if (offset + sizeof(T) <= bytes.size()) std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

std::span<const std::byte> span_of(const std::string& bytes, size_t offset, size_t length) {
  return std::as_bytes(std::span(bytes.data() + offset, length));
}

void reseal(std::string& bytes) {
  const uint64_t count = read_at<uint32_t>(bytes, format::kBlobCountOffset);
  const uint64_t header_size = format::kHeaderBytes + count * format::kEntryBytes;
  if (count > format::kMaxBlobs || header_size > bytes.size()) return;
  for (uint64_t i = 0; i < count; ++i) {
    const size_t entry = format::kHeaderBytes + i * format::kEntryBytes;
    const uint64_t offset = read_at<uint64_t>(bytes, entry + format::kEntryOffset);
    const uint64_t length = read_at<uint64_t>(bytes, entry + format::kEntryLength);
    if (offset <= bytes.size() && length <= bytes.size() - offset) {
      write_at<uint32_t>(bytes, entry + format::kEntryCrc,
                         encore::loader::crc32c(span_of(bytes, offset, length)));
    }
  }
  write_at<uint64_t>(bytes, format::kHeaderSizeOffset, header_size);
  write_at<uint64_t>(bytes, format::kFileSizeOffset, bytes.size());
  write_at<uint32_t>(bytes, format::kHeaderCrcOffset,
                     encore::loader::crc32c(span_of(bytes, format::kChecksummedFrom,
                                                    header_size - format::kChecksummedFrom)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto bytes = std::make_shared<std::string>(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) reseal(*bytes);
  const auto file_bytes = std::as_bytes(std::span(bytes->data(), bytes->size()));
  try {
    auto file = encore::loader::EncoreFile::parse(file_bytes, "fuzz.encore", bytes);
    for (const auto& blob : file.blobs()) {
      const size_t offset = static_cast<size_t>(blob.bytes.data() - file_bytes.data());
      const bool inside = offset >= format::kHeaderBytes && offset % format::kBlobAlignment == 0 &&
                          blob.bytes.size() <= file_bytes.size() - offset;
      if (!inside || file.find(blob.name) != &blob) std::abort();
    }
    file.reject_unknown_blobs();  // every blob was found above
  } catch (const encore::Error&) {
  }
  return 0;
}
