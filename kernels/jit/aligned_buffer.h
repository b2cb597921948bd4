// A 64-byte aligned byte buffer: packed panels are read with full-zmm loads. It either owns its
// zero-initialized memory (packed at load) or borrows read-only bytes someone else keeps alive (a
// pre-packed file mapped in memory); readers cannot tell the two apart.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include <sys/mman.h>

namespace encore::jit {

class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 64;
  static constexpr size_t kHugePage = size_t{2} << 20;

  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes) : size_(bytes) {
    if (bytes == 0) return;
    // A batch-1 forward streams every weight once: on 4 KB pages the TLB misses cost ~10% of a
    // short sequence's time. Large buffers ask for transparent huge pages (THP is often
    // `madvise`-only) before the first touch, so the memset faults them in as 2 MB pages.
    const bool huge = bytes >= kHugePage / 2;
    const size_t alignment = huge ? kHugePage : kAlignment;
    const size_t rounded = (bytes + alignment - 1) / alignment * alignment;
    void* memory = std::aligned_alloc(alignment, rounded);
    if (memory == nullptr) throw std::bad_alloc();
    if (huge) madvise(memory, rounded, MADV_HUGEPAGE);  // advice only: ignoring failure is fine
    std::memset(memory, 0, bytes);
    owned_.reset(static_cast<std::byte*>(memory));
    view_ = owned_.get();
  }

  // A non-owning view of `bytes` bytes at `data`; the caller keeps them alive and unchanged for
  // the buffer's lifetime (and aligned as its readers need).
  static AlignedBuffer borrow(const std::byte* data, size_t bytes) {
    AlignedBuffer buffer;
    buffer.view_ = data;
    buffer.size_ = bytes;
    return buffer;
  }

  // Writable only when owned (packing); a borrowed buffer has no writable data.
  std::byte* data() { return owned_.get(); }
  const std::byte* data() const { return view_; }
  size_t size() const { return size_; }
  bool owned() const { return owned_ != nullptr || size_ == 0; }

 private:
  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::unique_ptr<std::byte, Free> owned_;
  const std::byte* view_ = nullptr;
  size_t size_ = 0;
};

}  // namespace encore::jit
