#include "server/router.h"

#include "server/model_work.h"
#include "support/error.h"
#include "support/json_writer.h"

namespace encore::server {
namespace {

struct RouteEntry {
  std::string_view method, path;
  Route route;
};

constexpr RouteEntry kRoutes[] = {
    {"GET", "/health", Route::kHealth},      {"GET", "/info", Route::kInfo},
    {"GET", "/metrics", Route::kMetrics},    {"POST", "/predict", Route::kPredict},
    {"POST", "/embed", Route::kEmbed},       {"POST", "/rerank", Route::kRerank},
    {"POST", "/tokenize", Route::kTokenize},
};

// Compares every byte whatever the first mismatch, so response time does not leak the key.
bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

HttpResponse json_response(std::string body) {
  HttpResponse response;
  response.body = std::move(body);
  return response;
}

}  // namespace

Router::Router(ModelBackend& backend, Metrics& metrics, RouterOptions options)
    : backend_(backend), metrics_(metrics), options_(std::move(options)) {}

bool Router::authorized(const HttpRequest& request) const {
  if (options_.api_key.empty()) return true;
  std::string_view credentials = request.header("authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (credentials.size() < kScheme.size() ||
      !iequals(credentials.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  return constant_time_equal(credentials.substr(kScheme.size()), options_.api_key);
}

Dispatch Router::dispatch(const HttpRequest& request) {
  const RouteEntry* entry = nullptr;
  bool path_known = false;
  for (const auto& candidate : kRoutes) {
    if (candidate.path != request.path) continue;
    path_known = true;
    if (candidate.method == request.method) entry = &candidate;
  }
  Dispatch dispatch;
  if (!entry) {
    dispatch.response =
        path_known
            ? error_response(405, "method " + std::string(request.method) + " is not allowed on " +
                                      std::string(request.path))
            : error_response(
                  404, "no route " + std::string(request.path) +
                           " (routes: /predict /embed /rerank /tokenize /health /info /metrics)");
    return dispatch;
  }
  dispatch.route = entry->path;
  if (entry->route != Route::kHealth && !authorized(request)) {
    dispatch.response =
        error_response(401, "missing or wrong API key: send Authorization: Bearer KEY");
    dispatch.response.extra_headers = "www-authenticate: Bearer\r\n";
    return dispatch;
  }
  switch (entry->route) {
    case Route::kHealth:
      dispatch.response = backend_.ready() ? json_response("{\"status\":\"ok\"}")
                                           : error_response(503, "model not loaded");
      return dispatch;
    case Route::kInfo:
      dispatch.response = info();
      return dispatch;
    case Route::kMetrics:
      dispatch.response.body = metrics_.render();
      dispatch.response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return dispatch;
    default:
      break;
  }
  if (!backend_.ready()) {
    dispatch.response = error_response(503, "model not loaded");
    return dispatch;
  }
  // The worker outlives the request's views into the connection buffer: it gets its own copy.
  dispatch.work =
      std::make_unique<ModelWork>(backend_, metrics_, entry->route, std::string(request.body));
  return dispatch;
}

HttpResponse Router::info() const {
  HttpResponse response;
  JsonWriter json(response.body);
  json.begin_object().key("server").value("encore").key("ready").value(backend_.ready());
  json.key("max_body_bytes").value(static_cast<uint64_t>(options_.max_body_bytes));
  if (backend_.ready()) backend_.describe(json);
  json.end_object();
  return response;
}

}  // namespace encore::server
