// The sweep's progress on stderr: a bar, the configuration running, elapsed time and the time
// left. On a terminal the line redraws in place; in a log (CI) each update is its own line.
#pragma once

#include <chrono>
#include <string>

namespace encore::cli::sweep {

class ProgressBar {
 public:
  explicit ProgressBar(int total);
  // `done` configurations finished, `what` is starting, about `seconds_left` remain.
  void update(int done, const std::string& what, double seconds_left);
  void finish();

 private:
  int total_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
};

// "1h02m", "4m10s", "12s".
std::string format_duration(double seconds);

}  // namespace encore::cli::sweep
