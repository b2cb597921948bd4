// A child process for the sweep (`encore serve`, a peer's node or python script): pinned to the
// given CPUs before exec (the same cores encore's threads use), stdout read line by line, killed
// with the sweep (PR_SET_PDEATHSIG) and by the destructor.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace encore::cli::sweep {

class ChildProcess {
 public:
  // `env` entries "NAME=value" are added to (or replace in) the sweep's environment; a bare
  // "NAME" removes the variable. The
  // child's stderr goes to the sweep's stderr so its errors reach the user.
  ChildProcess(const std::vector<std::string>& argv, const std::vector<int>& cpus,
               const std::vector<std::string>& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next line of stdout without its newline; nullopt at EOF or after `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`; returns the exit status (-1 if killed by a signal).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
};

// Runs a command to completion (not pinned: preparation steps such as exporting a graph), with
// stdout+stderr captured; returns its exit code (-1 when it cannot start or dies of a signal).
int run_captured(const std::vector<std::string>& argv, std::string& output,
                 const std::vector<std::string>& env = {});

// The first `count` CPUs this process may run on.
std::vector<int> first_cpus(int count);

}  // namespace encore::cli::sweep
