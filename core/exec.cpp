#include "core/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <tuple>

#include <fmt/format.h>

#include "core/error.h"
#include "core/unique_fd.h"

namespace nsm {

namespace {

constexpr size_t kCaptureLimit = size_t{16} << 20;

// The program a SIGINT or SIGTERM is forwarded to, while one is (0: none).
volatile sig_atomic_t g_forward_pid = 0;
volatile sig_atomic_t g_forward_group = 0;
volatile sig_atomic_t g_forwarded = 0;  // the last signal forwarded

void forward_signal(int sig) {
  const int saved = errno;
  g_forwarded = sig;
  const pid_t pid = g_forward_pid;
  if (pid > 0 && !(g_forward_group && ::kill(-pid, sig) == 0)) ::kill(pid, sig);
  errno = saved;
}

// SIGINT and SIGTERM forwarded to `pid` for the guard's lifetime; the old actions after.
class ForwardInterrupts {
 public:
  ForwardInterrupts(pid_t pid, bool group) {
    g_forward_pid = pid;
    g_forward_group = group;
    g_forwarded = 0;
    struct sigaction action {};
    action.sa_handler = forward_signal;
    action.sa_flags = SA_RESTART;
    ::sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
  }
  ~ForwardInterrupts() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    g_forward_pid = 0;
  }
  int forwarded() const { return g_forwarded; }
  ForwardInterrupts(const ForwardInterrupts&) = delete;
  ForwardInterrupts& operator=(const ForwardInterrupts&) = delete;

 private:
  struct sigaction old_int_ {
  }, old_term_{};
};

// Ours with `set` applied (a name in it replaces ours), or `set` alone.
std::vector<std::string> program_environment(const std::map<std::string, std::string>& set, bool replace) {
  std::vector<std::string> env;
  if (!replace) {
    for (char** e = environ; e && *e; ++e) {
      const std::string_view entry(*e);
      const auto eq = entry.find('=');
      if (eq != std::string_view::npos && set.contains(std::string(entry.substr(0, eq)))) continue;
      env.emplace_back(entry);
    }
  }
  for (const auto& [name, value] : set) env.push_back(name + "=" + value);
  return env;
}

// In the child: `fd` becomes descriptor `target`, without close-on-exec.
void place(int fd, int target, const char* what) {
  if (::dup2(fd, target) < 0) throw_sys(fmt::format("dup2({})", what));
}

}  // namespace

std::string describe_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !arg.empty() && arg.find_first_of(" \t\"'\\$") == std::string::npos;
    out += plain ? arg : fmt::format("'{}'", arg);
  }
  return out;
}

Program::Program(Child child, ProgramOptions options, std::vector<UniqueFd> pipes, UniqueFd stdin_write)
    : child_(std::move(child)),
      options_(std::move(options)),
      pipes_(std::move(pipes)),
      stdin_(std::move(stdin_write)) {}

Program Program::start(const std::vector<std::string>& argv, ProgramOptions options) {
  if (argv.empty()) throw ToolError("Program::start: no program given");
  if ((options.output == Output::File || options.output == Output::Read) && options.output_path.empty())
    throw ToolError(fmt::format("{}: Output::File or Output::Read without an output_path", argv[0]));
  // Everything the child needs is built before the clone: after it, only exec-safe work.
  std::vector<std::string> arg_strings = argv;
  std::vector<char*> args;
  for (auto& a : arg_strings) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<std::string> env_strings = program_environment(options.environment, options.replace_environment);
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);

  std::vector<UniqueFd> ours;    // read ends we keep
  std::vector<UniqueFd> theirs;  // write ends the child gets, closed here after the start
  const int pipe_count = options.output == Output::Capture                                   ? 2
                         : options.output == Output::Lines || options.output == Output::Read ? 1
                                                                                             : 0;
  for (int i = 0; i < pipe_count; ++i) {
    auto [read_end, write_end] = make_pipe();
    ours.push_back(std::move(read_end));
    theirs.push_back(std::move(write_end));
  }
  const int out_fd = pipe_count > 0 ? theirs[0].get() : -1;
  const int err_fd = pipe_count == 2 ? theirs[1].get() : out_fd;
  UniqueFd stdin_read, stdin_write;
  if (options.stdin_pipe) std::tie(stdin_read, stdin_write) = make_pipe();

  SpawnOptions spawn;
  spawn.timeout = options.timeout;
  spawn.own_group = options.own_group;
  spawn.clone_flags = options.clone_flags;
  Child child = Child::spawn(spawn, [&](Channel&) -> int {
    // A disposition we set (SIG_IGN survives exec) or a blocked signal is not the program's.
    for (int sig = 1; sig < NSIG; ++sig)
      if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // The extra descriptors go high first, so that placing one cannot close another.
    std::vector<std::pair<int, int>> high;
    for (const auto& [target, fd] : options.fds) {
      const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 100);
      if (copy < 0) throw_sys(fmt::format("fcntl(F_DUPFD_CLOEXEC) for fd {}", target));
      high.emplace_back(target, copy);
    }
    if (stdin_read.valid()) {
      place(stdin_read.get(), STDIN_FILENO, "stdin");
    } else {
      const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (null_fd < 0) throw_sys("open(/dev/null)");
      place(null_fd, STDIN_FILENO, "stdin");
    }
    if (options.output == Output::File || options.output == Output::Read) {
      const int fd = ::open(options.output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) throw_sys(fmt::format("open({})", options.output_path));
      if (options.output == Output::File)
        place(fd, STDOUT_FILENO, "stdout");
      else
        place(out_fd, STDOUT_FILENO, "stdout");
      place(fd, STDERR_FILENO, "stderr");
    } else if (options.output != Output::Inherit) {
      place(out_fd, STDOUT_FILENO, "stdout");
      place(err_fd, STDERR_FILENO, "stderr");
    }
    for (const auto& [target, copy] : high) place(copy, target, "an extra descriptor");
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) throw_sys(fmt::format("chdir({})", options.cwd));
    // Last: the files above are opened as we could (a hook may drop privileges).
    if (options.before_exec) options.before_exec();
    ::execvpe(args[0], args.data(), env.data());
    throw_sys(fmt::format("execvp({})", argv[0]));
  });
  return Program(std::move(child), std::move(options), std::move(ours), std::move(stdin_write));
}

std::optional<std::string> Program::read_line(std::chrono::milliseconds timeout) {
  if (options_.output != Output::Read) throw ToolError("Program::read_line without Output::Read");
  const auto deadline = std::chrono::steady_clock::now() + std::min(timeout, child_.time_left());
  for (;;) {
    if (const auto nl = unread_.find('\n'); nl != std::string::npos) {
      std::string line = unread_.substr(0, nl);
      unread_.erase(0, nl + 1);
      return line;
    }
    if (pipes_.empty() || !pipes_[0].valid()) return std::nullopt;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    struct pollfd p {
      pipes_[0].get(), POLLIN, 0
    };
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) return std::nullopt;
    if (r < 0) throw_sys("poll(stdout)");
    if (r == 0) return std::nullopt;
    char buf[65536];
    const ssize_t n = ::read(pipes_[0].get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) return std::nullopt;
    if (n <= 0) {
      pipes_[0].reset();
      continue;  // a last line without a newline is left to finish()
    }
    if (unread_.size() < kCaptureLimit) unread_.append(buf, static_cast<size_t>(n));
  }
}

ProgramResult Program::finish() {
  stdin_.reset();
  std::optional<ForwardInterrupts> forward;
  if (options_.forward_interrupts) forward.emplace(child_.pid(), options_.own_group);
  ProgramResult result;
  result.out = std::move(unread_);

  std::deque<std::string> tail;
  std::string pending;  // Output::Lines: the line not yet ended
  auto emit = [&](std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // apt redraws its progress with carriage returns; keep the last state of the line.
    if (const auto cr = line.rfind('\r'); cr != std::string::npos) line.erase(0, cr + 1);
    if (options_.on_line) options_.on_line(line);
    tail.push_back(std::move(line));
    if (tail.size() > options_.keep_lines) tail.pop_front();
  };
  auto take = [&](size_t index, const char* data, size_t n) {
    if (options_.output == Output::Capture || options_.output == Output::Read) {
      std::string& into = index == 0 ? result.out : result.err;
      if (into.size() < kCaptureLimit) into.append(data, std::min(n, kCaptureLimit - into.size()));
      return;
    }
    pending.append(data, n);
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1)
      emit(pending.substr(start, nl - start));
    pending.erase(0, start);
  };

  try {
    // Drain every pipe until each reaches its end or the deadline passes (wait() then kills).
    for (;;) {
      struct pollfd fds[2];
      size_t index[2];
      nfds_t count = 0;
      for (size_t i = 0; i < pipes_.size(); ++i)
        if (pipes_[i].valid()) index[count] = i, fds[count++] = {pipes_[i].get(), POLLIN, 0};
      if (count == 0) break;
      const int r = ::poll(fds, count, static_cast<int>(child_.time_left().count()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      for (nfds_t k = 0; k < count; ++k) {
        if (!fds[k].revents) continue;
        char buf[65536];
        const ssize_t n = ::read(fds[k].fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
          pipes_[index[k]].reset();
        else
          take(index[k], buf, static_cast<size_t>(n));
      }
    }
    if (!pending.empty()) emit(std::move(pending));
  } catch (...) {
    child_.kill_group();  // an on_line that threw: the program goes with it (~Child reaps)
    throw;
  }
  result.status = child_.wait();
  if (forward) result.interrupted = forward->forwarded();
  result.last_lines.assign(tail.begin(), tail.end());
  return result;
}

ProgramResult run_program(const std::vector<std::string>& argv, const ProgramOptions& options) {
  return Program::start(argv, options).finish();
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  const std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  for (size_t at = 0; at <= dirs.size();) {
    const size_t end = std::min(dirs.find(':', at), dirs.size());
    const std::string candidate = dirs.substr(at, end - at) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    at = end + 1;
  }
  return false;
}

}  // namespace nsm
