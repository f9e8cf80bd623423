#include "vm/kernels/run_command.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

#include <fmt/format.h>

#include "core/error.h"
#include "core/unique_fd.h"

extern char** environ;

namespace nsm::vm {

std::string CommandResult::describe() const {
  std::string text = signal != 0 ? fmt::format("killed by signal {}", signal)
                                 : fmt::format("exited with status {}", exit_code);
  for (auto it = last_lines.rbegin(); it != last_lines.rend(); ++it) {
    // The most telling line is usually apt's "E: ..." or make's "*** ..." near the end.
    if (it->starts_with("E: ") || it->find("***") != std::string::npos ||
        it->find("error") != std::string::npos) {
      return text + ": " + *it;
    }
  }
  if (!last_lines.empty()) text += ": " + last_lines.back();
  return text;
}

namespace {

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos && extra.contains(std::string(entry.substr(0, eq)))) continue;
    env.emplace_back(entry);
  }
  for (const auto& [key, value] : extra) env.push_back(key + "=" + value);
  return env;
}

// Owns the started process: kills its group and reaps it unless wait() already did.
class Process {
 public:
  explicit Process(pid_t pid) : pid_(pid) {}
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  int wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) throw_sys("waitpid");
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options,
                          const std::function<void(std::string_view)>& on_line) {
  if (argv.empty()) throw Error("run_command: no program given");
  auto [read_end, write_end] = make_pipe();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDERR_FILENO);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto env_strings = merged_environment(options.env);
  std::vector<char*> envp;
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int err = ::posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) throw SysError(fmt::format("posix_spawnp({})", argv[0]), err);
  Process process(pid);
  write_end.reset();

  CommandResult result;
  std::deque<std::string> tail;
  auto emit = [&](std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // apt redraws its progress with carriage returns; keep the last state of the line.
    if (const auto cr = line.rfind('\r'); cr != std::string::npos) line.erase(0, cr + 1);
    if (on_line) on_line(line);
    tail.push_back(std::move(line));
    if (tail.size() > options.keep_lines) tail.pop_front();
  };
  std::string pending;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_sys("read", "output of " + argv[0]);
    }
    if (n == 0) break;
    pending.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      emit(pending.substr(start, nl - start));
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) emit(std::move(pending));

  const int status = process.wait();
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.last_lines.assign(tail.begin(), tail.end());
  return result;
}

}  // namespace nsm::vm
