#include "core/spawn.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/ns_id.h"
#include "core/ns_types.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace nsm {

namespace {

using Clock = std::chrono::steady_clock;

// struct clone_args, version 0 (64 bytes): enough for flags, pidfd and exit_signal.
struct CloneArgsV0 {
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
};

std::string signal_name(int sig) {
  if (const char* abbrev = ::sigabbrev_np(sig)) return std::string("SIG") + abbrev;
  return fmt::format("signal {}", sig);
}

// Everything the child does before the body: its own process group, death with the parent,
// the id-map handshake. Never returns.
[[noreturn]] void child_main(Channel& channel, int error_fd, int go_fd, std::initializer_list<int> parent_only_fds,
                             bool own_group, const Child::Body& body) {
  for (int fd : parent_only_fds)
    if (fd >= 0) ::close(fd);
  if (own_group) ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  int code = kChildThrewExit;
  std::string error;
  try {
    if (go_fd >= 0) {
      char go = 0;
      ssize_t n;
      do n = ::read(go_fd, &go, 1);
      while (n < 0 && errno == EINTR);
      if (n != 1) ::_exit(kChildThrewExit);  // the parent gave up (map write failed)
      ::close(go_fd);
    }
    code = body(channel);
  } catch (const KernelFault& e) {
    error = e.what();
    code = kChildKernelFaultExit;
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  if (!error.empty()) {
    ssize_t ignored = ::write(error_fd, error.data(), error.size());
    (void)ignored;
    if (code != kChildKernelFaultExit) code = kChildThrewExit;
  }
  std::fflush(nullptr);
  ::_exit(code);
}

}  // namespace

std::string ChildStatus::describe() const {
  const double secs = std::chrono::duration<double>(elapsed).count();
  switch (end) {
    case End::TimedOut:
      return fmt::format("timed out after {:.1f} s; its process group was killed", secs);
    case End::Signaled:
      return fmt::format("killed by {}{}", signal_name(signal), core_dumped ? " (core dumped)" : "");
    case End::Exited:
      if (kernel_fault) return fmt::format("caught the kernel at fault: {}", error.value_or("?"));
      if (error) return fmt::format("failed: {}", *error);
      return fmt::format("exited with status {}", exit_code);
  }
  return "?";
}

Child::Child(Child&& o) noexcept { *this = std::move(o); }

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    if (pid_ > 0 && !reaped_) {
      kill_group();
      wait();
    }
    pid_ = std::exchange(o.pid_, -1);
    pidfd_ = std::move(o.pidfd_);
    error_pipe_ = std::move(o.error_pipe_);
    channel_ = std::move(o.channel_);
    method_ = o.method_;
    started_ = o.started_;
    deadline_ = o.deadline_;
    reaped_ = std::exchange(o.reaped_, true);
    own_group_ = o.own_group_;
  }
  return *this;
}

Child::~Child() {
  if (pid_ > 0 && !reaped_) {
    kill_group();
    deadline_ = Clock::now();
    wait();
  }
}

std::chrono::milliseconds Child::time_left() const {
  // Rounded up: a wait of the truncated time would end up to 1 ms before the deadline.
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - Clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

Child Child::spawn(const SpawnOptions& options, Body body) {
  if (options.id_map && !(options.clone_flags & CLONE_NEWUSER))
    throw ToolError("SpawnOptions: an id map needs CLONE_NEWUSER in clone_flags");

  auto [parent_end, child_end] = Channel::make_pair();
  auto [error_read, error_write] = make_pipe();
  // Read only after the child ended; non-blocking so that a straggler holding the write end
  // cannot stall the parent.
  ::fcntl(error_read.get(), F_SETFL, O_NONBLOCK);
  // The parent's namespaces, to prove the child's are new before it may act.
  const NsSnapshot parent_ns = options.verify_namespaces ? snapshot_for_clone(options.clone_flags) : NsSnapshot{};
  // The child waits on this until the parent has verified its namespaces and written its maps.
  UniqueFd go_read, go_write;
  if (options.id_map || !parent_ns.entries.empty()) std::tie(go_read, go_write) = make_pipe();

  // Anything buffered now would be written twice, once by each process.
  std::fflush(nullptr);

  Child child;
  child.started_ = Clock::now();
  child.own_group_ = options.own_group;
  child.deadline_ = child.started_ + options.timeout;
  int pidfd = -1;
  long pid = -1;
  int clone3_errno = 0;
  if (options.method != CloneMethod::Clone) {
    CloneArgsV0 args{};
    args.flags = static_cast<uint64_t>(options.clone_flags) | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0)
      child_main(child_end, error_write.get(), go_read.get(), {parent_end.fd(), error_read.get(), go_write.get()},
                 options.own_group, body);
    if (pid < 0) {
      clone3_errno = errno;
      if (clone3_errno != ENOSYS || options.method == CloneMethod::Clone3)
        throw SysError(fmt::format("clone3({})", clone_flags_name(options.clone_flags)), clone3_errno);
    } else {
      child.method_ = "clone3";
    }
  }
  if (pid < 0) {
    if (options.clone_flags & CLONE_NEWTIME)
      throw SysError(fmt::format("clone({})", clone_flags_name(options.clone_flags)), ENOSYS,
                     "CLONE_NEWTIME is accepted only by clone3, which this kernel lacks");
    pid = ::syscall(SYS_clone, static_cast<unsigned long>(options.clone_flags) | SIGCHLD, nullptr, nullptr, nullptr,
                    nullptr);
    if (pid == 0)
      child_main(child_end, error_write.get(), go_read.get(), {parent_end.fd(), error_read.get(), go_write.get()},
                 options.own_group, body);
    if (pid < 0) throw_sys(fmt::format("clone({})", clone_flags_name(options.clone_flags)));
    child.method_ = "clone";
    pidfd = static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0));  // -1 before 5.3
  }
  child.pid_ = static_cast<pid_t>(pid);
  child.pidfd_.reset(pidfd);
  child.channel_ = std::move(parent_end);
  child.error_pipe_ = std::move(error_read);
  if (options.own_group) ::setpgid(child.pid_, child.pid_);  // also done by the child; whoever runs first wins

  if (go_write) {
    try {
      if (options.verify_namespaces) verify_child_namespaces(child.pid_, options.clone_flags, parent_ns, child.method_);
      if (options.id_map) write_id_maps(child.pid_, *options.id_map);
    } catch (...) {
      go_write.reset();  // the child reads EOF and exits
      throw;             // ~Child reaps it
    }
    const char go = 'g';
    if (::write(go_write.get(), &go, 1) != 1) throw_sys("write(go pipe)");
  }
  return child;
}

void Child::kill_group() { signal(SIGKILL); }

void Child::signal(int sig) {
  if (pid_ <= 0 || reaped_) return;
  if (own_group_ && ::kill(-pid_, sig) == 0) return;
  ::kill(pid_, sig);  // no group of its own (or not yet made)
}

void Child::shorten_deadline(std::chrono::milliseconds from_now) {
  deadline_ = std::min(deadline_, Clock::now() + from_now);
}

ChildStatus Child::wait() {
  ChildStatus status;
  if (pid_ <= 0 || reaped_) throw ToolError("Child::wait: no child to wait for");

  bool timed_out = false;
  if (pidfd_) {
    for (;;) {
      struct pollfd p {
        pidfd_.get(), POLLIN, 0
      };
      const int r = ::poll(&p, 1, static_cast<int>(time_left().count()));
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) timed_out = true;
      break;
    }
  } else {
    // No pidfd (kernel < 5.3): bounded, backed-off polling is the only portable wait.
    auto pause = std::chrono::microseconds(100);
    for (;;) {
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_)
        break;
      if (Clock::now() >= deadline_) {
        timed_out = true;
        break;
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(20'000));
    }
  }
  // Kill the group while the (zombie) child still holds its pid, so that no straggler the
  // child left in its group (outside a PID namespace of its own) survives it, and the pid
  // number cannot have been reused.
  kill_group();

  int wstatus = 0;
  pid_t r;
  do r = ::waitpid(pid_, &wstatus, 0);
  while (r < 0 && errno == EINTR);
  reaped_ = true;
  status.elapsed = Clock::now() - started_;
  if (r < 0) throw_sys(fmt::format("waitpid({})", pid_));
  if (timed_out) {
    status.end = ChildStatus::End::TimedOut;
  } else if (WIFSIGNALED(wstatus)) {
    status.end = ChildStatus::End::Signaled;
    status.signal = WTERMSIG(wstatus);
    status.core_dumped = WCOREDUMP(wstatus);
  } else {
    status.end = ChildStatus::End::Exited;
    status.exit_code = WEXITSTATUS(wstatus);
  }
  if (status.end == ChildStatus::End::Exited &&
      (status.exit_code == kChildThrewExit || status.exit_code == kChildKernelFaultExit)) {
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(error_pipe_.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    if (!text.empty()) status.error = text;
    status.kernel_fault = status.exit_code == kChildKernelFaultExit && status.error;
  }
  return status;
}

nlohmann::json ChildResult::json() const {
  if (!payload) throw ToolError(fmt::format("the child sent no result: it {}", status.describe()));
  try {
    return nlohmann::json::parse(*payload);
  } catch (const nlohmann::json::exception& e) {
    throw ToolError(fmt::format("the child's result is not JSON: {}", e.what()));
  }
}

ChildResult run_in_child(const SpawnOptions& options, const std::function<std::string()>& fn) {
  Child child = Child::spawn(options, [&fn](Channel& channel) {
    channel.send(fn());
    return 0;
  });
  ChildResult result;
  try {
    if (auto message = child.channel().recv(child.time_left())) result.payload = std::move(message->data);
  } catch (const TimeoutError&) {
    // wait() below sees the deadline passed and reports the timeout
  }
  result.status = child.wait();
  if (!result.status.ok()) result.payload.reset();
  return result;
}

bool have_clone3() {
  static const bool answer = [] {
    try {
      SpawnOptions options;
      options.method = CloneMethod::Clone3;
      options.timeout = std::chrono::seconds(5);
      return run_in_child(options, [] { return std::string(); }).ok();
    } catch (const SysError&) {
      return false;
    }
  }();
  return answer;
}

}  // namespace nsm
