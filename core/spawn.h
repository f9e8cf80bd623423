// Runs a function in a child process created with new namespaces.
//
// Verify before act: when the flags ask for new namespaces, the child waits until the parent
// has compared each requested type's /proc/PID/ns identity with its own; a kernel that
// returned success without creating one makes spawn() throw KernelFault and the child dies
// before its body runs. A body that throws KernelFault (core/ns_id.h: a verified unshare or
// setns that the kernel did not carry out) ends with ChildStatus::kernel_fault.
//
// The child is created with clone3(CLONE_PIDFD | flags) and falls back to clone(2) (plus
// pidfd_open where it exists) when clone3 is missing (ENOSYS: kernels before 5.3, or a
// seccomp filter such as Docker's). It starts its own process group and dies with its
// parent (PR_SET_PDEATHSIG), so a killed test run leaves no child holding a namespace.
// The parent waits with a deadline; past it, the child's whole process group is killed and
// the end is reported as a timeout, never a hang.
//
// Spawn from a thread that outlives the child (normally the main thread): PDEATHSIG fires
// when the spawning *thread* exits.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/channel.h"
#include "core/id_map.h"
#include "core/unique_fd.h"

namespace nsm {

enum class CloneMethod { Auto, Clone3, Clone };

struct SpawnOptions {
  int clone_flags = 0;  // CLONE_NEW* flags given at creation
  // From the spawn to the child's end. Past it the child's process group is killed.
  std::chrono::milliseconds timeout{10'000};
  // Written by the parent before the child's body runs (needs CLONE_NEWUSER in clone_flags).
  std::optional<IdMap> id_map;
  // Auto: clone3, and clone(2) only when clone3 is ENOSYS. The others force one (tests).
  CloneMethod method = CloneMethod::Auto;
  // Prove the child's namespaces are new before its body runs (see above). Only a benchmark
  // timing the kernel's own cost of clone may turn it off, for a body that changes nothing.
  bool verify_namespaces = true;
  // The child starts its own process group, and the deadline or an early end kills that
  // whole group. Off only for a program whose own cleanup is under test (the residue test
  // kills the suite alone): then only the child itself is ever killed.
  bool own_group = true;
};

// How a child ended.
struct ChildStatus {
  enum class End { Exited, Signaled, TimedOut };
  End end = End::Exited;
  int exit_code = -1;  // End::Exited
  int signal = 0;      // End::Signaled
  bool core_dumped = false;
  std::optional<std::string> error;  // the body threw this (exit code kChildThrewExit or
                                     // kChildKernelFaultExit)
  bool kernel_fault = false;         // the body threw KernelFault: `error` is the evidence
  std::chrono::nanoseconds elapsed{0};

  bool ok() const { return end == End::Exited && exit_code == 0 && !error; }
  // "exited with status 3", "killed by SIGSEGV (core dumped)", "timed out after 2.0 s ...",
  // "failed: write(/proc/5/uid_map): EPERM (...)".
  std::string describe() const;
};

// The exit status of a child whose body threw; its message arrives in ChildStatus::error.
inline constexpr int kChildThrewExit = 121;
// The same for a body that threw KernelFault: the kernel, not the child, misbehaved.
inline constexpr int kChildKernelFaultExit = 122;

class Child {
 public:
  // Runs in the child with its end of the channel; returns the child's exit status.
  using Body = std::function<int(Channel&)>;

  // Throws SysError when the kernel refuses to create the child: the errno is the verdict
  // of the attempt ("clone3(CLONE_NEWTIME): EINVAL" on a kernel without time namespaces).
  // Throws KernelFault when it claimed to create one and did not.
  static Child spawn(const SpawnOptions& options, Body body);

  Child(Child&&) noexcept;
  Child& operator=(Child&&) noexcept;
  ~Child();  // kills the process group and reaps, if the child is still there

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }      // -1 when the kernel has no pidfds
  const char* method() const { return method_; }  // "clone3" or "clone"
  Channel& channel() { return channel_; }
  // Time left before the spawn deadline (never negative).
  std::chrono::milliseconds time_left() const;

  // Waits for the end, at most until the deadline; then kills the process group.
  ChildStatus wait();
  // SIGKILL to the child's process group (the child alone without own_group).
  void kill_group();
  // `sig` to the child's process group (the child alone without own_group).
  void signal(int sig);
  // Brings the deadline forward to at most `from_now` from now.
  void shorten_deadline(std::chrono::milliseconds from_now);

 private:
  Child() = default;
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd error_pipe_;  // the body's exception text, if it threw
  Channel channel_;
  const char* method_ = "";
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point deadline_;
  bool reaped_ = false;
  bool own_group_ = true;
};

// The common case: run `fn` in a child, take its return value back as a string.
struct ChildResult {
  ChildStatus status;
  std::optional<std::string> payload;  // nullopt when the child ended without answering
  bool ok() const { return status.ok() && payload.has_value(); }
  // The payload parsed as JSON; throws nsm::ToolError with the status when there is none.
  nlohmann::json json() const;
};
ChildResult run_in_child(const SpawnOptions& options, const std::function<std::string()>& fn);

// Whether the running kernel has clone3 (probed once, by a throwaway child).
bool have_clone3();

}  // namespace nsm
