#include "engine/arena.h"

#include <cstdlib>
#include <new>

namespace encore::engine {

void Arena::Free::operator()(float* p) const {
  std::free(p);
}

bool Arena::reserve(size_t floats) {
  if (floats <= capacity_ && data_) return false;
  const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64 + 64;
  void* memory = std::aligned_alloc(64, bytes);
  if (!memory) throw std::bad_alloc();
  data_.reset(static_cast<float*>(memory));
  capacity_ = floats;
  return true;
}

}  // namespace encore::engine
