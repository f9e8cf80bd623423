// Namespace files (/proc/PID/ns/*) and the nsfs ioctls, for identity checks.
#pragma once

#include <sys/types.h>

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/unique_fd.h"

namespace nsm::conformance {

// {"cgroup": inode, ..., "uts": inode} for /proc/PID/ns/* (0: self); null when missing.
nlohmann::json namespace_inodes(pid_t pid = 0);
// The inode of a namespace file /proc/PID/ns/ENTRY (0: self; "pid_for_children" too).
// Throws SysError.
ino_t must_ns_inode(pid_t pid, std::string_view entry);
// open(/proc/PID/ns/ENTRY, O_RDONLY). Throws SysError.
UniqueFd open_ns(pid_t pid, std::string_view entry);
// The inode behind an fd. Throws SysError.
ino_t fd_inode(int fd);

}  // namespace nsm::conformance
