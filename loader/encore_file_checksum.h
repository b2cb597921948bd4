// CRC32C (Castagnoli) — the checksum of the .encore header and of every blob. Hardware `crc32`
// (SSE4.2) when the CPU has it, which checks a 100 MB model in ~10 ms; a table fallback elsewhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace encore::loader {

// CRC32C of `bytes` continued from `crc` (0 to start). crc32c("123456789") == 0xE3069283.
uint32_t crc32c(std::span<const std::byte> bytes, uint32_t crc = 0);

// The portable table version, exposed so tests can compare it with the hardware path.
uint32_t crc32c_portable(std::span<const std::byte> bytes, uint32_t crc = 0);

}  // namespace encore::loader
