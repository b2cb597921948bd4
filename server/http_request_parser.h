// HttpRequestParser — incremental HTTP/1.1 request parser over a connection's read buffer.
//
// Call parse() with the unconsumed bytes each time more arrive; it resumes where it stopped (lines
// already seen are not scanned again) and only records offsets, so the caller's buffer may grow or
// move between calls. On kComplete, request() holds string_views into the buffer last passed in,
// and consumed() says where the next pipelined request starts. Call reset() before the next one.
//
// Policy (RFC 9112, strict where leniency lets requests be smuggled):
// - lines end in CRLF; a bare LF, obs-fold, whitespace before a header colon → 400;
// - empty lines before the request line are skipped (RFC 9112 §2.2);
// - bodies only by Content-Length; any Transfer-Encoding (chunked included) → 411, so a client
//   must announce the length; a malformed Content-Length, or several that disagree → 400;
// - request line + headers over max_header_bytes, or more than max_headers fields → 431;
//   Content-Length over max_body_bytes → 413, answered before the body is read;
// - HTTP/1.0 and HTTP/1.1 only (else 505); keep-alive is 1.1's default unless `Connection: close`,
//   and 1.0's only with `Connection: keep-alive`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace encore::server {

struct HttpLimits {
  size_t max_header_bytes = 16 * 1024;
  size_t max_headers = 100;
  size_t max_body_bytes = 2 * 1024 * 1024;
};

struct HttpHeader {
  std::string_view name;   // as sent; compare with iequals()
  std::string_view value;  // surrounding whitespace trimmed
};

struct HttpRequest {
  std::string_view method;
  std::string_view target;  // as sent: path plus optional "?query"
  std::string_view path;    // target up to '?'
  int version_minor = 1;    // HTTP/1.<minor>
  std::vector<HttpHeader> headers;
  std::string_view body;
  bool keep_alive = true;
  bool expect_continue = false;  // `Expect: 100-continue`: the client waits before sending the body

  // First header with this name (case-insensitive), or an empty view.
  std::string_view header(std::string_view name) const;
};

enum class ParseStatus { kIncomplete, kComplete, kError };

class HttpRequestParser {
 public:
  explicit HttpRequestParser(const HttpLimits& limits = {}) : limits_(limits) {}

  ParseStatus parse(std::string_view buffer);
  void reset();

  // True once the header block is parsed (request() then has everything but the body).
  bool headers_complete() const { return state_ == State::kBody || state_ == State::kDone; }
  const HttpRequest& request() const { return request_; }
  size_t consumed() const { return consumed_; }

  // After kError: the status to answer with (400, 411, 413, 431, 505) and why.
  int error_status() const { return error_status_; }
  std::string_view error_message() const { return error_message_; }

 private:
  enum class State { kRequestLine, kHeaders, kBody, kDone, kError };
  struct Span {
    uint32_t offset = 0, length = 0;
  };
  struct HeaderSpan {
    Span name, value;
  };

  ParseStatus fail(int status, std::string_view message);
  bool parse_request_line(std::string_view line, size_t offset);
  bool parse_header_line(std::string_view line, size_t offset);
  bool finish_headers(std::string_view buffer);
  void bind_views(std::string_view buffer);

  HttpLimits limits_;
  State state_ = State::kRequestLine;
  size_t scan_ = 0;   // next byte to look at
  size_t start_ = 0;  // first byte of the request line (after skipped empty lines)
  size_t body_start_ = 0;
  size_t content_length_ = 0;
  size_t consumed_ = 0;
  Span method_, target_;
  std::vector<HeaderSpan> header_spans_;
  HttpRequest request_;
  int error_status_ = 0;
  std::string_view error_message_;
};

// ASCII case-insensitive comparison, for header names and tokens.
bool iequals(std::string_view a, std::string_view b);

}  // namespace encore::server
