// Opens the server's listening TCP socket (non-blocking, SO_REUSEADDR) on an IPv4 or IPv6 literal
// address; port 0 picks a free port, reported by bound_port().
#pragma once

#include <cstdint>
#include <string>

#include "server/unique_fd.h"

namespace encore::server {

UniqueFd listen_tcp(const std::string& host, uint16_t port, int backlog);
uint16_t bound_port(int fd);

}  // namespace encore::server
