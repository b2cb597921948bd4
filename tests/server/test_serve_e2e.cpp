// End-to-end: `encore serve` on a small random-weight model, driven over loopback by raw sockets
// (exact bytes: pipelining, malformed input) and curl (a real client: keep-alive, large bodies).
#include <doctest/doctest.h>
#include <simdjson.h>

#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/test_client.h"

using encore::test::Client;
using encore::test::make_request;
using encore::test::Response;
using encore::test::ServeProcess;

namespace {

// One server for the cases that do not need special flags; started on first use.
ServeProcess& shared_server() {
  static ServeProcess server({"--model", encore::test::tiny_model_dir(), "--threads", "1"});
  static const bool healthy = server.wait_for_health(200);
  REQUIRE(healthy);
  return server;
}

Response request(std::string_view method, std::string_view path, std::string_view body = {},
                 std::string_view headers = {}) {
  auto response =
      encore::test::fetch(shared_server().port(), make_request(method, path, body, headers));
  REQUIRE(response.has_value());
  return *response;
}

simdjson::dom::element parse_json(simdjson::dom::parser& parser, const std::string& text) {
  simdjson::dom::element doc;
  REQUIRE_MESSAGE(parser.parse(text).get(doc) == simdjson::SUCCESS, text);
  return doc;
}

std::string error_type_of(const Response& response) {
  simdjson::dom::parser parser;
  auto doc = parse_json(parser, response.body);
  CHECK(doc["error"].is_string());
  return std::string(doc["error_type"].get_string().value());
}

std::string repeat(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

bool model_available() {
  if (!encore::test::tiny_model_dir().empty()) return true;
  MESSAGE("skipped: the demo model could not be written (see stderr)");
  return false;
}

}  // namespace

TEST_CASE("health, info and metrics answer with the compute headers") {
  if (!model_available()) return;
  Response health = request("GET", "/health");
  CHECK(health.status == 200);
  CHECK(health.headers.count("x-compute-time") == 1);
  CHECK(health.headers["x-compute-tokens"] == "0");
  CHECK(health.headers["content-type"] == "application/json");

  Response info = request("GET", "/info");
  REQUIRE(info.status == 200);
  simdjson::dom::parser parser;
  auto doc = parse_json(parser, info.body);
  CHECK(std::string(doc["task"].get_string().value()) == "classify");
  CHECK(doc["ready"].get_bool().value());
  CHECK(doc["labels"].get_array().size() > 0);
  const std::string isa(doc["isa"].get_string().value());
  CHECK((isa == "avx512_vnni" || isa == "avx512" || isa == "portable"));
  CHECK(!doc["highway_target"].get_string().value().empty());
  CHECK(std::string(doc["precision"].get_string().value()) == "fp32");
  CHECK(!doc["linear_kernels"].get_string().value().empty());
  CHECK(doc["max_batch_tokens"].get_uint64().value() == 0);

  Response metrics = request("GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.headers["content-type"].rfind("text/plain", 0) == 0);
  CHECK(metrics.body.find("encore_requests_total{route=\"/health\",status=\"200\"}") !=
        std::string::npos);
  CHECK(metrics.body.find("encore_inference_duration_seconds_bucket") != std::string::npos);
  CHECK(metrics.body.find("encore_queue_size 0") != std::string::npos);
  CHECK(metrics.body.find("encore_batch_requests_bucket") != std::string::npos);
}

// Count of `encore_requests_total{route="/predict",status="200"}` in a /metrics answer (0 if absent).
long predict_count(const std::string& metrics) {
  const std::string key = "encore_requests_total{route=\"/predict\",status=\"200\"} ";
  const size_t at = metrics.find(key);
  return at == std::string::npos ? 0 : std::atol(metrics.c_str() + at + key.size());
}

// The worker answers on the socket itself and does not wake the I/O thread for its bookkeeping
// (server/worker_pool.h); a /metrics request on another connection right after the answer must
// still count it.
TEST_CASE("/metrics counts a model request as soon as its answer has arrived") {
  if (!model_available()) return;
  for (int i = 0; i < 5; ++i) {
    const long before = predict_count(request("GET", "/metrics").body);
    REQUIRE(request("POST", "/predict", R"({"inputs": "counted"})").status == 200);
    CHECK(predict_count(request("GET", "/metrics").body) == before + 1);
  }
}

TEST_CASE("/info names the kernels in use, lowered by ENCORE_ISA") {
  if (!model_available()) return;
  ::setenv("ENCORE_ISA", "portable", 1);
  ServeProcess server({"--model", encore::test::tiny_model_dir(), "--threads", "1"});
  ::unsetenv("ENCORE_ISA");
  REQUIRE(server.wait_for_health(200));
  auto info = encore::test::fetch(server.port(), make_request("GET", "/info"));
  REQUIRE(info.has_value());
  simdjson::dom::parser parser;
  auto doc = parse_json(parser, info->body);
  CHECK(std::string(doc["isa"].get_string().value()) == "portable");
  CHECK(std::string(doc["linear_kernels"].get_string().value()) == "highway_f32");
}

TEST_CASE("the model routes answer in pipeline and TEI shapes") {
  if (!model_available()) return;
  simdjson::dom::parser parser;

  Response one = request("POST", "/predict", R"({"inputs": "I love this"})");
  REQUIRE(one.status == 200);
  CHECK(std::stoi(one.headers["x-compute-tokens"]) == 5);  // [CLS] i love this [SEP]
  auto labels = parse_json(parser, one.body).get_array().value();
  CHECK(labels.size() == 1);
  CHECK(labels.at(0)["label"].is_string());
  CHECK(labels.at(0)["score"].is_number());

  Response all = request("POST", "/predict",
                         R"({"inputs": ["a", {"text": "b", "text_pair": "c"}, ["d", "e"]],
                             "parameters": {"top_k": null, "function_to_apply": "sigmoid"}})");
  REQUIRE(all.status == 200);
  auto rows = parse_json(parser, all.body).get_array().value();
  CHECK(rows.size() == 3);
  CHECK(rows.at(0).get_array().size() == 6);  // every emotion label

  Response embed = request("POST", "/embed", R"({"inputs": ["hello", "world"]})");
  REQUIRE(embed.status == 200);
  auto vectors = parse_json(parser, embed.body).get_array().value();
  CHECK(vectors.size() == 2);
  CHECK(vectors.at(0).get_array().size() == 32);

  Response rerank = request("POST", "/rerank", R"({"query": "q", "texts": ["a", "b", "c"]})");
  REQUIRE(rerank.status == 200);
  CHECK(parse_json(parser, rerank.body).get_array().size() == 3);

  Response tokens = request("POST", "/tokenize", R"({"inputs": "Hello world"})");
  REQUIRE(tokens.status == 200);
  auto first = parse_json(parser, tokens.body).get_array().at(0).get_array().value();
  CHECK(first.size() == 4);
  CHECK(std::string(first.at(1)["text"].get_string().value()) == "Hello");
  CHECK(first.at(0)["special"].get_bool().value());
}

TEST_CASE("keep-alive: several requests on one connection") {
  if (!model_available()) return;
  Client client(shared_server().port());
  for (int i = 0; i < 3; ++i) {
    client.send(make_request("POST", "/predict", R"({"inputs": "again"})"));
    auto response = client.read_response();
    REQUIRE(response.has_value());
    CHECK(response->status == 200);
    CHECK(response->headers.count("connection") == 0);
  }
  client.send(make_request("GET", "/health", {}, "Connection: close\r\n"));
  auto last = client.read_response();
  REQUIRE(last.has_value());
  CHECK(last->headers["connection"] == "close");
  CHECK(client.wait_for_close());
}

TEST_CASE("pipelining: requests sent in one write are answered in order") {
  if (!model_available()) return;
  Client client(shared_server().port());
  // A model route (answered by a worker) before a route the I/O thread answers at once.
  client.send(make_request("POST", "/tokenize", R"({"inputs": "one two three"})") +
              make_request("GET", "/health") +
              make_request("POST", "/tokenize", R"({"inputs": "four"})"));
  auto first = client.read_response(), second = client.read_response(),
       third = client.read_response();
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  REQUIRE(third.has_value());
  CHECK(first->headers["x-compute-tokens"] == "5");
  CHECK(second->body == R"({"status":"ok"})");
  CHECK(third->headers["x-compute-tokens"] == "3");
}

TEST_CASE("an answer larger than the socket buffers arrives whole, then the next pipelined one") {
  if (!model_available()) return;
  // The tokens of 2,000 inputs, megabytes of JSON. The worker writes what the socket takes while
  // the client is not reading; the I/O thread must send the rest, then the next answer.
  std::string inputs;
  for (int i = 0; i < 2000; ++i) inputs += (i ? ",\"" : "\"") + repeat("word ", 40) + "\"";
  const std::string body = R"({"inputs": [)" + inputs + "]}";
  const Response reference = request("POST", "/tokenize", body);  // read as it comes
  REQUIRE_MESSAGE(reference.status == 200, reference.body);
  REQUIRE(reference.body.size() > 4'000'000);

  Client client(shared_server().port());
  client.send(make_request("POST", "/tokenize", body) + make_request("GET", "/health"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto first = client.read_response(), second = client.read_response();
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(first->status == 200);
  CHECK(first->body == reference.body);
  CHECK(second->body == R"({"status":"ok"})");
}

TEST_CASE("malformed requests get their status code and a JSON error") {
  if (!model_available()) return;
  struct Case {
    std::string name, request;
    int status;
  };
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const Case cases[] = {
      {"not JSON", make_request("POST", "/predict", "inputs=hello"), 400},
      {"empty body", make_request("POST", "/predict", ""), 400},
      {"invalid UTF-8", make_request("POST", "/predict", "{\"inputs\": \"\xff\xfe\"}"), 400},
      {"deep nesting", make_request("POST", "/predict", "{\"inputs\": " + deep + "}"), 400},
      {"trailing garbage", make_request("POST", "/embed", "{\"inputs\": \"a\"} x"), 400},
      {"wrong shape", make_request("POST", "/predict", R"({"input": "typo"})"), 422},
      {"wrong type", make_request("POST", "/embed", R"({"inputs": 3})"), 422},
      {"empty list", make_request("POST", "/predict", R"({"inputs": []})"), 422},
      {"bad parameter",
       make_request("POST", "/predict", R"({"inputs": "a", "parameters": {"top_k": 0}})"), 422},
      {"foreign parameter",
       make_request("POST", "/predict", R"({"inputs": "a", "parameters": {"pooling": "mean"}})"),
       422},
      {"bad choice",
       make_request("POST", "/predict",
                    R"({"inputs": "a", "parameters": {"function_to_apply": "tanh"}})"),
       422},
      {"too long", make_request("POST", "/predict", "{\"inputs\": \"" + repeat(" b", 100) + "\"}"),
       422},
      {"unknown route", make_request("GET", "/nope"), 404},
      {"wrong method", make_request("GET", "/predict"), 405},
      {"chunked",
       "POST /predict HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
       "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
       411},
      {"too large", "POST /predict HTTP/1.1\r\nHost: h\r\nContent-Length: 3000000\r\n\r\n", 413},
      {"bad Content-Length", "POST /predict HTTP/1.1\r\nHost: h\r\nContent-Length: 12abc\r\n\r\n",
       400},
      {"conflicting Content-Length",
       "POST /predict HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
       400},
      {"huge header",
       "GET /health HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(20000, 'x') + "\r\n\r\n", 431},
      {"HTTP/2.0", "GET /health HTTP/2.0\r\nHost: h\r\n\r\n", 505},
      {"garbage", "\x16\x03\x01\x02\xfc\x03\x03\r\n\r\n", 400},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    auto response = encore::test::fetch(shared_server().port(), c.request);
    REQUIRE(response.has_value());
    CHECK(response->status == c.status);
    CHECK(!error_type_of(*response).empty());
    CHECK(response->headers.count("x-compute-time") == 1);
  }
  CHECK(request("POST", "/predict", R"({"inputs": "still fine"})").status == 200);
}

TEST_CASE("truncation is applied only when asked for") {
  if (!model_available()) return;
  const std::string text = R"(")" + repeat(" word", 100).append(R"(")");
  CHECK(request("POST", "/predict", "{\"inputs\": " + text + "}").status == 422);
  Response cut = request("POST", "/predict",
                         "{\"inputs\": " + text + ", \"parameters\": {\"truncation\": true}}");
  CHECK(cut.status == 200);
  CHECK(cut.headers["x-compute-tokens"] == "64");
}

TEST_CASE("broken framing leaves the server answering correctly") {
  if (!model_available()) return;
  const uint16_t port = shared_server().port();
  {  // truncated headers, then the client leaves
    Client client(port);
    client.send("POST /predict HTTP/1.1\r\nHost: h\r\nContent-Len");
  }
  {  // body shorter than announced, then the client leaves
    Client client(port);
    client.send(make_request("POST", "/predict", R"({"inputs": "a"})").substr(0, 70));
  }
  {  // body longer than announced: the excess is parsed as the next request and refused
    Client client(port);
    client.send(
        "POST /predict HTTP/1.1\r\nHost: h\r\nContent-Length: 15\r\n\r\n{\"inputs\": \"a\"}EXTRA "
        "BYTES\r\n\r\n");
    auto first = client.read_response();
    REQUIRE(first.has_value());
    CHECK(first->status == 200);
    auto second = client.read_response();
    REQUIRE(second.has_value());
    CHECK(second->status == 400);
    CHECK(client.wait_for_close());
  }
  {  // a bare LF line ending
    Client client(port);
    client.send("GET /health HTTP/1.1\nHost: h\n\n");
    auto response = client.read_response();
    REQUIRE(response.has_value());
    CHECK(response->status == 400);
  }
  Response health = request("GET", "/health");
  CHECK(health.status == 200);
  CHECK(health.body == R"({"status":"ok"})");
}

TEST_CASE("curl: keep-alive across requests, a 10 MB body is refused with 413") {
  if (!model_available()) return;
  const std::string base = "http://127.0.0.1:" + std::to_string(shared_server().port());
  const std::string reuse = encore::test::run_command("curl -sv --max-time 20 -o /dev/null " +
                                                      base + "/health " + base + "/info 2>&1");
  CHECK(reuse.find("Re-using existing connection") != std::string::npos);

  const std::string codes = encore::test::run_command(
      "curl -s --max-time 20 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' "
      "--data '{\"inputs\": \"hi\"}' " +
      base + "/predict");
  CHECK(codes == "200");

  const std::string big = encore::test::run_command(
      "head -c 10485760 /dev/zero | tr '\\0' 'a' | curl -s --max-time 20 -o /dev/null -w "
      "'%{http_code}' "
      "--data-binary @- " +
      base + "/predict");
  CHECK(big == "413");
  CHECK(request("GET", "/health").status == 200);
}

TEST_CASE("API key, full queue, time-outs and slow clients") {
  if (!model_available()) return;
  ServeProcess server({"--model", encore::test::tiny_model_dir(), "--threads", "1", "--api-key",
                       "s3cret", "--queue-size", "0", "--request-timeout-ms", "300",
                       "--idle-timeout-ms", "300"});
  REQUIRE(server.wait_for_health(200));
  const uint16_t port = server.port();

  auto no_key = encore::test::fetch(port, make_request("GET", "/info"));
  REQUIRE(no_key.has_value());
  CHECK(no_key->status == 401);
  CHECK(error_type_of(*no_key) == "unauthorized");
  auto wrong_key = encore::test::fetch(
      port, make_request("GET", "/info", {}, "Authorization: Bearer s3cre\r\n"));
  REQUIRE(wrong_key.has_value());
  CHECK(wrong_key->status == 401);
  auto good_key = encore::test::fetch(
      port, make_request("GET", "/info", {}, "Authorization: Bearer s3cret\r\n"));
  REQUIRE(good_key.has_value());
  CHECK(good_key->status == 200);

  // --queue-size 0: no request may wait for the worker.
  auto full = encore::test::fetch(port, make_request("POST", "/predict", R"({"inputs": "a"})",
                                                     "Authorization: Bearer s3cret\r\n"));
  REQUIRE(full.has_value());
  CHECK(full->status == 429);
  CHECK(error_type_of(*full) == "overloaded");

  {  // a request that never completes
    Client client(port);
    client.send("GET /health HTTP/1.1\r\nHo");
    auto response = client.read_response();
    REQUIRE(response.has_value());
    CHECK(response->status == 408);
    CHECK(client.wait_for_close());
  }
  {  // one byte at a time does not extend the deadline
    Client client(port);
    const std::string request = make_request("GET", "/health");
    for (char byte : request) {
      client.send(std::string_view(&byte, 1));
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    auto response = client.read_response();
    REQUIRE(response.has_value());
    CHECK(response->status == 408);
  }
  {  // an idle keep-alive connection is closed
    Client client(port);
    client.send(make_request("GET", "/health"));
    REQUIRE(client.read_response().has_value());
    CHECK(client.wait_for_close());
  }
  CHECK(encore::test::fetch(port, make_request("GET", "/health"))->status == 200);
}

TEST_CASE("connections over --max-connections get 503") {
  if (!model_available()) return;
  ServeProcess server(
      {"--model", encore::test::tiny_model_dir(), "--threads", "1", "--max-connections", "1"});
  REQUIRE(server.wait_for_health(200));
  Client first(server.port());
  first.send(make_request("GET", "/health"));
  REQUIRE(first.read_response().has_value());
  Client second(server.port());
  auto refused = second.read_response();
  REQUIRE(refused.has_value());
  CHECK(refused->status == 503);
  CHECK(second.wait_for_close());
  first.send(make_request("GET", "/health"));
  auto still = first.read_response();
  REQUIRE(still.has_value());
  CHECK(still->status == 200);
}

TEST_CASE("SIGTERM answers the request in flight, then exits cleanly") {
  if (!model_available()) return;
  ServeProcess server({"--model", encore::test::tiny_model_dir(), "--threads", "1"});
  REQUIRE(server.wait_for_health(200));
  Client idle(server.port());
  Client busy(server.port());
  busy.send(make_request("POST", "/predict", R"({"inputs": "finish me"})"));
  CHECK(server.terminate() == 0);
  auto response = busy.read_response();
  REQUIRE(response.has_value());
  CHECK(response->status == 200);
  CHECK(busy.wait_for_close());
  CHECK(idle.wait_for_close());
  CHECK(server.output().find("stopped") != std::string::npos);
}

TEST_CASE("10,000 idle connections: those over the limit get 503, the server keeps answering") {
  if (!model_available()) return;
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  const int attempts = static_cast<int>(std::min<rlim_t>(10'000, limit.rlim_cur - 64));
  if (attempts < 10'000)
    MESSAGE("only ", attempts, " connections: RLIMIT_NOFILE is ", limit.rlim_cur);
  const int max_connections = attempts / 10;
  ServeProcess server({"--model", encore::test::tiny_model_dir(), "--threads", "1",
                       "--max-connections", std::to_string(max_connections)});
  REQUIRE(server.wait_for_health(200));
  {
    std::vector<std::unique_ptr<Client>> idle;
    for (int i = 0; i < attempts; ++i) idle.push_back(std::make_unique<Client>(server.port()));
    // Every accepted connection is now held: a new one is refused.
    auto refused = encore::test::fetch(server.port(), make_request("GET", "/health"));
    REQUIRE(refused.has_value());
    CHECK(refused->status == 503);
    int answered = 0;
    for (int i = attempts - 10; i < attempts; ++i) {
      auto response = idle[i]->read_response();
      answered += response && response->status == 503;
    }
    CHECK(answered == 10);  // the last ones are over the limit and were told so
  }
  CHECK(server.wait_for_health(200, std::chrono::seconds(30)));
  CHECK(server.terminate() == 0);
}

TEST_CASE("/predict answers exactly what `encore predict` prints for the same input") {
  if (!model_available()) return;
  struct Case {
    std::string cli_flags, parameters;
  };
  const Case cases[] = {
      {"", "{}"},
      {"--top-k all --function sigmoid", R"({"top_k": null, "function_to_apply": "sigmoid"})"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.cli_flags);
    std::string cli = encore::test::run_command(
        std::string(std::getenv("ENCORE_BIN")) + " predict --model " + encore::test::tiny_model_dir() +
        " --threads 1 " + c.cli_flags + " 'the same words, twice'");
    while (!cli.empty() && cli.back() == '\n') cli.pop_back();
    Response http = request("POST", "/predict",
                            R"({"inputs": "the same words, twice", "parameters": )" + c.parameters + "}");
    CHECK(http.status == 200);
    CHECK(http.body == cli);
  }
}
