// PID helpers the PID-namespace checks share: a process's pid on every level, and pidfds.
#pragma once

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <string>
#include <vector>

#include "conformance/harness/child.h"
#include "core/error.h"
#include "core/proc.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

namespace nsm::conformance {

// The NSpid line of /proc/PID/status (the host's procfs, which a child without its own
// /proc still sees): the pid on each level, outermost first.
inline std::vector<long> nspid(const std::string& pid) {
  std::istringstream in(must_read_file("/proc/" + pid + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("NSpid:")) continue;
    std::istringstream fields(line.substr(6));
    std::vector<long> out;
    long v;
    while (fields >> v) out.push_back(v);
    return out;
  }
  throw ToolError("/proc/" + pid + "/status has no NSpid line (kernel < 4.1)");
}

inline int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
inline int pidfd_send_signal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

// Whether a pidfd reports its process's end within the child timeout.
inline bool ended(int pidfd) {
  struct pollfd p {
    pidfd, POLLIN, 0
  };
  int r;
  do r = ::poll(&p, 1, static_cast<int>(kChildTimeout.count()));
  while (r < 0 && errno == EINTR);
  return r > 0;
}

}  // namespace nsm::conformance
