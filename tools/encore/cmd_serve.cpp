// encore serve — one model, one task, over HTTP (server/). The socket is listening before the
// model is loaded: /health answers 503 until it is, then 200.
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <thread>

#include "encore/encore.h"
#include "server/encore_backend.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/router.h"
#include "support/error.h"
#include "tools/encore/args.h"
#include "tools/encore/commands.h"

namespace encore::cli {

int cmd_serve(int argc, char** argv) {
  Args args(
      "serve", "encore serve --model DIR [options]",
      "Serves one model and one task over HTTP/1.1: POST /predict, /embed, /rerank, /tokenize;\n"
      "GET /health, /info, /metrics. Errors are JSON {\"error\", \"error_type\"}.");
  args.option("model", "DIR|FILE", "Hugging Face model folder, or a .encore file (encore optimize)")
      .option("task", "TASK", "classify, tokens, embed, rank, or auto (from the checkpoint)",
              "auto")
      .option("host", "ADDR", "IPv4 or IPv6 address to listen on", "127.0.0.1")
      .option("port", "N", "TCP port; 0 picks a free one", "8080")
      .option("threads", "N", "cores the model uses per request; 0 = all", "0")
      .option("precision", "P", "fp32, bf16 or int8 (a .encore file keeps its own)", "fp32")
      .option("api-key", "KEY", "require Authorization: Bearer KEY (all routes but /health)")
      .option("max-body-bytes", "N", "larger request bodies get 413", "2097152")
      .option("max-connections", "N", "connections beyond this get 503 and are closed", "1024")
      .option("queue-size", "N", "requests waiting for the model beyond this get 429", "64")
      .option("max-batch-tokens", "N",
              "batch queued /predict and /embed requests (same parameters) into model calls of at "
              "most N padded tokens; 0 = off (latency mode)",
              "0")
      .option("max-wait-us", "US",
              "dynamic batching: wait at most this long for more requests (0: take those queued)",
              "0")
      .option("idle-timeout-ms", "MS", "close keep-alive connections idle this long", "60000")
      .option("request-timeout-ms", "MS", "408 when a request takes longer to arrive", "30000");
  if (!args.parse(argc, argv)) return args.exit_code();
  if (!args.has("model")) throw_error("--model DIR is required (see encore serve --help)");

  server::ServerOptions options;
  options.host = args.get("host");
  options.port = static_cast<uint16_t>(args.get_int("port", 0, 65535));
  options.limits.max_body_bytes =
      static_cast<size_t>(args.get_int("max-body-bytes", 0, int64_t{1} << 40));
  options.max_connections = static_cast<size_t>(args.get_int("max-connections", 1, 1'000'000));
  options.queue_size = static_cast<size_t>(args.get_int("queue-size", 0, 1'000'000));
  options.batching.max_batch_tokens =
      static_cast<size_t>(args.get_int("max-batch-tokens", 0, 65536));
  options.batching.max_wait = std::chrono::microseconds(args.get_int("max-wait-us", 0, 10'000'000));
  options.idle_timeout = std::chrono::milliseconds(args.get_int("idle-timeout-ms", 1, 86'400'000));
  options.request_timeout =
      std::chrono::milliseconds(args.get_int("request-timeout-ms", 1, 86'400'000));

  ModelOptions model_options;
  model_options.threads = static_cast<int>(args.get_int("threads", 0, 4096));
  model_options.precision = parse_precision(args.get("precision"));
  const std::string task = args.get("task");
  const std::optional<Task> served_task =
      task == "auto" ? std::nullopt : std::optional<Task>(parse_task(task));

  server::EncoreBackend backend(args.get("model"), model_options, served_task,
                                options.batching.max_batch_tokens);
  server::Metrics metrics;
  server::Router router(
      backend, metrics,
      {.api_key = args.get("api-key"), .max_body_bytes = options.limits.max_body_bytes});
  // Constructed before any other thread starts: it blocks SIGINT/SIGTERM for every thread.
  server::HttpServer http(options, router, metrics);
  std::printf("listening on http://%s:%u\n", options.host.c_str(),
              static_cast<unsigned>(http.port()));
  std::fflush(stdout);

  std::string load_failure;  // read after join()
  std::thread loader([&] {
    try {
      backend.load();
      std::printf("model loaded: %s\n", args.get("model").c_str());
      std::fflush(stdout);
    } catch (const std::exception& e) {
      load_failure = e.what();
      http.stop();
    }
  });
  http.run();
  loader.join();
  if (!load_failure.empty()) throw_error(load_failure);
  std::printf("stopped\n");
  return 0;
}

}  // namespace encore::cli
