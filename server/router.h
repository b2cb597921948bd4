// Router — the HTTP API of product.md on top of a ModelBackend: maps method and path to a route,
// checks the API key, answers GET /health, /info and /metrics on the I/O thread, and sends the
// model routes (POST /predict, /embed, /rerank, /tokenize) to a worker as ModelWork (model_work.h)
// with a copy of the body.
#pragma once

#include <string>
#include <string_view>

#include "server/metrics.h"
#include "server/model_backend.h"
#include "server/request_handler.h"
#include "server/route.h"

namespace encore::server {

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

 private:
  bool authorized(const HttpRequest& request) const;
  HttpResponse info() const;

  ModelBackend& backend_;
  Metrics& metrics_;
  RouterOptions options_;
};

}  // namespace encore::server
