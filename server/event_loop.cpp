#include "server/event_loop.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "support/error.h"

namespace encore::server {

EventLoop::EventLoop() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (!epoll_.valid()) throw_error("epoll_create1: ", std::strerror(errno));
}

void EventLoop::watch(int fd, uint32_t events, uint64_t token) {
  epoll_event event{.events = events, .data = {.u64 = token}};
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
    throw_error("epoll_ctl(ADD, fd ", fd, "): ", std::strerror(errno));
  }
}

void EventLoop::change(int fd, uint32_t events, uint64_t token) {
  epoll_event event{.events = events, .data = {.u64 = token}};
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event) != 0) {
    throw_error("epoll_ctl(MOD, fd ", fd, "): ", std::strerror(errno));
  }
}

void EventLoop::forget(int fd) {
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::wait(std::vector<epoll_event>& events, std::chrono::milliseconds max_wait) {
  auto timeout = max_wait;
  if (!deadlines_.empty()) {
    // Round up so that a wake-up never comes before the deadline it is for.
    auto until =
        std::chrono::ceil<std::chrono::milliseconds>(deadlines_.begin()->first - Clock::now());
    timeout = std::clamp(until, std::chrono::milliseconds(0), max_wait);
  }
  epoll_event ready[256];
  int n = ::epoll_wait(epoll_.get(), ready, 256, static_cast<int>(timeout.count()));
  if (n < 0) {
    if (errno == EINTR) return;
    throw_error("epoll_wait: ", std::strerror(errno));
  }
  events.insert(events.end(), ready, ready + n);
}

void EventLoop::set_deadline(uint64_t token, Clock::time_point when) {
  auto [it, inserted] = deadline_of_.try_emplace(token, when);
  if (!inserted) {
    if (it->second == when) return;
    deadlines_.erase({it->second, token});
    it->second = when;
  }
  deadlines_.insert({when, token});
}

void EventLoop::clear_deadline(uint64_t token) {
  if (auto it = deadline_of_.find(token); it != deadline_of_.end()) {
    deadlines_.erase({it->second, token});
    deadline_of_.erase(it);
  }
}

std::vector<uint64_t> EventLoop::expired(Clock::time_point now) {
  std::vector<uint64_t> tokens;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    tokens.push_back(deadlines_.begin()->second);
    deadline_of_.erase(tokens.back());
    deadlines_.erase(deadlines_.begin());
  }
  return tokens;
}

}  // namespace encore::server
