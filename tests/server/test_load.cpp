// Load test: 64 concurrent keep-alive connections send /predict for a bounded time
// (ENCORE_LOAD_SECONDS per mode, default 3), in latency mode and in dynamic-batching mode. Every
// answer is checked against `encore predict` for the same input (a separate process: the truth does
// not come from the server), no request may fail, and the server's resident memory may not grow
// after warm-up beyond kMaxRssGrowthKb.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/test_client.h"

using encore::test::Client;
using encore::test::make_request;
using encore::test::ServeProcess;

namespace {

constexpr int kConnections = 64;
// Resident memory may grow this much between the end of warm-up and the end of the run. Every
// per-connection and per-request buffer is sized during warm-up (the same 64 connections and
// inputs), so steady traffic should add nothing; the slack covers allocator bookkeeping (mimalloc
// segments touched by a thread's first allocation in a new size class, the metrics' route map)
// and is far below one leaked body per request (> 100,000 requests × ≥ 200 bytes ≈ 20 MB).
constexpr long kMaxRssGrowthKb = 4 * 1024;
// ASan keeps freed memory in quarantine (RSS grows with every free): there the bound is skipped,
// and LeakSanitizer at the server's exit (terminate() == 0) checks for leaks instead.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif
// Batched and single runs of a row agree within the engine's padded-batch tolerance.
constexpr double kScoreTolerance = 1e-5;

double load_seconds() {
  const char* value = std::getenv("ENCORE_LOAD_SECONDS");
  return value ? std::atof(value) : 3.0;
}

long resident_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

struct Case {
  std::string body;      // the HTTP request body
  std::string expected;  // what `encore predict` printed for the same input
};

// Texts from 3 to ~60 tokens (the test model's maximum is 64), each with two parameter sets, so
// batches meet requests they cannot share a model call with.
std::vector<Case> make_cases() {
  const std::vector<std::string> texts = {
      "hi",
      "I love this",
      "the same words, twice",
      "a slightly longer sentence about nothing in particular, with commas",
      "Numbers 12345 and punctuation!? mixed with UPPER and lower case words",
      "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
      "fifteen sixteen seventeen eighteen nineteen twenty twenty-one twenty-two",
      "short",
      "café naïve résumé — accents and dashes",
  };
  const std::string bin = std::getenv("ENCORE_BIN");
  std::vector<Case> cases;
  for (const std::string& text : texts) {
    for (bool all_labels : {false, true}) {
      std::string cli = encore::test::run_command(
          bin + " predict --model " + encore::test::tiny_model_dir() + " --threads 1 " +
          (all_labels ? "--top-k all " : "") + "'" + text + "'");
      while (!cli.empty() && cli.back() == '\n') cli.pop_back();
      REQUIRE_MESSAGE(cli.rfind("[{", 0) == 0, cli);
      cases.push_back({R"({"inputs": ")" + text + "\"" +
                           (all_labels ? R"(, "parameters": {"top_k": null}})" : "}"),
                       cli});
    }
  }
  return cases;
}

// label → score of a classification answer.
std::map<std::string, double> scores_of(simdjson::dom::parser& parser, const std::string& body) {
  std::map<std::string, double> scores;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) return scores;
  simdjson::dom::array rows;
  if (doc.get(rows) != simdjson::SUCCESS) return scores;
  for (auto row : rows) {
    std::string_view label;
    double score = 0;
    if (row["label"].get(label) || row["score"].get(score)) return {};
    scores[std::string(label)] = score;
  }
  return scores;
}

// Latency mode runs exactly what `encore predict` runs: the bytes must match. A batched row may
// differ in the last float digits, so batching mode compares labels and scores within tolerance.
bool same_answer(simdjson::dom::parser& parser, const std::string& got, const std::string& expected,
                 bool exact) {
  if (exact) return got == expected;
  const auto a = scores_of(parser, got), b = scores_of(parser, expected);
  if (a.empty() || a.size() != b.size()) return false;
  for (const auto& [label, score] : b) {
    auto it = a.find(label);
    if (it == a.end() || std::abs(it->second - score) > kScoreTolerance) return false;
  }
  return true;
}

struct Totals {
  std::atomic<long> requests{0}, errors{0}, wrong{0};
};

void run_client(uint16_t port, const std::vector<Case>& cases, int index, bool exact,
                std::chrono::steady_clock::time_point end, Totals& totals) {
  Client client(port);
  simdjson::dom::parser parser;
  for (size_t i = index; std::chrono::steady_clock::now() < end; i += 7) {
    const Case& c = cases[i % cases.size()];
    client.send(make_request("POST", "/predict", c.body));
    const auto response = client.read_response();
    totals.requests++;
    if (!response || response->status != 200) {
      if (totals.errors++ == 0) MESSAGE("failed: ", c.body, " → ", response ? response->body : "");
      if (!response) return;  // the connection is gone
      continue;
    }
    if (!same_answer(parser, response->body, c.expected, exact)) {
      if (totals.wrong++ == 0)
        MESSAGE("wrong: ", c.body, " → ", response->body, " vs ", c.expected);
    }
  }
}

// Runs the 64 clients for `seconds`; returns what they counted.
void run_load(uint16_t port, const std::vector<Case>& cases, bool exact, double seconds,
              Totals& totals) {
  const auto end = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                       std::chrono::duration<double>(seconds));
  std::vector<std::thread> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.emplace_back([&, i] { run_client(port, cases, i, exact, end, totals); });
  }
  for (auto& t : clients) t.join();
}

double metric_value(const std::string& metrics, const std::string& name) {
  const size_t at = metrics.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::atof(metrics.c_str() + at + name.size() + 2);
}

void load_test(const std::vector<std::string>& extra_flags, bool exact) {
  const std::vector<Case> cases = make_cases();
  std::vector<std::string> args = {
      "--model", encore::test::tiny_model_dir(), "--threads", "1", "--queue-size", "1024"};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  ServeProcess server(args);
  REQUIRE(server.wait_for_health(200));
  const double seconds = load_seconds();

  Totals warm_up;
  run_load(server.port(), cases, exact, std::max(0.5, seconds / 3), warm_up);
  const long rss_after_warm_up = resident_kb(server.pid());
  Totals totals;
  run_load(server.port(), cases, exact, seconds, totals);
  const long rss_at_end = resident_kb(server.pid());

  MESSAGE(totals.requests.load(), " requests in ", seconds, " s on ", kConnections,
          " connections; RSS ", rss_after_warm_up, " kB after warm-up, ", rss_at_end,
          " kB at the end");
  CHECK(warm_up.errors == 0);
  CHECK(warm_up.wrong == 0);
  CHECK(totals.requests > kConnections);
  CHECK(totals.errors == 0);
  CHECK(totals.wrong == 0);
  REQUIRE(rss_after_warm_up > 0);
  if (!kAddressSanitizer) CHECK(rss_at_end - rss_after_warm_up <= kMaxRssGrowthKb);

  const auto metrics = encore::test::fetch(server.port(), make_request("GET", "/metrics"));
  REQUIRE(metrics.has_value());
  const double model_calls = metric_value(metrics->body, "encore_batch_requests_count");
  const double answered = metric_value(metrics->body, "encore_batch_requests_sum");
  MESSAGE(answered, " requests answered by ", model_calls, " model calls");
  CHECK(answered == static_cast<double>(warm_up.requests + totals.requests));
  if (exact) {
    CHECK(model_calls == answered);  // latency mode: one request per model call
  } else {
    CHECK(model_calls < answered);  // batching mode: some calls answered several requests
  }
  CHECK(server.terminate() == 0);
}

}  // namespace

TEST_CASE("load: 64 keep-alive connections in latency mode, every answer right, memory flat") {
  if (encore::test::tiny_model_dir().empty()) return;
  load_test({}, /*exact=*/true);
}

TEST_CASE("load: 64 keep-alive connections with dynamic batching, every answer right") {
  if (encore::test::tiny_model_dir().empty()) return;
  load_test({"--max-batch-tokens", "1024", "--max-wait-us", "1000"}, /*exact=*/false);
}
