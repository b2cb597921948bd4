// RequestHandler — what the transport asks of the application: turn one complete request into an
// answer now (cheap routes, errors) or into Work for an inference worker. The transport knows no
// routes; the router (router.h) knows no sockets.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "server/http_request_parser.h"
#include "server/http_response.h"

namespace encore::server {

// Work for an inference worker. It must own copies of whatever it needs from the request: the
// request's views die as soon as dispatch() returns. absorb() and run() are called on one worker
// thread.
class Work {
 public:
  virtual ~Work() = default;
  // Dynamic batching: takes `next` (queued after this work) into this work's model call when the
  // two can share one padded batch of at most `max_batch_tokens`. By default work runs alone.
  virtual bool absorb(Work& /*next*/, size_t /*max_batch_tokens*/) { return false; }
  // True when no further work could fit within `max_batch_tokens`: stop collecting.
  virtual bool full(size_t /*max_batch_tokens*/) { return true; }
  // Runs this work and every work it absorbed; appends one response per work, this one first.
  virtual void run(std::vector<HttpResponse>& responses) = 0;
};

struct Dispatch {
  std::string_view route = "other";  // metrics label; must outlive the server (a literal)
  HttpResponse response;             // the answer when `work` is empty
  std::unique_ptr<Work> work;
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Called on the I/O thread for every complete request; must not block.
  virtual Dispatch dispatch(const HttpRequest& request) = 0;
};

}  // namespace encore::server
