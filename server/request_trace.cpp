#include "server/request_trace.h"

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace encore::server {

bool request_trace_enabled() {
  static const bool enabled = [] {
    const char* value = std::getenv("ENCORE_SERVE_TRACE");
    return value && *value && std::strcmp(value, "0") != 0;
  }();
  return enabled;
}

void append_trace_header(std::string& out, const RequestTrace& trace) {
  const Clock::time_point stamps[] = {trace.io_woke,   trace.read,   trace.complete,
                                      trace.submitted, trace.popped, trace.model_start,
                                      trace.model_end, trace.framed};
  out += "x-trace: ";
  for (const Clock::time_point& stamp : stamps) {
    if (&stamp != stamps) out += ',';
    char digits[24];
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(stamp.time_since_epoch());
    out.append(digits, std::to_chars(digits, digits + sizeof digits, ns.count()).ptr);
  }
  out += "\r\n";
}

}  // namespace encore::server
