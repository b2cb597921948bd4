#include "server/http_request_parser.h"

#include <cstring>

namespace encore::server {
namespace {

// RFC 9110 §5.6.2 token characters.
bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (unsigned char c : text) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// Field values may hold visible ASCII, spaces, tabs and obs-text; any other control byte is a
// framing trick or garbage.
bool is_field_value(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 ? c != '\t' : c == 0x7f) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Content-Length = 1*DIGIT; values beyond 2^62 are rejected rather than wrapped.
bool parse_content_length(std::string_view text, size_t& out) {
  if (text.empty() || text.size() > 18) return false;
  size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  out = value;
  return true;
}

// Calls fn(token) for each comma-separated, trimmed, non-empty token of a list-valued header.
template <typename Fn>
void for_each_list_token(std::string_view list, Fn fn) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view token = trim(list.substr(0, comma));
    if (!token.empty()) fn(token);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x |= 0x20;
    if (y >= 'A' && y <= 'Z') y |= 0x20;
    if (x != y) return false;
  }
  return true;
}

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

void HttpRequestParser::reset() {
  state_ = State::kRequestLine;
  scan_ = start_ = body_start_ = content_length_ = consumed_ = 0;
  header_spans_.clear();
  std::vector<HttpHeader> headers = std::move(request_.headers);  // keeps its capacity
  headers.clear();
  request_ = HttpRequest();
  request_.headers = std::move(headers);
  error_status_ = 0;
  error_message_ = {};
}

ParseStatus HttpRequestParser::fail(int status, std::string_view message) {
  state_ = State::kError;
  error_status_ = status;
  error_message_ = message;
  return ParseStatus::kError;
}

ParseStatus HttpRequestParser::parse(std::string_view buffer) {
  while (state_ == State::kRequestLine || state_ == State::kHeaders) {
    const void* found = scan_ < buffer.size()
                            ? std::memchr(buffer.data() + scan_, '\n', buffer.size() - scan_)
                            : nullptr;
    // Skipped empty lines count too, so a stream of CRLFs cannot grow the buffer forever.
    const size_t line_end = found ? static_cast<const char*>(found) - buffer.data() : buffer.size();
    if (line_end > limits_.max_header_bytes) {
      return fail(431, "request line and headers exceed the size limit");
    }
    if (!found) return ParseStatus::kIncomplete;
    if (line_end == scan_ || buffer[line_end - 1] != '\r') {
      return fail(400, "line not terminated by CRLF");
    }
    const std::string_view line = buffer.substr(scan_, line_end - 1 - scan_);
    const size_t line_start = scan_;
    scan_ = line_end + 1;
    if (state_ == State::kRequestLine) {
      if (line.empty()) {
        start_ = scan_;
        continue;
      }
      if (!parse_request_line(line, line_start)) return ParseStatus::kError;
      state_ = State::kHeaders;
    } else if (!line.empty()) {
      if (!parse_header_line(line, line_start)) return ParseStatus::kError;
    } else {
      body_start_ = scan_;
      if (!finish_headers(buffer)) return ParseStatus::kError;
      state_ = State::kBody;
    }
  }
  if (state_ == State::kError) return ParseStatus::kError;
  if (state_ == State::kBody) {
    if (buffer.size() - body_start_ < content_length_) return ParseStatus::kIncomplete;
    consumed_ = body_start_ + content_length_;
    state_ = State::kDone;
  }
  bind_views(buffer);
  return ParseStatus::kComplete;
}

bool HttpRequestParser::parse_request_line(std::string_view line, size_t offset) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) {
    fail(400, "malformed request line");
    return false;
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method)) {
    fail(400, "malformed request method");
    return false;
  }
  if (target.empty()) {
    fail(400, "empty request target");
    return false;
  }
  for (unsigned char c : target) {
    if (c <= 0x20 || c >= 0x7f) {
      fail(400, "invalid byte in request target");
      return false;
    }
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    fail(400, "malformed HTTP version");
    return false;
  }
  if (version[5] != '1') {
    fail(505, "only HTTP/1.0 and HTTP/1.1 are supported");
    return false;
  }
  request_.version_minor = version[7] - '0';
  method_ = {static_cast<uint32_t>(offset), static_cast<uint32_t>(method.size())};
  target_ = {static_cast<uint32_t>(offset + sp1 + 1), static_cast<uint32_t>(target.size())};
  return true;
}

bool HttpRequestParser::parse_header_line(std::string_view line, size_t offset) {
  if (line.front() == ' ' || line.front() == '\t') {
    fail(400, "obsolete header line folding");
    return false;
  }
  if (header_spans_.size() == limits_.max_headers) {
    fail(431, "too many header fields");
    return false;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
    fail(400, "malformed header field name");
    return false;
  }
  const std::string_view raw_value = line.substr(colon + 1);
  const std::string_view value = trim(raw_value);
  if (!is_field_value(value)) {
    fail(400, "invalid byte in header field value");
    return false;
  }
  const size_t value_offset = offset + colon + 1 + (value.data() - raw_value.data());
  header_spans_.push_back(
      {{static_cast<uint32_t>(offset), static_cast<uint32_t>(colon)},
       {static_cast<uint32_t>(value_offset), static_cast<uint32_t>(value.size())}});
  return true;
}

bool HttpRequestParser::finish_headers(std::string_view buffer) {
  bind_views(buffer);
  HttpRequest& r = request_;
  r.keep_alive = r.version_minor >= 1;
  bool has_length = false, connection_close = false, connection_keep_alive = false;
  int hosts = 0;
  for (const auto& h : r.headers) {
    if (iequals(h.name, "content-length")) {
      size_t length = 0;
      if (!parse_content_length(h.value, length)) {
        fail(400, "malformed Content-Length");
        return false;
      }
      if (has_length && length != content_length_) {
        fail(400, "conflicting Content-Length headers");
        return false;
      }
      has_length = true;
      content_length_ = length;
    } else if (iequals(h.name, "transfer-encoding")) {
      fail(411, "Transfer-Encoding (chunked) is not supported: send Content-Length");
      return false;
    } else if (iequals(h.name, "connection")) {
      for_each_list_token(h.value, [&](std::string_view token) {
        connection_close |= iequals(token, "close");
        connection_keep_alive |= iequals(token, "keep-alive");
      });
    } else if (iequals(h.name, "expect")) {
      r.expect_continue = iequals(h.value, "100-continue");
    } else if (iequals(h.name, "host")) {
      ++hosts;
    }
  }
  if (r.version_minor >= 1 && hosts != 1) {
    fail(400, "HTTP/1.1 requires exactly one Host header");
    return false;
  }
  if (content_length_ > limits_.max_body_bytes) {
    fail(413, "request body exceeds the size limit");
    return false;
  }
  r.keep_alive = !connection_close && (r.version_minor >= 1 || connection_keep_alive);
  r.expect_continue = r.expect_continue && content_length_ > 0;
  return true;
}

void HttpRequestParser::bind_views(std::string_view buffer) {
  auto view = [&](Span s) { return buffer.substr(s.offset, s.length); };
  request_.method = view(method_);
  request_.target = view(target_);
  request_.path = request_.target.substr(0, request_.target.find('?'));
  request_.headers.clear();
  for (const auto& h : header_spans_) request_.headers.push_back({view(h.name), view(h.value)});
  request_.body =
      state_ == State::kDone ? buffer.substr(body_start_, content_length_) : std::string_view();
}

}  // namespace encore::server
