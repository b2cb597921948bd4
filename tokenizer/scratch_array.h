// A growable array for per-encode scratch space. Unlike std::vector it never initializes what it
// grows into and lets a caller reserve room once before a burst of unchecked appends, which is
// what the per-character hot loops need. Capacity is kept across clear()s.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>

namespace encore::tok {

template <typename T>
class ScratchArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }
  const T* begin() const { return data_.get(); }
  const T* end() const { return data_.get() + size_; }
  operator std::span<const T>() const { return {data_.get(), size_}; }

  // Makes room for `extra` more elements.
  void reserve_more(size_t extra) {
    if (size_ + extra > capacity_) grow(size_ + extra);
  }
  // Appends without a capacity check: reserve_more() first.
  void push_unchecked(T value) { data_[size_++] = value; }
  // Extends by n elements (left uninitialized) without a capacity check; returns the first.
  T* extend_unchecked(size_t n) {
    T* first = data_.get() + size_;
    size_ += n;
    return first;
  }
  void push_back(T value) {
    reserve_more(1);
    push_unchecked(value);
  }

 private:
  void grow(size_t needed) {
    const size_t capacity = std::max({needed, 2 * capacity_, size_t{64}});
    std::unique_ptr<T[]> bigger(new T[capacity]);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_ * sizeof(T));
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::unique_ptr<T[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

inline std::string_view view(const ScratchArray<char>& text) { return {text.data(), text.size()}; }

}  // namespace encore::tok
