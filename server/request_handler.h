// RequestHandler — what the transport asks of the application: turn one complete request into an
// answer now (cheap routes, errors) or into work for an inference worker. The transport knows no
// routes; the router (router.h) knows no sockets.
#pragma once

#include <functional>
#include <string_view>

#include "server/http_request_parser.h"
#include "server/http_response.h"

namespace encore::server {

struct Dispatch {
  std::string_view route = "other";  // metrics label; must outlive the server (a literal)
  HttpResponse response;             // the answer when `work` is empty
  // Runs on a worker thread. It must own copies of whatever it needs from the request: the
  // request's views die as soon as dispatch() returns.
  std::function<HttpResponse()> work;
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Called on the I/O thread for every complete request; must not block.
  virtual Dispatch dispatch(const HttpRequest& request) = 0;
};

}  // namespace encore::server
