// EventLoop — the one I/O thread's epoll set (level-triggered) and its sorted deadline list.
// Each watched fd carries a 64-bit token that comes back with its events; each token may hold one
// deadline, and expired() hands back the tokens whose deadline has passed.
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "server/unique_fd.h"

namespace encore::server {

using Clock = std::chrono::steady_clock;

class EventLoop {
 public:
  EventLoop();

  void watch(int fd, uint32_t events, uint64_t token);
  void change(int fd, uint32_t events, uint64_t token);
  void forget(int fd);

  // Waits for events until the earliest deadline (or `max_wait`), appending them to `events`.
  void wait(std::vector<epoll_event>& events, std::chrono::milliseconds max_wait);

  // At most one deadline per token; setting another replaces it.
  void set_deadline(uint64_t token, Clock::time_point when);
  void clear_deadline(uint64_t token);
  // Removes and returns the tokens whose deadline is at or before `now`.
  std::vector<uint64_t> expired(Clock::time_point now);

 private:
  UniqueFd epoll_;
  std::set<std::pair<Clock::time_point, uint64_t>> deadlines_;
  std::map<uint64_t, Clock::time_point> deadline_of_;
};

}  // namespace encore::server
