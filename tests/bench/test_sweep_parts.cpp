// Unit tests of the sweep's pure parts: latency statistics, the budgeted measuring loop,
// results.csv (append, read back, resume keys, torn rows), the time estimate, /predict bodies.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/error.h"
#include "tools/encore/sweep/encore_runners.h"
#include "tools/encore/sweep/latency_stats.h"
#include "tools/encore/sweep/progress_bar.h"
#include "tools/encore/sweep/results_csv.h"
#include "tools/encore/sweep/time_estimate.h"

using namespace encore::cli::sweep;

TEST_CASE("summarize: nearest-rank percentiles, mean and throughput of unsorted samples") {
  std::vector<double> ms;
  for (int i = 100; i >= 1; --i) ms.push_back(i);  // 1..100 ms, reversed
  const LatencyStats s = summarize(ms);
  CHECK(s.iterations == 100);
  CHECK(s.min_ms == 1);
  CHECK(s.max_ms == 100);
  CHECK(s.mean_ms == doctest::Approx(50.5));
  CHECK(s.p50_ms == 51);  // rank round(0.5 · 99) = 50 → the 51st value
  CHECK(s.p90_ms == 90);
  CHECK(s.p95_ms == 95);
  CHECK(s.p99_ms == 99);
  CHECK(s.busy_seconds == doctest::Approx(5.05));
  CHECK(s.requests_per_second() == doctest::Approx(100 / 5.05));
  CHECK_THROWS_AS(summarize({}), encore::Error);
}

TEST_CASE("measure: warm-up calls are not timed; iterations stay within min and max") {
  int calls = 0;
  const auto ms =
      measure({.budget_ms = 0, .min_iters = 4, .max_iters = 10, .warmup = 2}, [&] { ++calls; });
  CHECK(ms.size() == 4);
  CHECK(calls == 6);
  calls = 0;
  const auto capped =
      measure({.budget_ms = 1e9, .min_iters = 1, .max_iters = 7, .warmup = 0}, [&] { ++calls; });
  CHECK(capped.size() == 7);
  CHECK(calls == 7);
}

TEST_CASE("results.csv: rows append with a header, read back, and a torn row is dropped") {
  const std::string path = std::filesystem::temp_directory_path() /
                           ("encore-sweep-csv-" + std::to_string(::getpid()) + ".csv");
  std::filesystem::remove(path);
  CHECK(read_results(path).empty());
  const System encore{"encore", "fp32", Mode::kHttp};
  const LatencyStats stats = summarize({1.0, 2.0, 3.0});
  append_result(path, {encore, {1, 8, 1}, stats});
  { std::ofstream(path, std::ios::app) << "encore,fp32,http,1,8"; }  // killed mid-write
  append_result(path, {encore, {2, 64, 8}, stats});

  const auto rows = read_results(path);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].system.label() == "encore fp32 http");
  CHECK(rows[1].point.cores == 2);
  CHECK(rows[1].point.seq == 64);
  CHECK(rows[1].point.batch == 8);
  CHECK(rows[1].stats.iterations == 3);
  CHECK(rows[1].stats.p50_ms == doctest::Approx(2.0));
  const auto keys = finished_keys(rows);
  CHECK(keys.count(row_key(encore, {1, 8, 1})) == 1);
  CHECK(keys.count(row_key(encore, {1, 8, 8})) == 0);

  std::ofstream(path) << "some,other,header\n";
  CHECK_THROWS_WITH_AS(read_results(path), doctest::Contains("--restart"), encore::Error);
  std::filesystem::remove(path);
}

TEST_CASE("time estimate: grows with work, respects the budget, learns from measurements") {
  const Budget budget{.budget_ms = 1000, .min_iters = 3, .max_iters = 100000, .warmup = 1};
  TimeEstimate estimate(1.0, 0.1, budget);
  const System encore{"encore", "fp32", Mode::kModel};
  CHECK(estimate.iteration_ms(encore, {1, 512, 1}) > estimate.iteration_ms(encore, {1, 8, 1}));
  CHECK(estimate.iteration_ms(encore, {2, 64, 1}) < estimate.iteration_ms(encore, {1, 64, 1}));
  // A short call is timed for the budget; a long one for min_iters calls (plus warm-up).
  CHECK(estimate.config_seconds(encore, {1, 8, 1}) == doctest::Approx(1.0).epsilon(0.01));
  const double long_ms = estimate.iteration_ms(encore, {1, 512, 32});
  CHECK(estimate.config_seconds(encore, {1, 512, 32}) == doctest::Approx(4 * long_ms / 1000));
  estimate.observe(encore, {1, 64, 1}, 2 * estimate.iteration_ms(encore, {1, 64, 1}));
  CHECK(estimate.iteration_ms(encore, {1, 128, 1}) ==
        doctest::Approx(2 * TimeEstimate(1.0, 0.1, budget).iteration_ms(encore, {1, 128, 1})));
  CHECK(format_duration(3725) == "1h02m");
  CHECK(format_duration(250) == "4m10s");
  CHECK(format_duration(12) == "12s");
}

TEST_CASE("predict_body: one text is a string, several a list, escaped as JSON") {
  CHECK(predict_body({"a \"b\""}) == R"({"inputs":"a \"b\""})");
  CHECK(predict_body({"x", "y"}) == R"({"inputs":["x","y"]})");
}
