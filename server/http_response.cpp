#include "server/http_response.h"

#include <charconv>

#include "support/json_writer.h"

namespace encore::server {
namespace {

struct StatusInfo {
  int status;
  std::string_view reason;
  std::string_view error_type;
};

constexpr StatusInfo kStatuses[] = {
    {200, "OK", ""},
    {400, "Bad Request", "bad_request"},
    {401, "Unauthorized", "unauthorized"},
    {404, "Not Found", "not_found"},
    {405, "Method Not Allowed", "method_not_allowed"},
    {408, "Request Timeout", "timeout"},
    {411, "Length Required", "length_required"},
    {413, "Content Too Large", "payload_too_large"},
    {422, "Unprocessable Content", "validation"},
    {429, "Too Many Requests", "overloaded"},
    {431, "Request Header Fields Too Large", "headers_too_large"},
    {500, "Internal Server Error", "internal"},
    {503, "Service Unavailable", "unavailable"},
    {505, "HTTP Version Not Supported", "http_version"},
};

const StatusInfo* find_status(int status) {
  for (const auto& s : kStatuses) {
    if (s.status == status) return &s;
  }
  return nullptr;
}

void append_number(std::string& out, int64_t value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

// Milliseconds with microsecond resolution: the pipeline takes from tens of µs to seconds.
void append_milliseconds(std::string& out, double ms) {
  char digits[32];
  auto end = std::to_chars(digits, digits + sizeof digits, ms, std::chars_format::fixed, 3).ptr;
  out.append(digits, end);
}

}  // namespace

std::string_view reason_phrase(int status) {
  const StatusInfo* s = find_status(status);
  return s ? s->reason : "Unknown";
}

std::string_view error_type_for(int status) {
  const StatusInfo* s = find_status(status);
  return s && !s->error_type.empty() ? s->error_type : "error";
}

HttpResponse error_response(int status, std::string_view message, std::string_view error_type) {
  HttpResponse response;
  response.status = status;
  JsonWriter(response.body)
      .begin_object()
      .key("error")
      .value(message)
      .key("error_type")
      .value(error_type.empty() ? error_type_for(status) : error_type)
      .end_object();
  return response;
}

void append_response(std::string& out, const HttpResponse& response, bool keep_alive) {
  out += "HTTP/1.1 ";
  append_number(out, response.status);
  out += ' ';
  out += reason_phrase(response.status);
  out += "\r\ncontent-type: ";
  out += response.content_type;
  out += "\r\ncontent-length: ";
  append_number(out, static_cast<int64_t>(response.body.size()));
  out += "\r\nx-compute-time: ";
  append_milliseconds(out, response.compute_ms);
  out += "\r\nx-compute-tokens: ";
  append_number(out, response.compute_tokens);
  if (response.model_ms >= 0) {
    out += "\r\nx-model-time: ";
    append_milliseconds(out, response.model_ms);
  }
  out += "\r\n";
  out += response.extra_headers;
  if (!keep_alive) out += "connection: close\r\n";
  out += "\r\n";
  out += response.body;
}

}  // namespace encore::server
