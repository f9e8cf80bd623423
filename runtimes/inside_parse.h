// The pure parts of the inside view (runtimes/inside_view.h): what the kernel's files say,
// turned into data, with no system call — so each is unit-tested on fixed text.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/harness/mounts.h"
#include "core/kernel_version.h"
#include "core/ns_types.h"

namespace nsm::runtimes {

// "CAP_CHOWN", ... for each bit set in a capability mask (/proc/PID/status's CapEff);
// bits past the last capability this table knows are "CAP_<n>".
std::vector<std::string> capability_names(uint64_t mask);
// The field of /proc/PID/status ("CapEff", "Seccomp"), trimmed; nullopt when absent.
std::optional<std::string> status_field(std::string_view status, std::string_view field);

// One line of /proc/PID/uid_map or gid_map.
struct IdRange {
  uint64_t inside = 0;
  uint64_t outside = 0;
  uint64_t count = 0;
  bool operator==(const IdRange&) const = default;
};
// Throws nsm::Error on a line that is not three numbers.
std::vector<IdRange> parse_id_map(std::string_view text);
// The initial user namespace's map: every id is itself ("0 0 4294967295").
bool is_identity_map(const std::vector<IdRange>& ranges);

// The inode the kernel gives the initial namespace of `type` (its PROC_*_INIT_INO), when
// this kernel gives it a fixed one: user, ipc, uts and pid since namespaces have had nsfs
// inodes, cgroup since 4.6, time since 5.6, net and mnt only from 6.18. nullopt when the
// initial namespace's inode is allocated at boot, so an inode cannot say whether it is.
std::optional<ino_t> initial_ns_inode(NsType type, const KernelVersion& kernel);

// How a path looks from inside, as the mount table and stat() show it.
enum class PathState {
  Absent,    // ENOENT: the kernel or the runtime has no such file
  Masked,    // a bind of /dev/null over a file, or an empty read-only tmpfs over a directory
  ReadOnly,  // on a mount with the "ro" option
  Visible,   // there, readable, on a read-write mount
};
std::string_view path_state_name(PathState state);  // "absent", "masked", "read-only", "visible"

// What stat(2) said of a path, and whether a directory was empty.
struct PathStat {
  bool exists = false;
  bool char_device = false;
  dev_t rdev = 0;
  bool directory = false;
  bool empty_directory = false;
};
// The mount covering `path`: the last one in mount order whose mount point is the path or
// one of its parents. nullptr when none.
const conformance::MountEntry* covering_mount(const std::vector<conformance::MountEntry>& mounts,
                                              std::string_view path);
PathState judge_path(std::string_view path, const PathStat& st, const std::vector<conformance::MountEntry>& mounts);

// "/proc/self/cgroup" lines, "0::/docker/ab12" -> {hierarchy "0", controllers "", path}.
struct CgroupLine {
  std::string hierarchy;
  std::string controllers;
  std::string path;
};
std::vector<CgroupLine> parse_proc_cgroup(std::string_view text);

}  // namespace nsm::runtimes
