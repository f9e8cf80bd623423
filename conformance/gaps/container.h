// The container the gap checks look out of: what a runtime builds (new mount, PID, network,
// UTS, IPC and cgroup namespaces, "/" private, a fresh /proc), plus a user namespace when
// the suite runs unprivileged (a rootless container). A gap is a place where the host
// still shows through, or is still reachable, from in there.
#pragma once

#include <sched.h>

#include <string>
#include <vector>

#include "conformance/harness/child.h"
#include "core/ns_types.h"

namespace nsm::conformance {

inline constexpr int kContainerFlags =
    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP;
inline const std::vector<NsType> kContainerTypes{NsType::Mnt, NsType::Pid, NsType::Net,
                                                 NsType::Uts, NsType::Ipc, NsType::Cgroup};

// The child's spec: container(kContainerFlags | extra).
ChildSpec container_spec(int extra_flags = 0);

// In the child: "/" made private and a fresh procfs on /proc, as runc does.
void prepare_container();

// The lines of a file, without the trailing empty one.
std::vector<std::string> file_lines(const std::string& path);

}  // namespace nsm::conformance
