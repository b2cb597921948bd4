// Router — the HTTP API of product.md on top of a ModelBackend: maps method and path to a route,
// checks the API key, answers GET /health, /info and /metrics on the I/O thread, and sends the
// model routes (POST /predict, /embed, /rerank, /tokenize) to a worker with a copy of the body.
#pragma once

#include <string>
#include <string_view>

#include "server/metrics.h"
#include "server/model_backend.h"
#include "server/request_handler.h"

namespace encore::server {

enum class Route { kHealth, kInfo, kMetrics, kPredict, kEmbed, kRerank, kTokenize };

struct RouterOptions {
  // When set, every route but GET /health needs `Authorization: Bearer <api_key>` (401 otherwise);
  // health stays open for load balancers and orchestrators.
  std::string api_key;
  // Echoed by GET /info.
  size_t max_body_bytes = 0;
};

class Router : public RequestHandler {
 public:
  Router(ModelBackend& backend, Metrics& metrics, RouterOptions options);

  Dispatch dispatch(const HttpRequest& request) override;

  // Runs a model route on a body (what a worker does); public for tests.
  HttpResponse run_model_route(Route route, std::string_view body);

 private:
  bool authorized(const HttpRequest& request) const;
  HttpResponse info() const;

  ModelBackend& backend_;
  Metrics& metrics_;
  RouterOptions options_;
};

}  // namespace encore::server
