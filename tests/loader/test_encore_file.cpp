// The .encore container (loader/encore_file_*): CRC32C, a write/read round trip, the atomic write,
// and one failure per way a file can be wrong, each asserted on its message.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include "loader/encore_file_checksum.h"
#include "loader/encore_file_format.h"
#include "loader/encore_file_reader.h"
#include "loader/encore_file_writer.h"
#include "tests/loader/loader_test_util.h"

namespace {

namespace fs = std::filesystem;
namespace format = encore::loader::encore_format;
using encore::loader::crc32c;
using encore::loader::EncoreFile;
using encore::loader::EncoreFileWriter;
using encore::test::check_error;
using format::BlobDtype;

std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

// Three blobs: a float matrix, opaque bytes with a stricter alignment, and a small file.
struct Sample {
  std::vector<float> matrix = std::vector<float>(6 * 5);
  std::string panel = std::string(1000, 'p');
  EncoreFileWriter writer;

  Sample() {
    for (size_t i = 0; i < matrix.size(); ++i) matrix[i] = 0.5f * static_cast<float>(i);
    writer.add("layer.0.weight", BlobDtype::kF32, {6, 5}, std::as_bytes(std::span(matrix)));
    writer.add("layer.0.panels", BlobDtype::kBytes, {1000}, bytes_of(panel), 256);
    writer.add_copy("file/config.json", "{\"dim\": 5}");
  }
};

EncoreFile parse(const std::string& bytes) {
  auto owned = std::make_shared<std::string>(bytes);
  return EncoreFile::parse(std::as_bytes(std::span(owned->data(), owned->size())), "model.encore",
                           owned);
}

template <typename T>
void put(std::string& file, size_t offset, T value) {
  std::memcpy(file.data() + offset, &value, sizeof(T));
}

// After editing the table, restore the header checksum so the check under test is reached.
void reseal(std::string& file) {
  uint64_t header_size;
  std::memcpy(&header_size, file.data() + format::kHeaderSizeOffset, 8);
  put<uint32_t>(file, format::kHeaderCrcOffset,
                crc32c(bytes_of(file).subspan(format::kChecksummedFrom,
                                              header_size - format::kChecksummedFrom)));
}

// The table entry of the blob written at `index` (the writer keeps the order of add()).
size_t entry(size_t index) { return format::kHeaderBytes + index * format::kEntryBytes; }

}  // namespace

TEST_CASE("crc32c: the standard check value, and hardware equals the table version") {
  CHECK(crc32c(bytes_of("123456789")) == 0xE3069283u);
  CHECK(encore::loader::crc32c_portable(bytes_of("123456789")) == 0xE3069283u);
  std::mt19937 rng(1);
  std::string data(4099, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t length : {0, 1, 7, 8, 9, 63, 64, 65, 4099}) {
    const auto part = bytes_of(data).first(length);
    CHECK(crc32c(part) == encore::loader::crc32c_portable(part));
    // Continuing a checksum equals checksumming the whole.
    CHECK(crc32c(part.subspan(length / 2), crc32c(part.first(length / 2))) == crc32c(part));
  }
}

TEST_CASE("a written .encore file reads back: names, dtypes, shapes, bytes, 64-byte alignment") {
  encore::test::TempDir dir;
  Sample sample;
  const std::string path = dir / "model.encore";
  sample.writer.write(path);
  for (const auto& item : fs::directory_iterator(dir.path())) {
    CHECK_MESSAGE(item.path().filename() == "model.encore", "left behind: ", item.path());
  }
  CHECK(encore::test::read_file(path) == sample.writer.serialize());

  EncoreFile file = EncoreFile::open(path);
  REQUIRE(file.blobs().size() == 3);
  const int64_t shape[] = {6, 5};
  const auto& matrix = file.take("layer.0.weight", BlobDtype::kF32, shape);
  REQUIRE(matrix.as<float>().size() == sample.matrix.size());
  CHECK(std::memcmp(matrix.bytes.data(), sample.matrix.data(), matrix.bytes.size()) == 0);
  for (const auto& blob : file.blobs()) {
    CHECK(reinterpret_cast<uintptr_t>(blob.bytes.data()) % 64 == 0);
  }
  const auto& panels = file.take("layer.0.panels", BlobDtype::kBytes);
  CHECK(reinterpret_cast<uintptr_t>(panels.bytes.data()) % 256 == 0);
  CHECK(panels.text() == sample.panel);
  check_error([&] { file.reject_unknown_blobs(); }, {"model.encore", "unknown blobs",
                                                     "'file/config.json'", "encore optimize"});
  CHECK(file.find("file/config.json")->text() == "{\"dim\": 5}");
  file.reject_unknown_blobs();
  CHECK(file.find("absent") == nullptr);
}

TEST_CASE("take() names a missing blob, a wrong dtype and a wrong shape") {
  Sample sample;
  EncoreFile file = parse(sample.writer.serialize());
  check_error([&] { file.take("layer.1.weight", BlobDtype::kF32); },
              {"model.encore", "'layer.1.weight' is missing"});
  check_error([&] { file.take("layer.0.weight", BlobDtype::kBF16); }, {"is f32, expected bf16"});
  const int64_t wrong[] = {5, 6};
  check_error([&] { file.take("layer.0.weight", BlobDtype::kF32, wrong); },
              {"shape [6, 5], expected [5, 6]"});
}

TEST_CASE("the writer refuses bad blobs and leaves no file when it cannot write") {
  EncoreFileWriter writer;
  const float one = 1;
  const auto bytes = std::as_bytes(std::span(&one, 1));
  check_error([&] { writer.add("", BlobDtype::kF32, {1}, bytes); }, {"1 to 63 characters"});
  check_error([&] { writer.add(std::string(64, 'x'), BlobDtype::kF32, {1}, bytes); },
              {"1 to 63 characters"});
  check_error([&] { writer.add("a b", BlobDtype::kF32, {1}, bytes); }, {"printable ASCII"});
  check_error([&] { writer.add("x", BlobDtype::kF32, {2}, bytes); }, {"needs 8 bytes, got 4"});
  check_error([&] { writer.add("x", BlobDtype::kF32, {1}, bytes, 48); }, {"power of two"});
  writer.add("x", BlobDtype::kF32, {1}, bytes);
  check_error([&] { writer.add("x", BlobDtype::kF32, {1}, bytes); }, {"added twice"});

  encore::test::TempDir dir;
  check_error([&] { writer.write(dir / "missing/model.encore"); },
              {"missing/model.encore", "cannot create a temporary file"});
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("foreign, newer, truncated and trailing-garbage files are refused with a remedy") {
  Sample sample;
  const std::string good = sample.writer.serialize();
  parse(good);

  check_error([&] { parse("{\"not\": \"an encore file\"}"); },
              {"model.encore", "not a .encore file", "encore optimize"});
  check_error([&] { parse(""); }, {"not a .encore file"});

  std::string newer = good;
  put<uint32_t>(newer, format::kVersionOffset, format::kFormatVersion + 1);
  check_error([&] { parse(newer); }, {"format version 2", "newer encore", "upgrade encore"});

  check_error([&] { parse(good.substr(0, 40)); }, {"truncated", "40 bytes"});
  check_error([&] { parse(good.substr(0, good.size() - 1)); },
              {"truncated", "the header says", "encore optimize"});
  check_error([&] { parse(good + "extra"); }, {"5 unexpected bytes after the declared end"});
}

TEST_CASE("checksums: a flipped bit in the table or in a blob is caught and named") {
  Sample sample;
  const std::string good = sample.writer.serialize();

  std::string table = good;
  table[entry(0) + 3] ^= 1;  // a name byte
  check_error([&] { parse(table); }, {"header checksum mismatch", "corrupted", "encore optimize"});

  std::string reserved = good;
  reserved[format::kReservedFrom] = 1;
  reseal(reserved);
  check_error([&] { parse(reserved); }, {"reserved header byte 36"});

  uint64_t offset;
  std::memcpy(&offset, good.data() + entry(1) + format::kEntryOffset, 8);
  std::string blob = good;
  blob[offset + 10] ^= 0x40;
  check_error([&] { parse(blob); },
              {"blob 'layer.0.panels'", "checksum mismatch", "corrupted", "encore optimize"});
}

TEST_CASE("the table: out-of-bounds, overlapping, misaligned, duplicate and malformed entries") {
  Sample sample;
  const std::string good = sample.writer.serialize();
  auto edited = [&](auto edit) {
    std::string file = good;
    edit(file);
    reseal(file);
    return file;
  };
  uint64_t offset0, offset1;
  std::memcpy(&offset0, good.data() + entry(0) + format::kEntryOffset, 8);
  std::memcpy(&offset1, good.data() + entry(1) + format::kEntryOffset, 8);

  check_error([&] { parse(edited([&](std::string& f) {
                      put<uint64_t>(f, entry(1) + format::kEntryOffset, (good.size() + 256) / 256 * 256);
                    })); },
              {"blob 'layer.0.panels'", "outside the data"});
  check_error([&] { parse(edited([&](std::string& f) {
                      put<uint64_t>(f, entry(0) + format::kEntryOffset, 64);
                    })); },
              {"blob 'layer.0.weight'", "outside the data"});  // inside the header
  check_error([&] { parse(edited([&](std::string& f) {
                      put<uint64_t>(f, entry(0) + format::kEntryOffset, offset0 + 4);
                    })); },
              {"blob 'layer.0.weight' is misaligned", "offset"});
  check_error([&] { parse(edited([&](std::string& f) {
                      put<uint64_t>(f, entry(1) + format::kEntryOffset, offset1 - 64);
                    })); },
              {"misaligned"});  // panels ask for 256-byte alignment
  // Point the config file at the panels' bytes with the panels' checksum: overlapping blobs.
  check_error([&] { parse(edited([&](std::string& f) {
                      const size_t e2 = entry(2);
                      put<uint64_t>(f, e2 + format::kEntryShape, 1000);
                      put<uint64_t>(f, e2 + format::kEntryOffset, offset1);
                      put<uint64_t>(f, e2 + format::kEntryLength, 1000);
                      std::memcpy(f.data() + e2 + format::kEntryCrc,
                                  f.data() + entry(1) + format::kEntryCrc, 4);
                    })); },
              {"overlap"});
  check_error([&] { parse(edited([&](std::string& f) {
                      std::memcpy(f.data() + entry(2), "layer.0.panels\0\0", 16);
                      put<uint64_t>(f, entry(2) + format::kEntryShape, 1000);
                      put<uint64_t>(f, entry(2) + format::kEntryOffset, offset1);
                      put<uint64_t>(f, entry(2) + format::kEntryLength, 1000);
                      std::memcpy(f.data() + entry(2) + format::kEntryCrc,
                                  f.data() + entry(1) + format::kEntryCrc, 4);
                      put<uint32_t>(f, entry(2) + format::kEntryAlignment, 256);
                    })); },
              {"overlap"});
  check_error([&] { parse(edited([&](std::string& f) {
                      put<uint64_t>(f, entry(0) + format::kEntryShape, 7);
                    })); },
              {"blob 'layer.0.weight'", "shape [7, 5] of f32 needs 140 bytes", "says 120"});
  check_error([&] { parse(edited([&](std::string& f) {
                      put<uint32_t>(f, entry(0) + format::kEntryDtype, 99);
                    })); },
              {"unknown dtype 99"});
  check_error([&] { parse(edited([&](std::string& f) {
                      put<uint32_t>(f, entry(0) + format::kEntryRank, 5);
                    })); },
              {"5 dimensions"});
  check_error([&] { parse(edited([&](std::string& f) { f[entry(0)] = '\0'; })); },
              {"blob #0", "empty or unterminated name"});
  check_error([&] { parse(edited([&](std::string& f) { f[entry(0)] = '\n'; })); },
              {"non-printable"});
  check_error([&] { parse(edited([&](std::string& f) {
                      put<uint32_t>(f, format::kBlobCountOffset, 1000);
                    })); },
              {"corrupted header", "1000 blobs"});
}

TEST_CASE("two blobs with one name are refused") {
  EncoreFileWriter writer;
  writer.add_copy("a", "first");
  writer.add_copy("b", "second");
  std::string file = writer.serialize();
  file[entry(1)] = 'a';
  reseal(file);
  check_error([&] { parse(file); }, {"blob 'a' appears twice"});
}
