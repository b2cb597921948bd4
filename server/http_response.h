// HttpResponse — what a route answers, and the writer that frames it as HTTP/1.1 bytes appended to
// a connection's output buffer. Every answer carries content-type, content-length,
// x-compute-time (milliseconds spent producing it, decimal) and x-compute-tokens; answers that ran
// the model also carry x-model-time (milliseconds of the model's forward pass alone, so a client
// can subtract the model from its own round trip request by request).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace encore::server {

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  double compute_ms = 0;       // time from the complete request to this response
  int64_t compute_tokens = 0;  // input tokens the model ran on (0 for routes without a model)
  double model_ms = -1;        // the forward pass alone; < 0: no model ran (no x-model-time)
  std::chrono::steady_clock::time_point model_start{};  // when it began (request_trace.h)
  bool close = false;          // the server closes the connection after sending this
  std::string extra_headers;   // complete "name: value\r\n" lines, e.g. www-authenticate
};

// Builds the JSON error body {"error": message, "error_type": type} with the status's standard type
// (error_type_for) unless one is given.
HttpResponse error_response(int status, std::string_view message, std::string_view error_type = {});

// "bad_request" for 400, "validation" for 422, "overloaded" for 429, ...
std::string_view error_type_for(int status);
std::string_view reason_phrase(int status);

// Appends status line, headers and body. `keep_alive` false adds `connection: close`.
void append_response(std::string& out, const HttpResponse& response, bool keep_alive);

// The interim answer to `Expect: 100-continue`.
inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace encore::server
