// Children for checks: every namespace a check creates is created in a child (core/spawn.h).
// The child computes and reports over its channel, as JSON; the test process asserts. No
// GoogleTest assertion ever runs in a child (its result would die with it).
//
// A child that cannot be created, throws, dies or misses its deadline makes the check
// broken (a Broken exception): the kernel's verdicts are what children report, and only the
// parent judges them. One exception: a kernel that claimed to create or join a namespace and
// did not (the spawner's verification, or a child's unshare_verified/setns_verified) is a
// KernelFault, and the check fails with that evidence.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "core/channel.h"
#include "core/id_map.h"
#include "core/spawn.h"

namespace nsm::conformance {

// Generous for a child that only makes a few system calls, short enough that a hung check
// costs little. The suite runs several times slower in an emulated guest.
inline constexpr std::chrono::milliseconds kChildTimeout{8000};

struct ChildSpec {
  ChildSpec(int flags = 0) : clone_flags(flags) {}  // NOLINT: a bare flag set is a spec
  int clone_flags = 0;
  std::optional<IdMap> id_map;  // written by the parent before the body runs
  std::chrono::milliseconds timeout = kChildTimeout;
};

// The namespaces a container runtime gives, as the running user can have them: as root, a
// privileged container (no user namespace); otherwise a rootless one, in its own user
// namespace with root inside mapped to the caller. Skipped (with the reason) when the caller
// is unprivileged and may not create user namespaces.
ChildSpec container(int ns_flags);
// Whether container() adds a user namespace for the running user.
bool container_is_rootless();
// A child in its own user namespace (plus `ns_flags`), root inside mapped to the caller:
// works for root and, where rootless user namespaces are allowed, for anyone (else skipped).
ChildSpec in_own_user_ns(int ns_flags);

// When the caller is unprivileged: skip unless it may create user namespaces (a check
// whose children unshare CLONE_NEWUSER themselves, as the caller).
void skip_unless_caller_may_create_user_ns();

// The child's side of a conversation: JSON messages, optionally with fds.
class Link {
 public:
  explicit Link(Channel& channel) : channel_(&channel) {}
  void send(const nlohmann::json& message, std::span<const int> fds = {});
  // The test's next message; throws when the test went away (the child then exits).
  nlohmann::json recv();

 private:
  Channel* channel_;
};

// A child the test talks to while it runs.
class Peer {
 public:
  static Peer spawn(const ChildSpec& spec, std::function<void(Link&)> body);

  // The child's next message. Broken when it ended, timed out or sent no JSON.
  nlohmann::json recv();
  // The same with the fds that came with it.
  nlohmann::json recv(std::vector<UniqueFd>& fds);
  // The child's next message, or nullopt when it ended without one (then wait() says how):
  // for a check whose kernel may kill the child as its verdict. Broken on a timeout.
  std::optional<nlohmann::json> recv_unless_ended();
  void send(const nlohmann::json& message);
  // Waits for the end; Broken unless the child exited with status 0.
  void finish();
  // Waits for the end and returns how it ended, whatever that was.
  ChildStatus wait();

  pid_t pid() const { return child_.pid(); }
  Child& child() { return child_; }

 private:
  explicit Peer(Child child, std::string what) : child_(std::move(child)), what_(std::move(what)) {}
  [[noreturn]] void fail_recv(const std::string& why);
  Child child_;
  std::string what_;  // "child CLONE_NEWNET|CLONE_NEWNS", for messages
};

// Runs fn in a child and returns what it returned.
nlohmann::json in_child(const ChildSpec& spec, const std::function<nlohmann::json()>& fn);

// In a child: act as an unprivileged user would. Gives up root (to 65534, nobody) when the
// suite runs as root, then creates a user namespace mapping root inside to that user.
void become_rootless_user();

// In a child in a new user namespace: switch to uid and gid 0 inside. The creator keeps its
// credentials in a new user namespace; root outside, mapped to 100000, must do this to *be*
// 100000 outside (and to lose the powers of the host's root). Throws SysError.
void become_root_inside();

// Rethrows a child's KernelFault in the test process (a fail, not broken).
void throw_if_kernel_fault(const ChildStatus& status);

// Inside children: the errno of a call that returned -1, 0 when it succeeded.
int errno_of(long result);
// "EPERM", or "ok" for 0: how children report a call's outcome.
std::string outcome_of(long result);

}  // namespace nsm::conformance
