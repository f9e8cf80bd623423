#include "vm/kernels/run_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <deque>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "core/spawn.h"
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

// The program's path, searched in PATH as execvp would; throws when it is not there, so the
// child never has to report a failed exec.
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    const std::string candidate = (std::filesystem::path(dir.empty() ? "." : dir) / name).string();
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw ToolError(fmt::format("{}: program not found in PATH (scripts/install-deps.sh installs it)", name));
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options,
                          const std::function<void(std::string_view)>& on_line) {
  if (argv.empty()) throw ToolError("run_command: no program given");
  const std::string program = find_program(argv[0]);
  auto [read_end, write_end] = make_pipe();

  // Everything the child needs is built before the clone: after it, only system calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto env_strings = merged_environment(options.env);
  std::vector<char*> envp;
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const int out_fd = write_end.get();
  const char* cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();

  // core's spawner: the program gets its own process group, dies with us (PDEATHSIG), and
  // the Child kills its whole group if we leave early (an exception, a progress callback
  // that throws). The timeout only bounds a hung program; kernel builds take long.
  SpawnOptions spawn;
  spawn.timeout = std::chrono::hours(12);
  Child child = Child::spawn(spawn, [&](Channel&) -> int {
    const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0 || ::dup2(devnull, STDIN_FILENO) < 0 || ::dup2(out_fd, STDOUT_FILENO) < 0 ||
        ::dup2(out_fd, STDERR_FILENO) < 0) {
      ::_exit(126);
    }
    if (cwd && ::chdir(cwd) != 0) ::_exit(126);
    ::execve(program.c_str(), args.data(), envp.data());
    ::_exit(127);
  });
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

  const ChildStatus status = child.wait();
  result.last_lines.assign(tail.begin(), tail.end());
  switch (status.end) {
    case ChildStatus::End::Exited:
      result.exit_code = status.exit_code;
      if (status.exit_code == 126 || status.exit_code == 127) {
        result.last_lines.push_back(fmt::format("could not start {} in {} (exit {})", program,
                                                options.cwd.empty() ? "." : options.cwd, status.exit_code));
      }
      break;
    case ChildStatus::End::Signaled:
      result.signal = status.signal;
      break;
    case ChildStatus::End::TimedOut:
      throw TimeoutError(fmt::format("{} {}", argv[0], status.describe()));
  }
  return result;
}

}  // namespace nsm::vm
