// JsonWriter — appends compact JSON to a caller-owned std::string, so a response buffer can be
// reused across requests without allocating. Strings must be valid UTF-8 (encore validates input
// at the edge); control characters, quotes and backslashes are escaped. Commas are inserted
// automatically.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace encore {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(int64_t number);
  JsonWriter& value(int number) { return value(static_cast<int64_t>(number)); }
  JsonWriter& value(uint64_t number);
  JsonWriter& value(unsigned number) { return value(static_cast<uint64_t>(number)); }
  // Shortest representation that round-trips; NaN and infinities become null (JSON has none).
  JsonWriter& value(double number);
  JsonWriter& value(float number);
  JsonWriter& value(bool flag);
  JsonWriter& null();

  // Arrays of numbers, the bulk of encore's output (logits, hidden states, ids).
  JsonWriter& array(std::span<const float> numbers);
  JsonWriter& array(std::span<const int32_t> numbers);
  JsonWriter& array(std::span<const int64_t> numbers);

  // Pastes an already-serialized JSON value.
  JsonWriter& raw(std::string_view json);

 private:
  void separate();
  std::string& out_;
  // One bit per open container: true once it holds an element and needs a comma before the next.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

// Appends `text` to `out` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view text);

}  // namespace encore
