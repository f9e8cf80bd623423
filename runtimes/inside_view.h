// The inside view (`nsmatrix inside`): what a process sees of its own isolation, from inside
// whatever container it was started in, as data — its namespaces (and whether each is the
// initial one, where the kernel makes that decidable), uid/gid maps, capabilities,
// no_new_privs, seccomp and which namespace, keyring, mount, bpf and perf calls it refuses,
// the LSM label, its cgroup and limits, masked and read-only paths, devices, the network
// it sees, and the gaps it can look at (runtimes/inside_gaps.h).
//
// Nothing is changed: every probing call is made with arguments the kernel would reject
// (an invalid flag, a bad fd, a null pointer), so the call either reaches the kernel and
// fails on them, or is refused before (EPERM, EACCES, or ENOSYS from a seccomp filter).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace nsm::runtimes {

struct InsideOptions {
  std::string token;  // recorded as given: the outside driver finds the process by it
};

// The whole view (docs/results-format.md, "inside"). Sections that cannot be read say
// why in place ({"error": ...}); it throws only when it cannot run at all.
nlohmann::json collect_inside_view(const InsideOptions& options);

// The system calls the view probes, with the errno each gives when it reaches the kernel
// with the view's invalid arguments (anything else means something stopped it first).
struct ProbedCall {
  std::string name;     // "unshare"
  std::string reached;  // "EINVAL"
};
const std::vector<ProbedCall>& probed_calls();

}  // namespace nsm::runtimes
