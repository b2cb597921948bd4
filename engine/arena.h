// Arena — one 64-byte aligned block of floats that the Encoder carves into its activations and
// per-thread scratch. Allocated at construction; reserve() replaces it only when a bigger batch
// than ever before arrives, so steady-state forward passes never allocate.
#pragma once

#include <cstddef>
#include <memory>

namespace encore::engine {

class Arena {
 public:
  // Makes room for at least `floats`; returns true if it had to reallocate (contents are lost).
  bool reserve(size_t floats);
  float* data() { return data_.get(); }
  size_t capacity() const { return capacity_; }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  std::unique_ptr<float[], Free> data_;
  size_t capacity_ = 0;
};

}  // namespace encore::engine
