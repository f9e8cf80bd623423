#include "conformance/harness/janitor.h"

#include <fcntl.h>
#include <linux/keyctl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace nsm::conformance {

namespace {

constexpr int kPipeFd = 3;
constexpr size_t kMaxCommands = 32;
constexpr size_t kMaxLine = 512;

// The janitor's whole life, after fork. Only async-signal-safe calls and fixed buffers.
[[noreturn]] void janitor_main(int read_fd) {
  ::setsid();
  ::signal(SIGPIPE, SIG_IGN);
  if (read_fd != kPipeFd) {
    ::dup2(read_fd, kPipeFd);
    ::close(read_fd);
  }
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);  // dup2 clears it on 0..2
  for (int fd = 0; fd < 3; ++fd)
    if (null_fd >= 0) ::dup2(null_fd, fd);
  if (::syscall(SYS_close_range, kPipeFd + 1, ~0U, 0) != 0)
    for (int fd = kPipeFd + 1; fd < 4096; ++fd) ::close(fd);

  static char commands[kMaxCommands][kMaxLine];
  size_t count = 0;
  static char line[kMaxLine];
  size_t used = 0;
  for (;;) {
    char c;
    const ssize_t n = ::read(kPipeFd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the suite is gone: undo
    if (c != '\n') {
      if (used + 1 < kMaxLine) line[used++] = c;
      continue;
    }
    line[used] = '\0';
    used = 0;
    if (line[0] == 'x') ::_exit(0);  // dismissed: the check undid everything itself
    if (count < kMaxCommands) std::memcpy(commands[count++], line, kMaxLine);
  }
  // Last registered, first undone: a nested cgroup goes before its parent.
  for (size_t i = count; i-- > 0;) {
    const char* arg = commands[i] + 1;
    if (commands[i][0] == 'c') {
      // A killed suite's children leave their cgroup asynchronously: retry, backed off,
      // for at most about ten seconds.
      long pause_ns = 1'000'000;
      for (int attempt = 0; attempt < 40; ++attempt) {
        if (::rmdir(arg) == 0 || errno == ENOENT) break;
        if (errno != EBUSY) break;
        struct timespec ts {
          0, pause_ns
        };
        ::nanosleep(&ts, nullptr);
        if (pause_ns < 400'000'000) pause_ns *= 2;
      }
    } else if (commands[i][0] == 'k') {
      // Found through @u, which the janitor (same uid) possesses: no permission to grant.
      const long serial = ::syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", arg, 0);
      if (serial >= 0) ::syscall(SYS_keyctl, KEYCTL_INVALIDATE, serial);
    }
  }
  ::_exit(0);
}

}  // namespace

Janitor Janitor::start() {
  auto [read_end, write_end] = make_pipe();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw_sys("fork(janitor)");
  if (pid == 0) {
    write_end.reset();
    janitor_main(read_end.release());
  }
  return Janitor(pid, std::move(write_end));
}

void Janitor::tell(const std::string& line) {
  const std::string text = line + "\n";
  if (::write(pipe_.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw_sys("write(janitor pipe)");
}

void Janitor::rmdir_on_death(const std::string& path) { tell("c" + path); }

void Janitor::invalidate_user_key_on_death(const std::string& description) { tell("k" + description); }

void Janitor::dismiss() {
  if (pid_ <= 0) return;
  const char dismissed[] = "x\n";
  ssize_t ignored = ::write(pipe_.get(), dismissed, 2);
  (void)ignored;
  pipe_.reset();
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void Janitor::undo_now() {
  if (pid_ <= 0) return;
  pipe_.reset();
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

Janitor::~Janitor() { dismiss(); }

}  // namespace nsm::conformance
