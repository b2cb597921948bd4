// HttpError — thrown by routes for a request the server must refuse: carries the HTTP status and
// the message that becomes the JSON error body.
#pragma once

#include <stdexcept>
#include <string>

namespace encore::server {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

}  // namespace encore::server
