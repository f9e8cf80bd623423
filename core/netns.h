// Network namespaces held by an fd, and work done inside them without moving the caller.
//
// The calling thread never changes namespace. Creating a namespace, opening a socket or an
// rtnetlink socket inside one is done on a short-lived helper thread that enters the
// namespace (setns/unshare of CLONE_NEWNET is per thread) and ends before the call returns;
// what it opened stays in that namespace. Both steps are verified (core/ns_id.h): a kernel
// that claims to create or enter a namespace and does not throws KernelFault before
// anything is done in the wrong one. Nothing is named or mounted: when the last fd goes
// (this process exits, even by SIGKILL), the kernel destroys the namespace and its links.
#pragma once

#include <sys/types.h>

#include <exception>
#include <functional>
#include <optional>
#include <utility>

#include "core/netlink.h"
#include "core/unique_fd.h"

namespace nsm {

class NetNs {
 public:
  // A fresh namespace: only lo, down. Throws SysError (EPERM without CAP_SYS_ADMIN).
  static NetNs create();
  // The calling thread's namespace.
  static NetNs current();
  // Another process's namespace (/proc/PID/ns/net).
  static NetNs of_pid(pid_t pid);
  static NetNs adopt(UniqueFd fd) { return NetNs(std::move(fd)); }

  int fd() const { return fd_.get(); }
  ino_t inode() const;

  // Runs `fn` on a helper thread inside this namespace and returns its result (or rethrows).
  template <class F>
  auto run(F&& fn) const -> decltype(fn()) {
    using R = decltype(fn());
    if constexpr (std::is_void_v<R>) {
      run_void([&] { fn(); });
    } else {
      std::optional<R> result;
      run_void([&] { result.emplace(fn()); });
      return std::move(*result);
    }
  }

  RouteSocket route() const;
  // socket(2) inside this namespace, close-on-exec.
  UniqueFd socket(int domain, int type, int protocol = 0) const;
  // Brings lo up inside.
  void loopback_up() const;

 private:
  explicit NetNs(UniqueFd fd) : fd_(std::move(fd)) {}
  void run_void(const std::function<void()>& fn) const;
  UniqueFd fd_;
};

}  // namespace nsm
