#include "runtimes/held_program.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "core/error.h"

extern char** environ;

namespace nsm::runtimes {

using namespace std::chrono;

namespace {
const volatile sig_atomic_t* g_stop = nullptr;
}

void set_stop_flag(const volatile sig_atomic_t* flag) { g_stop = flag; }
bool stop_requested() { return g_stop != nullptr && *g_stop != 0; }

HeldProgram HeldProgram::start(const std::vector<std::string>& argv, HeldOptions options) {
  if (argv.empty()) throw ToolError("HeldProgram: no program given");
  // Everything the child needs is built before the fork: after it, only exec-safe work.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Ours, with an inherited entry of a name we set replaced (never shadowed: getenv finds the first).
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    const std::string_view entry(*e);
    const auto name = entry.substr(0, entry.find('=') + 1);
    if (std::none_of(options.environment.begin(), options.environment.end(), [&](const std::string& set) { return set.starts_with(name); }))
      env_strings.emplace_back(entry);
  }
  env_strings.insert(env_strings.end(), options.environment.begin(), options.environment.end());
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);

  auto [in_read, in_write] = make_pipe();
  auto [out_read, out_write] = make_pipe();
  UniqueFd log(::open(options.output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!log.valid()) throw_sys(fmt::format("open({})", options.output_path));
  SpawnOptions spawn;
  spawn.timeout = options.lifetime;
  spawn.clone_flags = options.clone_flags;
  const int out_fd = options.stdout_to_file ? log.get() : out_write.get();
  HeldProgram held;
  held.child_ = Child::spawn(spawn, [&, in_fd = in_read.get(), out_fd, err_fd = log.get()](Channel&) -> int {
    if (options.prepare) options.prepare();
    if (::dup2(in_fd, STDIN_FILENO) < 0 || ::dup2(out_fd, STDOUT_FILENO) < 0 || ::dup2(err_fd, STDERR_FILENO) < 0) throw_sys("dup2");
    ::execvpe(args[0], args.data(), env.data());
    throw_sys(fmt::format("execvp({})", argv[0]));
  });
  held.stdin_ = std::move(in_write);
  held.stdout_ = std::move(out_read);
  return held;
}

std::optional<std::string> HeldProgram::read_line(milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  for (;;) {
    if (const auto nl = pending_.find('\n'); nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return line;
    }
    if (!stdout_.valid()) return std::nullopt;
    const auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
    if (left <= 0) return std::nullopt;
    struct pollfd p{stdout_.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (stop_requested()) return std::nullopt;
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    char buf[65536];
    const ssize_t n = ::read(stdout_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      stdout_.reset();
      continue;
    }
    if (pending_.size() < (64u << 20)) pending_.append(buf, static_cast<size_t>(n));
  }
}

void HeldProgram::signal(int sig) {
  if (!status_) ::kill(child_->pid(), sig);
}

ChildStatus HeldProgram::wait_for(milliseconds timeout) {
  if (status_) return *status_;
  if (child_->pidfd() >= 0) {
    struct pollfd p{child_->pidfd(), POLLIN, 0};
    const auto deadline = steady_clock::now() + timeout;
    for (;;) {
      const auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
      const int r = ::poll(&p, 1, static_cast<int>(std::max<long>(left, 0)));
      if (r < 0 && errno == EINTR && !stop_requested()) continue;
      if (r <= 0) child_->kill_group();
      break;
    }
  }
  stdin_.reset();
  status_ = child_->wait();
  return *status_;
}

}  // namespace nsm::runtimes
