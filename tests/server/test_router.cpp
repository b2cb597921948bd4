#include <doctest/doctest.h>
#include <simdjson.h>

#include <atomic>
#include <string>

#include "server/http_error.h"
#include "server/router.h"
#include "support/error.h"

using namespace encore;
using namespace encore::server;

namespace {

// Answers with what it was asked, so the tests see what the router passed through.
class FakeBackend : public ModelBackend {
 public:
  std::atomic<bool> loaded{false};
  int predict_calls = 0;
  bool ready() const override { return loaded; }
  Task task() const override { return Task::kClassify; }
  void describe(JsonWriter& info) const override { info.key("task").value("classify"); }
  void predict(std::span<const PredictRequest* const> requests,
               std::span<ModelAnswer> answers) override {
    ++predict_calls;
    for (size_t i = 0; i < requests.size(); ++i) {
      const std::string_view text = requests[i]->inputs[0].text;
      if (text == "too long") throw Error("input has 600 tokens, more than 512");
      if (text == "bad" && requests.size() > 1) throw Error("cannot run in this batch");
      answers[i] = {"\"predict " + std::string(text) + "\"", 7, 0.001, 0.002};
    }
  }
  void embed(std::span<const EmbedRequest* const> requests,
             std::span<ModelAnswer> answers) override {
    for (size_t i = 0; i < requests.size(); ++i) {
      answers[i] = {"\"embed " + std::to_string(requests[i]->inputs.size()) + "\"", 3, 0, 0};
    }
  }
  ModelAnswer rerank(const RerankRequest&) override {
    throw HttpError(422, "this model cannot rerank");
  }
  ModelAnswer tokenize(const TokenizeRequest&) override { return {"[]", 1, 0, 0}; }
  // One token per byte: "too long" (8 bytes) and more cannot run without truncation.
  std::optional<size_t> count_tokens(const Input& input, bool) const override {
    if (input.text.size() >= 8) return std::nullopt;
    return input.text.size();
  }
};

HttpResponse run(Work& work);

struct Fixture {
  FakeBackend backend;
  Metrics metrics;
  Router router{backend, metrics, {}};
  std::string buffer;
  HttpRequestParser parser;

  Dispatch send(std::string_view method, std::string_view path, std::string_view body = {},
                std::string_view headers = {}) {
    buffer = std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: h\r\n" +
             std::string(headers) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
             std::string(body);
    parser.reset();
    REQUIRE(parser.parse(buffer) == ParseStatus::kComplete);
    return router.dispatch(parser.request());
  }

  // Dispatches and, for model routes, runs the work as a worker would.
  HttpResponse answer(std::string_view method, std::string_view path, std::string_view body = {}) {
    Dispatch dispatch = send(method, path, body);
    return dispatch.work ? run(*dispatch.work) : dispatch.response;
  }
};

HttpResponse run(Work& work) {
  std::vector<HttpResponse> responses;
  work.run(responses);
  REQUIRE(responses.size() == 1);
  return responses[0];
}

std::string error_type(const HttpResponse& response) {
  simdjson::dom::parser parser;
  return std::string(parser.parse(response.body)["error_type"].get_string().value());
}

}  // namespace

TEST_CASE("unknown paths are 404, known paths with the wrong method 405") {
  Fixture f;
  CHECK(f.answer("GET", "/missing").status == 404);
  CHECK(f.answer("POST", "/health").status == 405);
  CHECK(f.answer("GET", "/predict").status == 405);
  CHECK(error_type(f.answer("GET", "/predict")) == "method_not_allowed");
}

TEST_CASE("health is 503 until the model is ready; model routes too, without queueing") {
  Fixture f;
  CHECK(f.answer("GET", "/health").status == 503);
  Dispatch early = f.send("POST", "/predict", R"({"inputs": "x"})");
  CHECK_FALSE(early.work);
  CHECK(early.response.status == 503);
  CHECK(error_type(early.response) == "unavailable");
  f.backend.loaded = true;
  CHECK(f.answer("GET", "/health").status == 200);
  CHECK(f.send("GET", "/health?probe=1").response.status == 200);  // the query is not the path
}

TEST_CASE("model routes run on a worker with their own copy of the body") {
  Fixture f;
  f.backend.loaded = true;
  Dispatch dispatch = f.send("POST", "/predict", R"({"inputs": "hello"})");
  REQUIRE(dispatch.work);
  CHECK(dispatch.route == "/predict");
  f.buffer.assign(f.buffer.size(), '#');  // the connection buffer is reused before the worker runs
  HttpResponse response = run(*dispatch.work);
  CHECK(response.status == 200);
  CHECK(response.body == "\"predict hello\"");
  CHECK(response.compute_tokens == 7);

  CHECK(f.answer("POST", "/embed", R"({"inputs": ["a", "b"]})").body == "\"embed 2\"");
  CHECK(f.answer("POST", "/predict", "{").status == 400);
  CHECK(f.answer("POST", "/predict", R"({"inputs": 1})").status == 422);
  CHECK(f.answer("POST", "/predict", R"({"inputs": "too long"})").status == 422);
  CHECK(f.answer("POST", "/rerank", R"({"query": "q", "texts": ["a"]})").status == 422);
}

TEST_CASE("with an API key every route but /health needs the bearer token") {
  FakeBackend backend;
  backend.loaded = true;
  Metrics metrics;
  Router router(backend, metrics, {.api_key = "k3y"});
  auto status = [&](std::string_view path, std::string_view auth) {
    std::string text =
        "GET " + std::string(path) + " HTTP/1.1\r\nHost: h\r\n" + std::string(auth) + "\r\n";
    HttpRequestParser parser;
    REQUIRE(parser.parse(text) == ParseStatus::kComplete);
    return router.dispatch(parser.request()).response.status;
  };
  CHECK(status("/info", "") == 401);
  CHECK(status("/info", "Authorization: Bearer k3\r\n") == 401);
  CHECK(status("/info", "Authorization: Bearer k3yy\r\n") == 401);
  CHECK(status("/info", "Authorization: Basic k3y\r\n") == 401);
  CHECK(status("/info", "Authorization: Bearer k3y\r\n") == 200);
  CHECK(status("/info", "authorization: bearer k3y\r\n") == 200);
  CHECK(status("/metrics", "") == 401);
  CHECK(status("/health", "") == 200);
}

TEST_CASE("metrics count requests by route and status and record model timings") {
  Fixture f;
  f.backend.loaded = true;
  f.metrics.record_request("/predict", 200, 0.003);
  f.metrics.record_request("/predict", 422, 0.001);
  f.answer("POST", "/predict", R"({"inputs": "x"})");  // records tokenization and inference
  f.metrics.set_queue_size(3);
  const std::string text = f.answer("GET", "/metrics").body;
  CHECK(text.find("encore_requests_total{route=\"/predict\",status=\"200\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("encore_request_failures_total{route=\"/predict\"} 1\n") != std::string::npos);
  CHECK(text.find("encore_input_tokens_bucket{le=\"8\"} 1\n") != std::string::npos);
  CHECK(text.find("encore_inference_duration_seconds_count 1\n") != std::string::npos);
  CHECK(text.find("encore_request_duration_seconds_bucket{le=\"0.0025\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("encore_request_duration_seconds_bucket{le=\"+Inf\"} 2\n") != std::string::npos);
  CHECK(text.find("encore_queue_size 3\n") != std::string::npos);
}

TEST_CASE("dynamic batching: same-parameter requests share one model call within the budget") {
  Fixture f;
  f.backend.loaded = true;
  constexpr size_t kBudget = 6;  // the fake counts one token per byte
  auto work = [&](std::string_view body) { return f.send("POST", "/predict", body).work; };
  auto leader = work(R"({"inputs": "aa"})");
  auto second = work(R"({"inputs": "bbb"})");
  auto over_budget = work(R"({"inputs": "c"})");  // 3 rows × 3 tokens > 6
  CHECK_FALSE(leader->full(kBudget));
  CHECK(leader->absorb(*second, kBudget));
  CHECK(leader->full(kBudget));
  CHECK_FALSE(leader->absorb(*over_budget, kBudget));
  CHECK_FALSE(leader->absorb(*work(R"({"inputs": "c", "parameters": {"top_k": 2}})"), kBudget));
  CHECK_FALSE(leader->absorb(*work("{"), kBudget));                          // malformed
  CHECK_FALSE(leader->absorb(*work(R"({"inputs": "too long"})"), kBudget));  // runs alone
  CHECK_FALSE(leader->absorb(*f.send("POST", "/embed", R"({"inputs": "e"})").work, kBudget));

  std::vector<HttpResponse> responses;
  leader->run(responses);
  CHECK(f.backend.predict_calls == 1);
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].body == "\"predict aa\"");
  CHECK(responses[1].body == "\"predict bbb\"");
  CHECK(f.answer("GET", "/metrics").body.find("encore_batch_requests_bucket{le=\"2\"} 1\n") !=
        std::string::npos);
}

TEST_CASE("dynamic batching: when the batch fails, each request runs alone and gets its answer") {
  Fixture f;
  f.backend.loaded = true;
  auto leader = f.send("POST", "/predict", R"({"inputs": "ok"})").work;
  auto member = f.send("POST", "/predict", R"({"inputs": "bad"})").work;
  REQUIRE(leader->absorb(*member, 100));
  std::vector<HttpResponse> responses;
  leader->run(responses);
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].body == "\"predict ok\"");
  CHECK(responses[1].body == "\"predict bad\"");
}
