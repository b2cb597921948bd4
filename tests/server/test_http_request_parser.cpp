#include <doctest/doctest.h>

#include <string>

#include "server/http_request_parser.h"

using encore::server::HttpLimits;
using encore::server::HttpRequestParser;
using encore::server::ParseStatus;

namespace {

// Parses a whole buffer in one call; returns the status and leaves the parser for inspection.
ParseStatus parse_all(HttpRequestParser& parser, std::string_view text) {
  return parser.parse(text);
}

int error_of(std::string_view text, const HttpLimits& limits = {}) {
  HttpRequestParser parser(limits);
  return parser.parse(text) == ParseStatus::kError ? parser.error_status() : 0;
}

}  // namespace

TEST_CASE("a GET with headers parses into views of the buffer") {
  const std::string text =
      "GET /info?x=1 HTTP/1.1\r\nHost: a\r\nX-Thing:  spaced value \t\r\nAccept: */*\r\n\r\n";
  HttpRequestParser parser;
  REQUIRE(parse_all(parser, text) == ParseStatus::kComplete);
  const auto& r = parser.request();
  CHECK(r.method == "GET");
  CHECK(r.target == "/info?x=1");
  CHECK(r.path == "/info");
  CHECK(r.version_minor == 1);
  CHECK(r.headers.size() == 3);
  CHECK(r.header("x-thing") == "spaced value");
  CHECK(r.header("HOST") == "a");
  CHECK(r.header("missing").empty());
  CHECK(r.body.empty());
  CHECK(r.keep_alive);
  CHECK(parser.consumed() == text.size());
  CHECK(r.method.data() == text.data());  // zero-copy
}

TEST_CASE("a request fed one byte at a time completes exactly at its last byte") {
  const std::string text =
      "POST /predict HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world";
  HttpRequestParser parser;
  for (size_t n = 1; n < text.size(); ++n) {
    REQUIRE(parser.parse(std::string_view(text).substr(0, n)) == ParseStatus::kIncomplete);
  }
  REQUIRE(parser.parse(text) == ParseStatus::kComplete);
  CHECK(parser.request().body == "hello world");
  CHECK(parser.request().method == "POST");
}

TEST_CASE("the parser survives the buffer moving between calls") {
  std::string buffer = "POST /embed HTTP/1.1\r\nHost: h\r\nConte";
  HttpRequestParser parser;
  REQUIRE(parser.parse(buffer) == ParseStatus::kIncomplete);
  buffer += "nt-Length: 2\r\n\r\n";
  buffer.reserve(1 << 16);  // forces a reallocation
  REQUIRE(parser.parse(buffer) == ParseStatus::kIncomplete);
  CHECK(parser.headers_complete());
  buffer += "{}";
  REQUIRE(parser.parse(buffer) == ParseStatus::kComplete);
  CHECK(parser.request().path == "/embed");
  CHECK(parser.request().header("content-length") == "2");
  CHECK(parser.request().body == "{}");
}

TEST_CASE("pipelined requests leave the next request's bytes unconsumed") {
  const std::string first = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
  const std::string second = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string both = first + second;
  HttpRequestParser parser;
  REQUIRE(parser.parse(both) == ParseStatus::kComplete);
  CHECK(parser.request().body == "abc");
  CHECK(parser.consumed() == first.size());
  parser.reset();
  REQUIRE(parser.parse(std::string_view(both).substr(first.size())) == ParseStatus::kComplete);
  CHECK(parser.request().path == "/b");
  CHECK(parser.request().body.empty());
}

TEST_CASE("empty lines before the request line are skipped") {
  HttpRequestParser parser;
  REQUIRE(parser.parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n") == ParseStatus::kComplete);
  CHECK(parser.request().target == "/");
}

TEST_CASE("keep-alive follows the HTTP version and the Connection header") {
  auto keep_alive = [](std::string_view text) {
    HttpRequestParser parser;
    REQUIRE(parser.parse(text) == ParseStatus::kComplete);
    return parser.request().keep_alive;
  };
  CHECK(keep_alive("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  CHECK_FALSE(keep_alive("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  CHECK_FALSE(keep_alive("GET / HTTP/1.1\r\nHost: h\r\nconnection: Upgrade, CLOSE\r\n\r\n"));
  CHECK_FALSE(keep_alive("GET / HTTP/1.0\r\n\r\n"));
  CHECK(keep_alive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  CHECK_FALSE(keep_alive("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"));
}

TEST_CASE("Expect: 100-continue is reported once headers are in") {
  HttpRequestParser parser;
  const std::string head =
      "POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 4\r\n\r\n";
  REQUIRE(parser.parse(head) == ParseStatus::kIncomplete);
  CHECK(parser.headers_complete());
  CHECK(parser.request().expect_continue);
  REQUIRE(parser.parse(head + "body") == ParseStatus::kComplete);
}

TEST_CASE("identical repeated Content-Length headers are accepted") {
  HttpRequestParser parser;
  REQUIRE(parser.parse(
              "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok") ==
          ParseStatus::kComplete);
  CHECK(parser.request().body == "ok");
}

TEST_CASE("malformed framing is answered with 400") {
  CHECK(error_of("GET / HTTP/1.1\nHost: h\n\n") == 400);            // bare LF
  CHECK(error_of("GET  / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);     // empty target
  CHECK(error_of("GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n") == 400);  // control in target
  CHECK(error_of("G(T / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);      // bad method
  CHECK(error_of("GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n") == 400);
  CHECK(error_of("GET / HTTQ/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(error_of("GET /\r\nHost: h\r\n\r\n") == 400);                      // HTTP/0.9
  CHECK(error_of("GET / HTTP/1.1\r\nHost : h\r\n\r\n") == 400);            // space before colon
  CHECK(error_of("GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n") == 400);  // obs-fold
  CHECK(error_of("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n") == 400);
  CHECK(error_of(std::string("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n", 36)) == 400);
  CHECK(error_of("GET / HTTP/1.1\r\n\r\n") == 400);  // no Host
  CHECK(error_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
}

TEST_CASE("bad or conflicting Content-Length is answered with 400") {
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\n";
  CHECK(error_of(head + "Content-Length: -1\r\n\r\n") == 400);
  CHECK(error_of(head + "Content-Length: 1x\r\n\r\n") == 400);
  CHECK(error_of(head + "Content-Length: \r\n\r\n") == 400);
  CHECK(error_of(head + "Content-Length: 1, 1\r\n\r\n") == 400);
  CHECK(error_of(head + "Content-Length: 99999999999999999999999\r\n\r\n") == 400);
  CHECK(error_of(head + "Content-Length: 1\r\nContent-Length: 2\r\n\r\n") == 400);
}

TEST_CASE("chunked bodies are refused with 411") {
  CHECK(error_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n") == 411);
  CHECK(error_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: "
                 "chunked\r\n\r\n") == 411);
}

TEST_CASE("size limits give 431 for headers and 413 for bodies, before the body arrives") {
  HttpLimits limits;
  limits.max_header_bytes = 64;
  limits.max_headers = 3;
  limits.max_body_bytes = 10;
  CHECK(error_of("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(100, 'a'), limits) == 431);
  CHECK(error_of(std::string(100, '\r') + "\n", limits) == 431);
  CHECK(error_of(std::string(40, '\r') + std::string(40, '\n'), limits) == 400);
  std::string crlfs;
  for (int i = 0; i < 40; ++i) crlfs += "\r\n";
  CHECK(error_of(crlfs, limits) == 431);
  CHECK(error_of("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits) == 431);
  CHECK(error_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits) == 413);
  CHECK(error_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n", limits) == 0);
}

TEST_CASE("versions other than HTTP/1.x get 505") {
  CHECK(error_of("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == 505);
  CHECK(error_of("GET / HTTP/1.0\r\n\r\n") == 0);
}

TEST_CASE("reset() clears every field of the previous request") {
  HttpRequestParser parser;
  REQUIRE(parser.parse("POST /x HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz") ==
          ParseStatus::kComplete);
  CHECK_FALSE(parser.request().keep_alive);
  parser.reset();
  REQUIRE(parser.parse("GET /y HTTP/1.1\r\nHost: h\r\n\r\n") == ParseStatus::kComplete);
  CHECK(parser.request().keep_alive);
  CHECK_FALSE(parser.request().expect_continue);
  CHECK(parser.request().body.empty());
  CHECK(parser.request().headers.size() == 1);
}
