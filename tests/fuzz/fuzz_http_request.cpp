// Fuzzes HttpRequestParser: the input is parsed as a stream of pipelined requests, once whole and
// once fed in growing prefixes (as a socket would deliver it); both must agree, and every view of a
// complete request must lie inside the buffer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/http_request_parser.h"

using encore::server::HttpLimits;
using encore::server::HttpRequestParser;
using encore::server::ParseStatus;

namespace {

void check_inside(std::string_view buffer, std::string_view part) {
  if (part.empty()) return;
  if (part.data() < buffer.data() || part.data() + part.size() > buffer.data() + buffer.size()) {
    std::abort();
  }
}

struct Outcome {
  ParseStatus status;
  size_t consumed;
  int error;
};

Outcome parse_one(HttpRequestParser& parser, std::string_view buffer, size_t step) {
  ParseStatus status = ParseStatus::kIncomplete;
  for (size_t n = step; status == ParseStatus::kIncomplete; n += step) {
    status = parser.parse(buffer.substr(0, std::min(n, buffer.size())));
    if (n >= buffer.size()) break;
  }
  if (status == ParseStatus::kComplete) {
    const auto& r = parser.request();
    check_inside(buffer, r.method);
    check_inside(buffer, r.target);
    check_inside(buffer, r.body);
    for (const auto& h : r.headers) {
      check_inside(buffer, h.name);
      check_inside(buffer, h.value);
    }
    if (parser.consumed() == 0 || parser.consumed() > buffer.size()) std::abort();
  }
  return {status, parser.consumed(), parser.error_status()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 7;
  const std::string buffer(reinterpret_cast<const char*>(data + 1), size - 1);
  HttpLimits limits;
  limits.max_header_bytes = 512;
  limits.max_body_bytes = 256;
  HttpRequestParser whole(limits), pieces(limits);
  std::string_view rest = buffer;
  while (!rest.empty()) {
    Outcome a = parse_one(whole, rest, rest.size());
    Outcome b = parse_one(pieces, rest, step);
    if (a.status != b.status || a.error != b.error) std::abort();
    if (a.status != ParseStatus::kComplete) break;
    if (a.consumed != b.consumed) std::abort();
    rest.remove_prefix(a.consumed);
    whole.reset();
    pieces.reset();
  }
  return 0;
}
