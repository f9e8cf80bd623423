// Small readers of /proc and /sys, and facts about the calling process.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace nsm {

// The whole file; nullopt when it cannot be opened or read (errno is left set).
std::optional<std::string> read_file(const std::string& path);
// The whole file; throws SysError naming the path.
std::string must_read_file(const std::string& path);
// Writes the whole text in one write(2); throws SysError naming the path.
void write_file(const std::string& path, std::string_view text);

// The inode of /proc/PID/ns/NAME (pid 0: self); nullopt when the entry is missing.
std::optional<ino_t> ns_inode(pid_t pid, std::string_view proc_name);

// "kernel.pid_max" -> /proc/sys/kernel/pid_max, trimmed; nullopt when absent.
std::string sysctl_path(std::string_view name);
std::optional<std::string> read_sysctl(std::string_view name);

// Whether the kernel command line holds nsmatrix.guest=1: we are PID 1's suite in a QEMU
// guest, where tests that change global state (the clock, modules) are allowed.
bool is_guest();

// Whether the calling thread has `cap` in its effective set (capget(2), no libcap).
bool has_effective_capability(int cap);

std::string trim(std::string_view s);

// The directory holding the running executable (/proc/self/exe's): where nsmatrix finds its
// siblings nsmatrix-conformance, nsmatrix-bench and nsmatrix-init. Throws SysError.
std::string own_bin_dir();

}  // namespace nsm
