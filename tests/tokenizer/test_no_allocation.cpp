// After warm-up, encoding allocates nothing: every operator new in this program is counted, and a
// second pass over the same kinds of input must not add to the count.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "test_helpers.h"

namespace {
std::atomic<size_t> allocations{0};
}

void* operator new(size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// Every form that can pair with the deletes below is replaced, so a library's nothrow or array
// new is never freed by a different allocator (ASan reports that as a mismatch).
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](size_t size) { return operator new(size); }
void* operator new[](size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

TEST_CASE("no heap allocation per encode after warm-up") {
  const encore::Tokenizer& t = encore::test::uncased();
  const std::vector<std::string> texts = {
      "Hello, world! I'm happy.",
      "Caf\xC3\xA9 d\xC3\xA9j\xC3\xA0 vu \xE2\x80\x94 na\xC3\xAFve co\xC3\xB6peration",
      "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xE4\xB8\xAD\xE6\x96\x87 x[CLS]y a\xCC\x81\xCC\x96",
      std::string(150, 'a') + " tokenization",
  };
  encore::Encoding encoding;
  encore::EncodeOptions truncating;
  truncating.max_length = 8;
  auto encode_all = [&] {
    for (const std::string& text : texts) {
      t.encode(text, {}, encoding);
      t.encode(text, truncating, encoding);
      t.encode_pair(text, texts[0], truncating, encoding);
    }
  };
  encode_all();
  encode_all();
  const size_t before = allocations.load();
  for (int i = 0; i < 10; ++i) encode_all();
  CHECK(allocations.load() == before);
}
