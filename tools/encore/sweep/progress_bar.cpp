#include "tools/encore/sweep/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace encore::cli::sweep {

std::string format_duration(double seconds) {
  const long total = std::lround(std::max(seconds, 0.0));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof(text), "%ldh%02ldm", total / 3600, total % 3600 / 60);
  } else if (total >= 60) {
    std::snprintf(text, sizeof(text), "%ldm%02lds", total / 60, total % 60);
  } else {
    std::snprintf(text, sizeof(text), "%lds", total);
  }
  return text;
}

ProgressBar::ProgressBar(int total)
    : total_(total), terminal_(::isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()) {}

void ProgressBar::update(int done, const std::string& what, double seconds_left) {
  constexpr int kWidth = 30;
  const int filled = total_ > 0 ? done * kWidth / total_ : kWidth;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "%s[%.*s%.*s] %d/%d  %-36s elapsed %s, ~%s left%s",
               terminal_ ? "\r\033[K" : "", filled, "##############################",
               kWidth - filled, "..............................", done, total_, what.c_str(),
               format_duration(elapsed).c_str(), format_duration(seconds_left).c_str(),
               terminal_ ? "" : "\n");
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (terminal_) std::fprintf(stderr, "\n");
}

}  // namespace encore::cli::sweep
