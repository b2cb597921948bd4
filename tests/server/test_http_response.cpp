#include <doctest/doctest.h>
#include <simdjson.h>

#include <string>

#include "server/http_request_parser.h"
#include "server/http_response.h"

using namespace encore::server;

TEST_CASE("a response carries status, length, content type and compute headers") {
  HttpResponse response;
  response.body = "{\"ok\":true}";
  response.compute_ms = 1.5;
  response.compute_tokens = 12;
  std::string out = "previous bytes|";
  append_response(out, response, /*keep_alive=*/true);
  const std::string expected =
      "previous bytes|HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n"
      "x-compute-time: 1.500\r\nx-compute-tokens: 12\r\n\r\n{\"ok\":true}";
  CHECK(out == expected);
}

TEST_CASE("an answer that ran the model carries the forward pass's time in x-model-time") {
  HttpResponse response;
  response.body = "[]";
  response.compute_ms = 4.25;
  response.compute_tokens = 8;
  response.model_ms = 3.0624;
  std::string out;
  append_response(out, response, /*keep_alive=*/true);
  CHECK(out ==
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n"
        "x-compute-time: 4.250\r\nx-compute-tokens: 8\r\nx-model-time: 3.062\r\n\r\n[]");
}

TEST_CASE("closing responses say so, and extra headers are kept") {
  HttpResponse response = error_response(401, "missing bearer token");
  response.extra_headers = "www-authenticate: Bearer\r\n";
  std::string out;
  append_response(out, response, /*keep_alive=*/false);
  CHECK(out.rfind("HTTP/1.1 401 Unauthorized\r\n", 0) == 0);
  CHECK(out.find("\r\nwww-authenticate: Bearer\r\nconnection: close\r\n\r\n") != std::string::npos);
}

TEST_CASE("error bodies are JSON with the message and the status's error type") {
  for (int status : {400, 401, 404, 405, 408, 411, 413, 422, 429, 431, 500, 503, 505}) {
    CAPTURE(status);
    HttpResponse response = error_response(status, "why \"quoted\"\n");
    CHECK(response.status == status);
    CHECK(reason_phrase(status) != "Unknown");
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(response.body);
    CHECK(std::string(doc["error"].get_string().value()) == "why \"quoted\"\n");
    CHECK(std::string(doc["error_type"].get_string().value()) == error_type_for(status));
  }
  CHECK(error_type_for(422) == "validation");
  CHECK(error_type_for(429) == "overloaded");
  HttpResponse custom = error_response(422, "too long", "input_too_long");
  CHECK(custom.body.find("\"error_type\":\"input_too_long\"") != std::string::npos);
}
