// The on-disk layout of a .encore file (written by `encore optimize`): a fixed header, a table of
// named blobs, then the blobs, each at a 64-byte-aligned offset so packed weights can be used in
// place from the mmap. Little-endian; every integer at its natural alignment. Described for users
// in loader/README.md ("The .encore format").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace encore::loader::encore_format {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, ".encore files are little-endian");

// The high byte catches 7-bit transfers and the newline text-mode conversions, as PNG's does.
constexpr std::array<char, 8> kMagic = {'\x89', 'E', 'N', 'C', 'O', 'R', 'E', '\n'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = 64;
constexpr size_t kEntryBytes = 128;
constexpr size_t kNameBytes = 64;  // NUL-padded, so a name has at most 63 characters
constexpr size_t kMaxDims = 4;
constexpr uint64_t kBlobAlignment = 64;
constexpr uint64_t kMaxAlignment = 4096;
constexpr uint32_t kMaxBlobs = 1 << 16;

// Header field offsets.
constexpr size_t kVersionOffset = 8;        // u32 format version
constexpr size_t kHeaderCrcOffset = 12;     // u32 CRC32C of bytes [16, header_size)
constexpr size_t kHeaderSizeOffset = 16;    // u64 = kHeaderBytes + blob_count · kEntryBytes
constexpr size_t kFileSizeOffset = 24;      // u64 size of the whole file
constexpr size_t kBlobCountOffset = 32;     // u32
constexpr size_t kChecksummedFrom = 16;     // bytes [36, 64) are reserved and must be zero
constexpr size_t kReservedFrom = 36;

// Blob table entry field offsets.
constexpr size_t kEntryDtype = 64;      // u32 BlobDtype
constexpr size_t kEntryRank = 68;       // u32 number of dimensions, 0..4
constexpr size_t kEntryShape = 72;      // u64[4], unused dimensions 0
constexpr size_t kEntryOffset = 104;    // u64 from the start of the file, multiple of 64
constexpr size_t kEntryLength = 112;    // u64 bytes
constexpr size_t kEntryCrc = 120;       // u32 CRC32C of the blob's bytes
constexpr size_t kEntryAlignment = 124; // u32 power of two the consumer needs, ≤ 4096

enum class BlobDtype : uint32_t {
  kBytes = 0,  // opaque bytes (embedded files, packed panels): rank 1, shape[0] == length
  kF32 = 1,
  kBF16 = 2,
  kI8 = 3,
  kU8 = 4,
  kI32 = 5,
};
constexpr uint32_t kDtypeCount = 6;

constexpr size_t dtype_size(BlobDtype dtype) {
  switch (dtype) {
    case BlobDtype::kF32:
    case BlobDtype::kI32:
      return 4;
    case BlobDtype::kBF16:
      return 2;
    case BlobDtype::kBytes:
    case BlobDtype::kI8:
    case BlobDtype::kU8:
      return 1;
  }
  return 0;
}

std::string_view dtype_name(BlobDtype dtype);

}  // namespace encore::loader::encore_format
