#include "tools/encore/sweep/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

#include "engine/cpu_affinity.h"
#include "support/error.h"

namespace encore::cli::sweep {
namespace {

// argv and envp as exec wants them, built before fork: the child of a multi-threaded process
// may only make async-signal-safe calls (no allocation) until exec.
struct ExecArgs {
  std::vector<std::string> env_storage;
  std::vector<char*> argv, envp;

  ExecArgs(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    for (char** entry = environ; *entry; ++entry) {
      const std::string_view current(*entry);
      bool replaced = false;
      for (const auto& added : env) {
        const std::string name = added.substr(0, added.find('=')) + "=";
        replaced = replaced || current.substr(0, name.size()) == name;
      }
      if (!replaced) env_storage.emplace_back(current);
    }
    for (const auto& added : env) {
      if (added.find('=') != std::string::npos) env_storage.push_back(added);
    }
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    for (auto& entry : env_storage) envp.push_back(entry.data());
    envp.push_back(nullptr);
  }
};

[[noreturn]] void exec_child(const ExecArgs& exec, const cpu_set_t* cpus, int stdout_fd,
                             int stderr_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (cpus) ::sched_setaffinity(0, sizeof(*cpus), cpus);
  ::dup2(stdout_fd, STDOUT_FILENO);
  ::dup2(stderr_fd, STDERR_FILENO);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  ::execvpe(exec.argv[0], exec.argv.data(), exec.envp.data());
  const char message[] = "sweep: cannot run a child process (exec failed)\n";
  [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, message, sizeof(message) - 1);
  ::_exit(127);
}

cpu_set_t cpu_set_of(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) CPU_SET(cpu, &set);
  return set;
}

int wait_status(pid_t pid, int options, bool& exited) {
  int status = 0;
  pid_t r;
  do r = ::waitpid(pid, &status, options);
  while (r < 0 && errno == EINTR);
  exited = r == pid;
  if (!exited) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::vector<int>& cpus,
                           const std::vector<std::string>& env) {
  const ExecArgs exec(argv, env);
  const cpu_set_t cpu_set = cpu_set_of(cpus);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_error("pipe: ", std::strerror(errno));
  std::fflush(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw_error("fork: ", std::strerror(errno));
  if (pid_ == 0) exec_child(exec, cpus.empty() ? nullptr : &cpu_set, fds[1], STDERR_FILENO);
  ::close(fds[1]);
  stdout_fd_ = fds[0];
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) stop(std::chrono::seconds(5));
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || stdout_fd_ < 0) return std::nullopt;
    pollfd p{stdout_fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    char chunk[4096];
    const ssize_t n = ::read(stdout_fd_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;  // EOF: the child closed stdout (exited)
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  bool exited = false;
  int code = wait_status(pid_, WNOHANG, exited);
  if (!exited) {
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!exited && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      code = wait_status(pid_, WNOHANG, exited);
    }
    if (!exited) {
      ::kill(pid_, SIGKILL);
      code = wait_status(pid_, 0, exited);
      code = -1;
    }
  }
  pid_ = -1;
  return code;
}

int run_captured(const std::vector<std::string>& argv, std::string& output,
                 const std::vector<std::string>& env) {
  const ExecArgs exec(argv, env);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) exec_child(exec, nullptr, fds[1], fds[1]);
  ::close(fds[1]);
  char chunk[4096];
  ssize_t n;
  while ((n = ::read(fds[0], chunk, sizeof(chunk))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    output.append(chunk, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  bool exited = false;
  return wait_status(pid, 0, exited);
}

std::vector<int> first_cpus(int count) {
  std::vector<int> cpus = engine::allowed_cpus();
  if (static_cast<int>(cpus.size()) > count) cpus.resize(static_cast<size_t>(count));
  return cpus;
}

}  // namespace encore::cli::sweep
