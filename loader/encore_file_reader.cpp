#include "loader/encore_file_reader.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "loader/encore_file_checksum.h"
#include "support/error.h"
#include "support/mapped_file.h"

namespace encore::loader {
namespace {

using namespace encore_format;

constexpr const char* kRemedy = "re-run `encore optimize` to write it again";

template <typename T>
T read_at(std::span<const std::byte> bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

std::string shape_text(std::span<const int64_t> shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

void check_header(std::span<const std::byte> bytes, const std::string& source) {
  if (bytes.size() < kMagic.size() ||
      std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0) {
    throw_error(source,
                ": not a .encore file (it does not start with the .encore magic bytes); pass a "
                "file written by `encore optimize`, or a Hugging Face model folder");
  }
  if (bytes.size() < kHeaderBytes) {
    throw_error(source, ": truncated: ", bytes.size(), " bytes, shorter than the ", kHeaderBytes,
                "-byte header; ", kRemedy);
  }
  const uint32_t version = read_at<uint32_t>(bytes, kVersionOffset);
  if (version > kFormatVersion) {
    throw_error(source, ": format version ", version, " was written by a newer encore; this build ",
                "reads version ", kFormatVersion, ": upgrade encore, or re-run `encore optimize` ",
                "with this one");
  }
  if (version == 0) throw_error(source, ": format version 0 is not valid; ", kRemedy);
  const uint64_t file_size = read_at<uint64_t>(bytes, kFileSizeOffset);
  if (file_size > bytes.size()) {
    throw_error(source, ": truncated: the header says ", file_size, " bytes but the file has ",
                bytes.size(), "; copy it again or ", kRemedy);
  }
  if (file_size < bytes.size()) {
    throw_error(source, ": ", bytes.size() - file_size, " unexpected bytes after the declared end (",
                file_size, " bytes); ", kRemedy);
  }
  const uint32_t count = read_at<uint32_t>(bytes, kBlobCountOffset);
  const uint64_t header_size = read_at<uint64_t>(bytes, kHeaderSizeOffset);
  if (count > kMaxBlobs || header_size != kHeaderBytes + uint64_t{count} * kEntryBytes ||
      header_size > bytes.size()) {
    throw_error(source, ": corrupted header (", count, " blobs, header size ", header_size,
                ", file size ", bytes.size(), "); ", kRemedy);
  }
  const uint32_t expected = read_at<uint32_t>(bytes, kHeaderCrcOffset);
  const uint32_t actual = crc32c(bytes.subspan(kChecksummedFrom, header_size - kChecksummedFrom));
  if (expected != actual) {
    throw_error(source, ": header checksum mismatch (CRC32C ", actual, ", expected ", expected,
                "): the file is corrupted; ", kRemedy);
  }
  for (size_t i = kReservedFrom; i < kHeaderBytes; ++i) {
    if (bytes[i] != std::byte{0}) throw_error(source, ": reserved header byte ", i, " is not 0");
  }
}

std::string read_name(std::span<const std::byte> entry, const std::string& source, size_t index) {
  const char* chars = reinterpret_cast<const char*>(entry.data());
  const size_t length = strnlen(chars, kNameBytes);
  if (length == 0 || length == kNameBytes) {
    throw_error(source, ": blob #", index, " has an empty or unterminated name; ", kRemedy);
  }
  for (size_t i = 0; i < length; ++i) {
    if (chars[i] < 0x21 || chars[i] > 0x7e) {
      throw_error(source, ": blob #", index, " has a name with a non-printable byte; ", kRemedy);
    }
  }
  for (size_t i = length; i < kNameBytes; ++i) {
    if (chars[i] != 0) throw_error(source, ": blob #", index, " name padding is not zero");
  }
  return std::string(chars, length);
}

EncoreBlob read_entry(std::span<const std::byte> bytes, size_t index, const std::string& source) {
  const auto entry = bytes.subspan(kHeaderBytes + index * kEntryBytes, kEntryBytes);
  EncoreBlob blob;
  blob.name = read_name(entry, source, index);
  const std::string where = source + ": blob '" + blob.name + "'";
  const uint32_t dtype = read_at<uint32_t>(entry, kEntryDtype);
  if (dtype >= kDtypeCount) throw_error(where, " has unknown dtype ", dtype, "; ", kRemedy);
  blob.dtype = static_cast<BlobDtype>(dtype);
  const uint32_t rank = read_at<uint32_t>(entry, kEntryRank);
  if (rank > kMaxDims) throw_error(where, " has ", rank, " dimensions (at most ", kMaxDims, ")");
  uint64_t elements = 1;
  for (size_t d = 0; d < kMaxDims; ++d) {
    const uint64_t extent = read_at<uint64_t>(entry, kEntryShape + 8 * d);
    if (d >= rank) {
      if (extent != 0) throw_error(where, " has a non-zero unused dimension");
      continue;
    }
    if (extent > (uint64_t{1} << 40) || (extent != 0 && elements > (uint64_t{1} << 40) / extent)) {
      throw_error(where, " has an impossible shape");
    }
    elements *= extent;
    blob.shape.push_back(static_cast<int64_t>(extent));
  }
  const uint64_t offset = read_at<uint64_t>(entry, kEntryOffset);
  const uint64_t length = read_at<uint64_t>(entry, kEntryLength);
  const uint32_t alignment = read_at<uint32_t>(entry, kEntryAlignment);
  if (blob.dtype == BlobDtype::kBytes && (rank != 1 || elements != length)) {
    throw_error(where, " (bytes) must have shape [", length, "], not ", shape_text(blob.shape));
  }
  if (elements * dtype_size(blob.dtype) != length) {
    throw_error(where, ": shape ", shape_text(blob.shape), " of ", dtype_name(blob.dtype),
                " needs ", elements * dtype_size(blob.dtype), " bytes but the table says ", length,
                "; ", kRemedy);
  }
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > kMaxAlignment) {
    throw_error(where, " has an invalid alignment ", alignment);
  }
  if (offset % kBlobAlignment != 0 || offset % alignment != 0) {
    throw_error(where, " is misaligned: offset ", offset, " is not a multiple of ",
                std::max<uint64_t>(kBlobAlignment, alignment), "; ", kRemedy);
  }
  const uint64_t header_size = kHeaderBytes + read_at<uint32_t>(bytes, kBlobCountOffset) * kEntryBytes;
  if (offset < header_size || offset > bytes.size() || length > bytes.size() - offset) {
    throw_error(where, ": bytes [", offset, ", ", offset + length, ") are outside the data (",
                header_size, " to ", bytes.size(), "); the file is truncated or corrupted; ",
                kRemedy);
  }
  blob.bytes = bytes.subspan(offset, length);
  blob.alignment = alignment;
  const uint32_t expected = read_at<uint32_t>(entry, kEntryCrc);
  const uint32_t actual = crc32c(blob.bytes);
  if (actual != expected) {
    throw_error(where, ": checksum mismatch (CRC32C ", actual, ", expected ", expected,
                "): the file is corrupted; ", kRemedy);
  }
  return blob;
}

// Blobs sorted by offset must not overlap; names must be unique.
void check_layout(std::vector<EncoreBlob>& blobs, const std::string& source) {
  std::vector<const EncoreBlob*> by_offset;
  for (const auto& blob : blobs) by_offset.push_back(&blob);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const EncoreBlob* a, const EncoreBlob* b) { return a->bytes.data() < b->bytes.data(); });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const EncoreBlob& before = *by_offset[i - 1];
    if (before.bytes.data() + before.bytes.size() > by_offset[i]->bytes.data()) {
      throw_error(source, ": blobs '", before.name, "' and '", by_offset[i]->name,
                  "' overlap; ", kRemedy);
    }
  }
  std::sort(blobs.begin(), blobs.end(),
            [](const EncoreBlob& a, const EncoreBlob& b) { return a.name < b.name; });
  for (size_t i = 1; i < blobs.size(); ++i) {
    if (blobs[i - 1].name == blobs[i].name) {
      throw_error(source, ": blob '", blobs[i].name, "' appears twice; ", kRemedy);
    }
  }
}

}  // namespace

std::string_view encore_format::dtype_name(BlobDtype dtype) {
  constexpr std::string_view kNames[] = {"bytes", "f32", "bf16", "i8", "u8", "i32"};
  const auto index = static_cast<uint32_t>(dtype);
  return index < kDtypeCount ? kNames[index] : "unknown";
}

EncoreFile EncoreFile::parse(std::span<const std::byte> bytes, std::string source,
                             std::shared_ptr<const void> storage) {
  check_header(bytes, source);
  EncoreFile file;
  const uint32_t count = read_at<uint32_t>(bytes, kBlobCountOffset);
  for (uint32_t i = 0; i < count; ++i) file.blobs_.push_back(read_entry(bytes, i, source));
  check_layout(file.blobs_, source);
  file.source_ = std::move(source);
  file.used_.assign(file.blobs_.size(), false);
  file.storage_ = std::move(storage);
  return file;
}

EncoreFile EncoreFile::open(const std::string& path) {
  auto mapped = std::make_shared<const MappedFile>(path);
  const auto bytes = mapped->bytes();
  return parse(bytes, path, std::move(mapped));
}

const EncoreBlob* EncoreFile::find(std::string_view name) {
  const auto it = std::lower_bound(blobs_.begin(), blobs_.end(), name,
                                   [](const EncoreBlob& b, std::string_view n) { return b.name < n; });
  if (it == blobs_.end() || it->name != name) return nullptr;
  used_[static_cast<size_t>(it - blobs_.begin())] = true;
  return &*it;
}

const EncoreBlob& EncoreFile::take(std::string_view name, BlobDtype dtype,
                                   std::span<const int64_t> shape) {
  const EncoreBlob* blob = find(name);
  if (blob == nullptr) {
    throw_error(source_, ": blob '", name, "' is missing; ", kRemedy);
  }
  if (blob->dtype != dtype) {
    throw_error(source_, ": blob '", name, "' is ", dtype_name(blob->dtype), ", expected ",
                dtype_name(dtype), "; ", kRemedy);
  }
  if (!shape.empty() && !std::equal(shape.begin(), shape.end(), blob->shape.begin(),
                                    blob->shape.end())) {
    throw_error(source_, ": blob '", name, "' has shape ", shape_text(blob->shape), ", expected ",
                shape_text(shape), "; ", kRemedy);
  }
  return *blob;
}

void EncoreFile::reject_unknown_blobs() const {
  std::string unknown;
  for (size_t i = 0; i < blobs_.size(); ++i) {
    if (!used_[i]) unknown += (unknown.empty() ? "'" : ", '") + blobs_[i].name + "'";
  }
  if (!unknown.empty()) {
    throw_error(source_, ": unknown blobs ", unknown,
                " (written by another encore version?); ", kRemedy);
  }
}

}  // namespace encore::loader
