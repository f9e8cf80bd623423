#include "core/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

#include "core/error.h"
#include "core/unique_fd.h"

namespace nsm {

namespace {

// In the child: point fd `target` at `path` (O_TRUNC) or at the pipe end `pipe_fd`.
void redirect(int target, const std::string& path, int pipe_fd) {
  int fd = pipe_fd;
  if (!path.empty()) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw_sys(fmt::format("open({})", path));
  }
  if (::dup2(fd, target) < 0) throw_sys("dup2");
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

ProgramResult run_program(const std::vector<std::string>& argv, const ProgramOptions& options) {
  if (argv.empty()) throw ToolError("run_program: no program given");
  // Everything the child needs is built before the fork: after it, only exec-safe work.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  env_strings.insert(env_strings.end(), options.environment.begin(), options.environment.end());
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);

  auto [out_read, out_write] = make_pipe();
  auto [err_read, err_write] = make_pipe();
  SpawnOptions spawn;
  spawn.timeout = options.timeout;
  // The write ends by value: clang before 16 cannot capture a structured binding (the fuzz build).
  Child child = Child::spawn(spawn, [&, out_fd = out_write.get(), err_fd = err_write.get()](Channel&) -> int {
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0) throw_sys("open(/dev/null)");
    redirect(STDOUT_FILENO, options.stdout_path, out_fd);
    redirect(STDERR_FILENO, options.stderr_path, err_fd);
    ::execvpe(args[0], args.data(), env.data());
    throw_sys(fmt::format("execvp({})", argv[0]));
  });
  out_write.reset();
  err_write.reset();

  ProgramResult result;
  // Drain both pipes until both reach EOF or the deadline passes (wait() then kills).
  struct Stream {
    UniqueFd* fd;
    std::string* into;
  } streams[2] = {{&out_read, &result.out}, {&err_read, &result.err}};
  constexpr size_t kCaptureLimit = 16u << 20;
  for (;;) {
    struct pollfd fds[2];
    int count = 0;
    for (auto& s : streams)
      if (s.fd->valid()) fds[count++] = {s.fd->get(), POLLIN, 0};
    if (count == 0) break;
    const int r = ::poll(fds, count, static_cast<int>(child.time_left().count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;  // deadline (or a poll failure): wait() decides
    for (int i = 0; i < count; ++i) {
      if (!fds[i].revents) continue;
      for (auto& s : streams) {
        if (!s.fd->valid() || s.fd->get() != fds[i].fd) continue;
        char buf[65536];
        const ssize_t n = ::read(s.fd->get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          s.fd->reset();
        } else if (s.into->size() < kCaptureLimit) {
          s.into->append(buf, static_cast<size_t>(n));
        }
      }
    }
  }
  result.status = child.wait();
  return result;
}

}  // namespace nsm
