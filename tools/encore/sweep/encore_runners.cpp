#include "tools/encore/sweep/encore_runners.h"

#include <chrono>
#include <thread>

#include "support/error.h"
#include "support/json_writer.h"

namespace encore::cli::sweep {

EncoreModelRunner::EncoreModelRunner(const std::string& model_dir, const std::string& precision,
                                     int cores, const SizedTexts& texts)
    : texts_(texts) {
  ::sched_getaffinity(0, sizeof(previous_affinity_), &previous_affinity_);
  cpu_set_t pinned;
  CPU_ZERO(&pinned);
  for (int cpu : first_cpus(cores)) CPU_SET(cpu, &pinned);
  ::sched_setaffinity(0, sizeof(pinned), &pinned);
  model_ = Model::load(model_dir, {.threads = cores, .precision = parse_precision(precision)});
  session_.emplace(model_);
}

EncoreModelRunner::~EncoreModelRunner() {
  session_.reset();
  ::sched_setaffinity(0, sizeof(previous_affinity_), &previous_affinity_);
}

std::vector<double> EncoreModelRunner::run(const Point& point, const Budget& budget) {
  std::vector<Encoding> encodings(static_cast<size_t>(point.batch));
  std::vector<Input> inputs;
  const auto texts = texts_.make_batch(point.seq, point.batch);
  for (size_t i = 0; i < texts.size(); ++i) {
    model_->tokenizer().encode(texts[i], {}, encodings[i]);
    inputs.push_back(Input::of_ids(encodings[i].ids));
  }
  return measure(budget, [&] { session_->forward(inputs); });
}

std::string predict_body(const std::vector<std::string>& texts) {
  std::string body;
  JsonWriter json(body);
  json.begin_object().key("inputs");
  if (texts.size() == 1) {
    json.value(texts[0]);
  } else {
    json.begin_array();
    for (const auto& text : texts) json.value(text);
    json.end_array();
  }
  json.end_object();
  return body;
}

namespace {

uint16_t wait_for_port(ChildProcess& server) {
  // cmd_serve prints "listening on http://HOST:PORT" once the socket is bound.
  const std::string marker = "listening on http://";
  while (auto line = server.read_line(std::chrono::seconds(60))) {
    if (line->rfind(marker, 0) != 0) continue;
    const size_t colon = line->rfind(':');
    return static_cast<uint16_t>(std::stoi(line->substr(colon + 1)));
  }
  throw_error("encore serve did not start (no 'listening on' line; its errors are above)");
}

}  // namespace

EncoreHttpRunner::EncoreHttpRunner(const std::string& encore_bin, const std::string& model_dir,
                                   const std::string& precision, int cores, const SizedTexts& texts)
    : texts_(texts),
      server_({encore_bin, "serve", "--model", model_dir, "--host", "127.0.0.1", "--port", "0",
               "--threads", std::to_string(cores), "--precision", precision},
              first_cpus(cores)) {
  const uint16_t port = wait_for_port(server_);
  // /health answers 503 until the model is loaded.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (true) {
    HttpClient probe(port);
    if (probe.request("GET", "/health").status == 200) break;
    if (std::chrono::steady_clock::now() > deadline) {
      throw_error("encore serve: /health still not 200 after 120 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  client_.emplace(port);
}

std::vector<double> EncoreHttpRunner::run(const Point& point, const Budget& budget) {
  const std::string body = predict_body(texts_.make_batch(point.seq, point.batch));
  return measure(budget, [&] {
    const HttpResponse response = client_->request("POST", "/predict", body);
    if (response.status != 200) {
      throw_error("POST /predict answered ", response.status, ": ", response.body);
    }
  });
}

}  // namespace encore::cli::sweep
